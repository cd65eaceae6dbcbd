//! Test support: a component served by a real runtime from a temporary
//! directory; requests through an HTTP client library (ureq), and, for the
//! hostile tests only, a raw socket that sends exactly the bytes they mean
//! (duplicate fields, odd targets, bad bytes) that a client library refuses
//! or rewrites. Every response's framing is checked either way.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::runtime::{Mounts, RunningServer, ServerSpec};
use md5::{Digest, Md5};

pub mod cases;
pub mod invariants;

pub use harness::runtime::Wasi;

/// What a runtime test runs under: a runtime and the artifact it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    pub host: harness::runtime::Runtime,
    pub wasi: Wasi,
    /// Spin 4.0.x (`harness::tools::find_spin_4_0`) instead of the Spin of
    /// `$SPIN`: it runs the WASIp2 artifact only.
    pub spin_4_0: bool,
}

impl Runtime {
    pub const WASMTIME: Runtime = Runtime {
        host: harness::runtime::Runtime::Wasmtime,
        wasi: Wasi::P3,
        spin_4_0: false,
    };
    pub const SPIN: Runtime = Runtime {
        host: harness::runtime::Runtime::Spin,
        wasi: Wasi::P3,
        spin_4_0: false,
    };
    pub const WASMTIME_P2: Runtime = Runtime {
        host: harness::runtime::Runtime::Wasmtime,
        wasi: Wasi::P2,
        spin_4_0: false,
    };
    pub const SPIN_P2: Runtime = Runtime {
        host: harness::runtime::Runtime::Spin,
        wasi: Wasi::P2,
        spin_4_0: false,
    };
}

impl std::fmt::Display for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.wasi, self.spin_4_0) {
            (_, true) => write!(f, "spin 4.0 ({})", self.wasi),
            (Wasi::P3, false) => write!(f, "{}", self.host),
            (Wasi::P2, false) => write!(f, "{} ({})", self.host, self.wasi),
        }
    }
}

/// Defines each named test function `fn NAME(runtime: Runtime)` as one test
/// per runtime and artifact: `wasmtime::NAME` and `spin::NAME` with the
/// WASIp3 artifact, `wasmtime_p2::NAME` (`wasmtime serve -Sp3=n`) and
/// `spin_p2::NAME` with the WASIp2 one, and `spin40_p2::NAME` with the WASIp2
/// one under Spin 4.0.x, so that the suite counts every run.
/// The runs of a runtime that was not found when the tests were built are
/// ignored, with the reason (`tests/build.rs`); with `REQUIRE_SPIN` set, a
/// Spin run fails without Spin.
#[allow(unused_macros)]
macro_rules! runtime_tests {
    ($($name:ident),* $(,)?) => {
        mod wasmtime {
            $(#[test]
            #[cfg_attr(no_wasmtime, ignore = "no wasmtime found when the tests were built: set $WASMTIME (cargo xtask test installs it)")]
            fn $name() {
                super::$name(crate::support::Runtime::WASMTIME)
            })*
        }
        mod spin {
            $(#[test]
            #[cfg_attr(no_spin, ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later")]
            fn $name() {
                super::$name(crate::support::spin_runtime(crate::support::Wasi::P3))
            })*
        }
        mod wasmtime_p2 {
            $(#[test]
            #[cfg_attr(no_wasmtime, ignore = "no wasmtime found when the tests were built: set $WASMTIME (cargo xtask test installs it)")]
            fn $name() {
                super::$name(crate::support::Runtime::WASMTIME_P2)
            })*
        }
        mod spin_p2 {
            $(#[test]
            #[cfg_attr(no_spin, ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later")]
            fn $name() {
                super::$name(crate::support::spin_runtime(crate::support::Wasi::P2))
            })*
        }
        mod spin40_p2 {
            $(#[test]
            #[cfg_attr(no_spin_4_0, ignore = "no Spin 4.0.x found when the tests were built: set $SPIN_4_0")]
            fn $name() {
                super::$name(crate::support::spin_4_0_runtime())
            })*
        }
    };
}

