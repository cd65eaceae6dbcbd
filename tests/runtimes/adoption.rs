//! Adopted from the release files alone (`cargo xtask dist`): in an empty
//! directory outside the repository, with Spin's data in a directory of its
//! own and the release served on loopback by nginx (Spin fetches a
//! component by URL, never `file://`), a new user installs the plugin and
//! the template, makes an app with `spin new`, puts a site in `assets/`,
//! builds it with `spin build` (the plugin's build step) and serves it with
//! `spin up`; then `spin add`s the site at `/static/...` beside it; and
//! serves a directory with the released tool under wasmtime.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use harness::nginx::Nginx;
use harness::process::ProcessGroup;

use crate::support::{self, etag_of};

/// The release files, written once for this test binary.
fn dist() -> &'static Path {
    static DIST: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &DIST
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("dist");
            // The base URL is passed to `spin new`; this one is never used.
            harness::dist::write(&out, "http://127.0.0.1:9").expect("cargo xtask dist");
            (dir, out)
        })
        .1
}

/// A compressible stylesheet.
fn stylesheet() -> Vec<u8> {
    b"body { color: #123; margin: 0 auto; }\n".repeat(300)
}

/// A user's shell: Spin on PATH and its data in `data`, in `dir`.
fn spin(data: &Path, dir: &Path, args: &[&str]) -> String {
    let spin = harness::tools::find_spin().expect("Spin");
    let spin_dir = spin.parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(spin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let output = Command::new(&spin)
        .args(args)
        .current_dir(dir)
        .env("SPIN_DATA_DIR", data)
        .env("PATH", path)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "spin {args:?}:\n{text}");
    text
}

/// Waits until `addr` answers `/` with 200, while `process` runs.
fn wait_for(addr: std::net::SocketAddr, process: &mut ProcessGroup, log: &Path) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(90) {
        if let Ok(Some(status)) = process.try_wait() {
            panic!(
                "exited ({status}):\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if harness::runtime::probe(addr).is_ok_and(|status| status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "no 200 from {addr} in 90 s:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// A command started in its own process group, its output to `log`.
fn start(command: &mut Command, log: &Path) -> ProcessGroup {
    let out = std::fs::File::create(log).unwrap();
    command
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .stdin(std::process::Stdio::null());
    ProcessGroup::spawn(command).unwrap()
}

/// The site's answers at `prefix`: 200 with the ETag of its bytes, 304 to
/// either validator, the brotli variant, the 404 page.
fn check_site(addr: std::net::SocketAddr, prefix: &str, index: &[u8], not_found: &[u8]) {
    let page = support::get(addr, &format!("{prefix}/"), &[]);
    assert_eq!(page.status, 200, "{prefix}/");
    assert_eq!(page.body, index);
    assert_eq!(page.etag(), etag_of(index));
    let last_modified = page
        .field("last-modified")
        .expect("Last-Modified")
        .to_string();
    for validator in [
        ("If-None-Match", page.etag().to_string()),
        ("If-Modified-Since", last_modified),
    ] {
        let again = support::get(addr, &format!("{prefix}/"), &[(validator.0, &validator.1)]);
        assert_eq!(again.status, 304, "{prefix}/ {validator:?}");
        assert_eq!(again.etag(), etag_of(index));
    }
    let css = support::get(
        addr,
        &format!("{prefix}/site.css"),
        &[("Accept-Encoding", "br")],
    );
    assert_eq!(css.status, 200);
    assert_eq!(
        css.field("content-encoding"),
        Some("br"),
        "{prefix}: no variant (was the build step run?)"
    );
    let missing = support::get(addr, &format!("{prefix}/nothing-here"), &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, not_found);
}

/// `spin new` from the template, `spin build`, `spin up`; `spin add` at
/// `/static/...`; Spin 4.1 (the template's component is the WASIp3 one).
#[test]
#[cfg_attr(
    no_spin,
    ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
)]
fn a_new_spin_app_from_the_release_files() {
    let dist = dist();
    let nginx_dir = tempfile::tempdir().unwrap();
    let nginx = Nginx::start(
        nginx_dir.path(),
        &format!(
            "access_log off;\n  server {{\n    listen {{listen}};\n    root {};\n  }}",
            dist.display()
        ),
    )
    .unwrap();
    let base_url = format!("http://{}", nginx.addr);
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("spin-data");
    let plugin = dist.join("http-caching-site.json");
    spin(
        &data,
        home.path(),
        &[
            "plugins",
            "install",
            "--file",
            plugin.to_str().unwrap(),
            "--yes",
        ],
    );
    spin(
        &data,
        home.path(),
        &["templates", "install", "--dir", dist.to_str().unwrap()],
    );
    let value = format!("component-base-url={base_url}");
    spin(
        &data,
        home.path(),
        &[
            "new",
            "-t",
            "http-caching-site",
            "mysite",
            "--accept-defaults",
            "--value",
            &value,
        ],
    );
    let app = home.path().join("mysite");
    std::fs::write(app.join("assets/site.css"), stylesheet()).unwrap();
    spin(
        &data,
        &app,
        &[
            "add",
            "-t",
            "http-caching-site",
            "docs",
            "--accept-defaults",
            "--value",
            &value,
        ],
    );
    std::fs::write(app.join("docs/assets/site.css"), stylesheet()).unwrap();
    spin(&data, &app, &["build"]);
    for assets in ["assets", "docs/assets"] {
        assert!(
            app.join(assets).join(".site-manifest").is_file(),
            "the build step ran on {assets}"
        );
    }

    let addr = harness::runtime::free_loopback_addr().unwrap();
    let spin_path = harness::tools::find_spin().unwrap();
    let log = home.path().join("spin-up.log");
    let mut up = start(
        Command::new(&spin_path)
            .args(["up", "--listen", &addr.to_string()])
            .current_dir(&app)
            .env("SPIN_DATA_DIR", &data),
        &log,
    );
    wait_for(addr, &mut up, &log);
    let index = std::fs::read(app.join("assets/index.html")).unwrap();
    let not_found = std::fs::read(app.join("assets/404.html")).unwrap();
    assert!(
        String::from_utf8_lossy(&index).contains("mysite"),
        "the template's page"
    );
    check_site(addr, "", &index, &not_found);
    // The component `spin add` put at /static/... serves its own files,
    // in the directory `spin add` made for it.
    let docs_index = std::fs::read(app.join("docs/assets/index.html")).unwrap();
    let docs_not_found = std::fs::read(app.join("docs/assets/404.html")).unwrap();
    assert!(
        String::from_utf8_lossy(&docs_index).contains("docs"),
        "the added component's page"
    );
    check_site(addr, "/static", &docs_index, &docs_not_found);
    up.stop();
}

/// The released tool, beside its components, serves a directory under
/// wasmtime: built (variants, manifest) and served as edited.
#[test]
#[cfg_attr(
    no_wasmtime,
    ignore = "no wasmtime found when the tests were built: set $WASMTIME (cargo xtask test installs it)"
)]
fn the_released_tool_serves_a_directory_under_wasmtime() {
    let dist = dist();
    let site = tempfile::tempdir().unwrap();
    let index = b"<!doctype html><title>mine</title>\n".to_vec();
    std::fs::write(site.path().join("index.html"), &index).unwrap();
    std::fs::write(site.path().join("404.html"), b"not here\n").unwrap();
    std::fs::write(site.path().join("site.css"), stylesheet()).unwrap();
    // A refused rule: `check` names its file and line and fails.
    std::fs::write(site.path().join("_headers"), "/*\n  ETag: \"mine\"\n").unwrap();
    let tool = dist.join("http-caching-site");
    let check = Command::new(&tool)
        .arg("check")
        .arg(site.path())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        !check.status.success(),
        "check passed a refused rule:\n{said}"
    );
    assert!(said.contains("_headers:2"), "{said}");
    std::fs::remove_file(site.path().join("_headers")).unwrap();

    let addr = harness::runtime::free_loopback_addr().unwrap();
    let log = site.path().with_extension("log");
    let wasmtime = harness::tools::find_wasmtime().unwrap();
    let mut served = start(
        Command::new(&tool)
            .args([
                "serve",
                "--runtime",
                "wasmtime",
                "--addr",
                &addr.to_string(),
            ])
            .arg(site.path())
            .env("WASMTIME", wasmtime)
            .env("NOT_FOUND_PAGE", "/404.html"),
        &log,
    );
    wait_for(addr, &mut served, &log);
    assert!(
        site.path().join(".site-manifest").is_file(),
        "serve built the site"
    );
    let page = support::get(addr, "/", &[]);
    assert_eq!(page.etag(), etag_of(&index));
    let css = support::get(addr, "/site.css", &[("Accept-Encoding", "br")]);
    assert_eq!(css.field("content-encoding"), Some("br"));
    served.stop();
}