/// Spin with the artifact of `wasi`, when a binary is found; a test under
/// Spin fails without one.
pub fn spin_runtime(wasi: Wasi) -> Runtime {
    assert!(
        harness::tools::find_spin().is_some(),
        "no Spin binary: set $SPIN to a Spin 4.1 or later (or put spin on PATH); \
         without $REQUIRE_SPIN the Spin runs are ignored when none is found"
    );
    Runtime {
        host: harness::runtime::Runtime::Spin,
        wasi,
        spin_4_0: false,
    }
}

/// Spin 4.0.x with the WASIp2 artifact (the only one it runs), when one is
/// found; a test under it fails without one.
pub fn spin_4_0_runtime() -> Runtime {
    assert!(
        harness::tools::find_spin_4_0().is_some(),
        "no Spin 4.0.x: set $SPIN_4_0 (../shared/spin-4.0/spin); without $REQUIRE_SPIN the \
         spin40_p2 runs are ignored when none is found"
    );
    Runtime {
        host: harness::runtime::Runtime::Spin,
        wasi: Wasi::P2,
        spin_4_0: true,
    }
}

/// Whether the external tools of a test must be present ($REQUIRE_CLIENT_TOOLS,
/// set by `cargo xtask test`); otherwise a missing tool skips it with a message.
pub fn tools_required() -> bool {
    std::env::var_os("REQUIRE_CLIENT_TOOLS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A page of a few kilobytes.
pub fn sample_page(tag: &str) -> Vec<u8> {
    let mut page = format!("<!doctype html><title>{tag}</title>\n").into_bytes();
    for i in 0..200 {
        page.extend_from_slice(format!("<p>line {i} of {tag}</p>\n").as_bytes());
    }
    page
}

/// The parts of a multipart/byteranges body with `content_type` as a real
/// MIME parser reads them (Python's `email` package, RFC 2046): each part's
/// Content-Type, Content-Range and bytes, in order. Panics when the body is
/// not a multipart message.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    const READ: &str = "import sys, json\n\
        from email.parser import BytesParser\n\
        message = BytesParser().parsebytes(sys.stdin.buffer.read())\n\
        assert message.is_multipart(), 'not multipart'\n\
        assert message.defects == [], message.defects\n\
        parts = [[p['Content-Type'], p['Content-Range'], p.get_payload(decode=True).hex()] for p in message.get_payload()]\n\
        print(json.dumps(parts))\n";
    let mut child = std::process::Command::new("python3")
        .args(["-c", READ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3, for its MIME parser");
    let mut input = format!("Content-Type: {content_type}\r\n\r\n").into_bytes();
    input.extend_from_slice(body);
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the MIME parser refused the body");
    let parts: Vec<(String, String, String)> =
        serde_json::from_slice(&output.stdout).expect("the parser's JSON");
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    };
    parts
        .into_iter()
        .map(|(t, r, bytes)| (t, r, hex(&bytes)))
        .collect()
}

/// The quoted MD5 of `content`, as the component's ETag must be.
pub fn etag_of(content: &[u8]) -> String {
    let digest = Md5::digest(content);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// A runtime serving the component from its own temporary directory.
pub struct Served {
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
}

impl Served {
    /// Serves `page` as index.html under `runtime` as users run it: Spin
    /// copies the directory when it starts, so later changes are not seen
    /// there. Changes are looked for on every request unless `env` says
    /// otherwise.
    pub fn start(runtime: Runtime, page: &[u8], env: &[(&str, &str)]) -> Served {
        Self::start_in(runtime, page_dir(page), Mounts::Copied, env)
    }

    /// Like [`Served::start`], for tests that change files while the server
    /// runs: Spin mounts the directory itself (`--direct-mounts`).
    pub fn start_live(runtime: Runtime, page: &[u8], env: &[(&str, &str)]) -> Served {
        Self::start_in(runtime, page_dir(page), Mounts::Direct, env)
    }

    pub fn start_in(
        runtime: Runtime,
        dir: tempfile::TempDir,
        mounts: Mounts,
        env: &[(&str, &str)],
    ) -> Served {
        let component = harness::tools::artifact_for(runtime.host, runtime.wasi)
            .expect("building the component");
        Self::start_spec(runtime, &component, dir, mounts, false, env)
    }

    /// The artifact with the built fixture site embedded
    /// (`embedded_artifact`), nothing mounted: no `--dir`, no `files`.
    pub fn start_embedded(runtime: Runtime, env: &[(&str, &str)]) -> Served {
        Self::start_artifact(runtime, &embedded_artifact(runtime.wasi), env)
    }

    /// An embedded `component` (the site inside it), nothing mounted.
    pub fn start_artifact(runtime: Runtime, component: &Path, env: &[(&str, &str)]) -> Served {
        let empty = tempfile::tempdir().expect("temporary directory");
        Self::start_spec(runtime, component, empty, Mounts::Copied, true, env)
    }

    fn start_spec(
        runtime: Runtime,
        component: &Path,
        dir: tempfile::TempDir,
        mounts: Mounts,
        embedded: bool,
        env: &[(&str, &str)],
    ) -> Served {
        let mut spec = ServerSpec::new(runtime.host, component, dir.path())
            .expect("a free port")
            .wasi(runtime.wasi)
            .mounts(mounts);
        if runtime.spin_4_0 {
            spec.spin = harness::tools::find_spin_4_0();
        }
        spec.embedded = embedded;
        if !env
            .iter()
            .any(|(name, _)| *name == "FILE_CHECK_INTERVAL_MS")
        {
            spec = spec.env("FILE_CHECK_INTERVAL_MS", "0");
        }
        for (name, value) in env {
            spec = spec.env(name, value);
        }
        let server =
            RunningServer::start(spec).unwrap_or_else(|err| panic!("starting {runtime}: {err:#}"));
        Served { server, dir }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The runtime's output once it contains `needle` (waits up to 10 s).
    pub fn output_containing(&self, needle: &str) -> String {
        self.server
            .output_containing(needle, Duration::from_secs(10))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Replaces a file the way a deployment should: write aside, then rename.
    pub fn replace_file(&self, name: &str, content: &[u8]) {
        replace_file(&self.path(name), content);
    }

    /// Asserts that `GET /` is a 200 with exactly `page` and its ETag.
    pub fn assert_serves(&self, page: &[u8]) {
        let response = self.get("/", &[]);
        assert_eq!(
            (response.status, &response.body[..]),
            (200, page),
            "{}",
            self.server.spec.runtime
        );
        assert_eq!(response.etag(), etag_of(page));
    }

    pub fn get(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.request("GET", path, fields)
    }

    pub fn request(&self, method: &str, target: &str, fields: &[(&str, &str)]) -> Response {
        request(self.addr(), method, target, fields)
    }

    /// `GET` over a raw socket, with the target and fields exactly as given.
    pub fn raw_get(&self, target: &str, fields: &[(&str, &str)]) -> Response {
        self.raw_request("GET", target, fields)
    }

    /// A request over a raw socket, with the target and fields exactly as given.
    pub fn raw_request(&self, method: &str, target: &str, fields: &[(&str, &str)]) -> Response {
        let mut raw =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
        for (name, value) in fields {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        send_raw(self.addr(), raw.as_bytes(), method == "HEAD")
    }

    /// The access-log lines written so far, once the output has settled.
    pub fn access_log(&self) -> Vec<String> {
        self.server
            .settled_output(Duration::from_millis(100))
            .lines()
            .filter(|line| line.contains("method=") && line.contains("status="))
            .map(str::to_string)
            .collect()
    }
}

/// Whether nginx is there; when it is not, says why the test skips, or fails
/// when the tools are required.
pub fn nginx_available() -> bool {
    if harness::nginx::Nginx::available() {
        return true;
    }
    assert!(!tools_required(), "nginx is required but not installed");
    eprintln!("skipped: nginx is not installed (apt-get install nginx-light)");
    false
}

/// A temporary copy of the fixture site, `tests/fixture-site` (the in-process
/// tests in tests/in_process/main.rs serve the same tree).
pub fn fixture_site_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    harness::trees::copy_tree(&fixture_site(), dir.path()).expect("copying the fixture site");
    dir
}

/// `tests/fixture-site`.
fn fixture_site() -> PathBuf {
    // Found at run time, never baked in at compile time (see
    // `harness::tools::workspace_root`).
    harness::tools::workspace_root().join("tests/fixture-site")
}

/// A copy of the fixture site after the build step (precompressed variants,
/// site manifest), its files' times an hour back, as a deployed site's.
pub fn built_fixture_site_dir() -> tempfile::TempDir {
    let dir = fixture_site_dir();
    harness::trees::build_aged_site(dir.path()).expect("building the site");
    dir
}

/// The built fixture site the embedded artifacts of this test process
/// carry: built once per process, its times an hour back, as a deployed
/// site's.
pub fn embedded_fixture_site() -> &'static Path {
    static SITE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    SITE.get_or_init(built_fixture_site_dir).path()
}

/// The artifact of `wasi` with the built fixture site embedded
/// (`embedded_fixture_site`), built once per process.
pub fn embedded_artifact(wasi: Wasi) -> PathBuf {
    static P3: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static P2: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let cell = match wasi {
        Wasi::P3 => &P3,
        Wasi::P2 => &P2,
    };
    cell.get_or_init(|| {
        let label = format!("fixture-{}", std::process::id());
        harness::tools::build_embedded(wasi, embedded_fixture_site(), &label)
            .expect("building the embedded artifact")
    })
    .clone()
}

/// A copy of the demo site (`static/`) after the build step, its times an
/// hour back, as a deployed site's.
pub fn built_demo_site_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let demo = harness::tools::workspace_root().join("static");
    harness::trees::copy_tree(&demo, dir.path()).expect("copying the demo site");
    harness::trees::build_aged_site(dir.path()).expect("building the demo site");
    dir
}

/// The artifact of `wasi` with the built demo site embedded, built once
/// per process.
pub fn embedded_demo_artifact(wasi: Wasi) -> PathBuf {
    static SITE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    static P3: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static P2: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let site = SITE.get_or_init(built_demo_site_dir).path();
    let cell = match wasi {
        Wasi::P3 => &P3,
        Wasi::P2 => &P2,
    };
    cell.get_or_init(|| {
        let label = format!("demo-{}", std::process::id());
        harness::tools::build_embedded(wasi, site, &label).expect("building the embedded artifact")
    })
    .clone()
}

/// The bytes of a file of the fixture site.
pub fn fixture_file(name: &str) -> Vec<u8> {
    let path = fixture_site().join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Gives the site's pages `cache_control` with rules in its `_headers`
/// (HTML is `no-cache` by default, which a shared cache does not store).
pub fn cache_html(dir: &Path, cache_control: &str) {
    let rules =
        format!("/\n  Cache-Control: {cache_control}\n/*.html\n  Cache-Control: {cache_control}\n");
    std::fs::write(dir.join(http_caching_server::HEADERS_FILE), rules)
        .expect("writing the header rules");
}

/// A temporary directory holding `page` as index.html.
pub fn page_dir(page: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("index.html"), page).expect("writing index.html");
    dir
}

/// One request to any server through the HTTP client (ureq): no redirects
/// followed, no status treated as an error, repeated fields kept.
pub fn request(addr: SocketAddr, method: &str, target: &str, fields: &[(&str, &str)]) -> Response {
    static CLIENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| harness::runtime::http_client(Duration::from_secs(30)));
    let mut builder = ureq::http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"));
    for (name, value) in fields {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(()).expect("a valid request");
    let mut response = client
        .run(request)
        .unwrap_or_else(|err| panic!("{method} {target} to {addr}: {err}"));
    let fields = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .expect("reading the body");
    let response = Response {
        status: response.status().as_u16(),
        fields,
        body,
    };
    check_framing(&response, method == "HEAD");
    response
}

pub fn get(addr: SocketAddr, target: &str, fields: &[(&str, &str)]) -> Response {
    request(addr, "GET", target, fields)
}

pub fn replace_file(path: &Path, content: &[u8]) {
    let aside = path.with_extension("new");
    std::fs::write(&aside, content).expect("writing the new file");
    std::fs::rename(&aside, path).expect("renaming the new file into place");
}

/// A response as it came over the wire.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub fields: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of a field, which must not be repeated.
    pub fn field(&self, name: &str) -> Option<&str> {
        let mut values = self
            .fields
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let first = values.next();
        assert!(values.next().is_none(), "{name} is repeated: {self:?}");
        first
    }

    pub fn etag(&self) -> &str {
        self.field("etag")
            .unwrap_or_else(|| panic!("no ETag: {self:?}"))
    }
}

/// Sends raw request bytes on a new connection and reads the whole response
/// (the request should say `Connection: close`). Checks the framing: a body's
/// length must equal its Content-Length, and no response may be chunked.
pub fn send_raw(addr: SocketAddr, raw: &[u8], head_request: bool) -> Response {
    let bytes = exchange(addr, raw).expect("exchanging a request with the runtime");
    parse_response(&bytes, head_request)
}

/// Like [`send_raw`], for requests the runtime's HTTP layer may refuse by
/// closing the connection: None when no response header came back.
pub fn send_raw_lenient(addr: SocketAddr, raw: &[u8]) -> Option<Response> {
    let bytes = exchange(addr, raw).unwrap_or_default();
    bytes
        .windows(4)
        .any(|w| w == b"\r\n\r\n")
        .then(|| parse_response(&bytes, false))
}

/// Writes the request and reads until the server closes the connection.
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // A server may answer and close before reading a large request whole.
    let _ = stream.write_all(raw);
    let mut bytes = Vec::new();
    if let Err(err) = stream.read_to_end(&mut bytes)
        && bytes.is_empty()
    {
        return Err(err);
    }
    Ok(bytes)
}

pub fn parse_response(bytes: &[u8], head_request: bool) -> Response {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of header in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let fields: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = bytes[end + 4..].to_vec();
    let response = Response {
        status,
        fields,
        body,
    };
    check_framing(&response, head_request);
    response
}

/// A body's length must equal its Content-Length, nothing may be chunked,
/// and HEAD, 204 and 304 carry no body.
fn check_framing(response: &Response, head_request: bool) {
    let status = response.status;
    assert!(
        response.field("transfer-encoding").is_none(),
        "chunked response, expected Content-Length: {response:?}"
    );
    let no_body = head_request || matches!(status, 204 | 304);
    if no_body {
        assert!(
            response.body.is_empty(),
            "{status} with a body: {response:?}"
        );
    } else {
        let length = response
            .field("content-length")
            .unwrap_or_else(|| panic!("{status} without Content-Length: {response:?}"));
        assert_eq!(
            length,
            response.body.len().to_string(),
            "Content-Length does not match the body"
        );
    }
}

impl cases::Answered for Response {
    fn status(&self) -> u16 {
        self.status
    }

    fn field_value(&self, name: &str) -> Option<String> {
        self.field(name).map(str::to_string)
    }

    fn body(&self) -> &[u8] {
        &self.body
    }
}