/// Two runs of `dist` in the same directory give the same files, byte for
/// byte: the digests a release publishes can be checked by building again.
#[test]
fn the_release_files_are_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dist");
    let first = harness::dist::write(&out, "http://127.0.0.1:9").unwrap();
    let second = harness::dist::write(&out, "http://127.0.0.1:9").unwrap();
    assert_eq!(first.digests, second.digests);
    let names: Vec<&str> = first
        .digests
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    for wanted in [
        "http-caching-server-wasip3.wasm",
        "http-caching-server-spin-wasip2.wasm",
        "http-caching-site",
        "http-caching-site.json",
    ] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    for (name, sha) in &first.digests {
        assert!(sums.contains(&format!("{sha}  {name}")), "{name}");
    }
}

/// The released tool writes a site into the generic embedded components
/// with no compiler, source or network (PATH without cargo, in an empty
/// directory): the results import no file system and answer as the
/// compiled-in embedded build of the same site does, field for field and
/// byte for byte, under wasmtime (both WASI versions) and Spin.
#[test]
#[cfg_attr(
    no_wasmtime,
    ignore = "no wasmtime found when the tests were built: set $WASMTIME (cargo xtask test installs it)"
)]
fn the_released_tool_embeds_a_site_without_a_compiler() {
    use crate::support::{Runtime, Served, Wasi};
    let dist = dist();
    let work = tempfile::tempdir().unwrap();
    let site = support::embedded_fixture_site();
    let mut runs = vec![Runtime::WASMTIME, Runtime::WASMTIME_P2];
    if harness::tools::find_spin().is_some() {
        runs.push(support::spin_runtime(Wasi::P3));
    }
    for runtime in runs {
        let out = work.path().join(format!("site-{}.wasm", runtime.wasi));
        let mut embed = Command::new(dist.join("http-caching-site"));
        embed
            .arg("embed")
            .arg(site)
            .arg("-o")
            .arg(&out)
            .current_dir(work.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", work.path());
        if runtime.wasi == Wasi::P2 {
            embed.arg("--wasip2");
        }
        let output = embed.output().unwrap();
        assert!(
            output.status.success(),
            "embed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (imports, _) = crate::artifacts::imports_and_exports(&out);
        assert!(
            !imports
                .iter()
                .any(|name| name.starts_with("wasi:filesystem")),
            "{runtime}: {imports:?}"
        );
        let env = crate::support::cases::SITE;
        let ours = Served::start_artifact(runtime, &out, env);
        let compiled =
            Served::start_artifact(runtime, &support::embedded_artifact(runtime.wasi), env);
        let css = support::fixture_file("css/site.css");
        let etag = etag_of(&css);
        let requests: &[(&str, &[(&str, &str)])] = &[
            ("/", &[]),
            ("/about.html", &[]),
            ("/css/site.css", &[]),
            ("/css/site.css", &[("If-None-Match", &etag)]),
            ("/css/site.css", &[("Range", "bytes=0-9,20-29")]),
            ("/js/big.js", &[("Accept-Encoding", "br")]),
            ("/js/big.js", &[("Accept-Encoding", "gzip")]),
            ("/docs", &[]),
            ("/missing", &[("Accept", "text/html")]),
            ("/nothing.png", &[]),
            ("/_headers", &[]),
        ];
        for (target, fields) in requests {
            let (a, b) = (ours.get(target, fields), compiled.get(target, fields));
            let what = format!("{runtime}: {target} {fields:?}");
            assert_eq!(a.status, b.status, "{what}");
            let without_date = |r: &support::Response| {
                let mut fields: Vec<_> = r
                    .fields
                    .iter()
                    .filter(|(n, _)| !n.eq_ignore_ascii_case("date"))
                    .cloned()
                    .collect();
                fields.sort();
                fields
            };
            assert_eq!(without_date(&a), without_date(&b), "{what}");
            assert!(a.body == b.body, "{what}: other bytes");
        }
    }
}
