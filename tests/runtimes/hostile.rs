//! Hostile and malformed input over real HTTP: each request gets a correct
//! status and a short body, the runtime keeps serving, and nothing but the
//! site's own files is ever read: not its dot-files, not what a link out of
//! the mount leads to.

use crate::support;

use harness::runtime::Mounts;
use support::{Runtime, Served, Wasi, etag_of, sample_page, send_raw, send_raw_lenient};

const SECRET: &[u8] = b"TOP-SECRET-CONTENT";

/// Serves a page from a directory that also holds what the component must
/// never serve: a dot-file, a hidden directory, and a link to a file outside
/// the mounted directory, beside that file.
fn serve_with_secrets(runtime: Runtime) -> (Served, Vec<u8>) {
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), SECRET).unwrap();
    let page = sample_page("hostile");
    let dir = support::page_dir(&page);
    std::fs::write(dir.path().join(".env"), SECRET).unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/config"), SECRET).unwrap();
    std::os::unix::fs::symlink(outer.path().join("secret.txt"), dir.path().join("leak.txt"))
        .unwrap();
    std::os::unix::fs::symlink("../secret.txt", dir.path().join("up.txt")).unwrap();
    // Spin's copy of `files` reads through links (tests/runtimes/site.rs shows it, and
    // `cargo xtask build` refuses such a site); mounted directly, the
    // component sees the links as they are, as under wasmtime.
    let served = Served::start_in(runtime, dir, Mounts::Direct, &[]);
    // Keep the outer directory alive as long as the server.
    std::mem::forget(outer);
    (served, page)
}

fn raw(served: &Served, request: &str) -> support::Response {
    send_raw(served.addr(), request.as_bytes(), false)
}

/// After hostile input, the runtime still answers the page.
fn assert_still_serving(served: &Served, runtime: Runtime) {
    let response = served.raw_get("/", &[]);
    assert_eq!(response.status, 200, "{runtime}: still serving");
}

/// The response is the page itself, whole.
fn assert_is_page(response: &support::Response, page: &[u8], what: &str) {
    assert_eq!((response.status, &response.body[..]), (200, page), "{what}");
}

fn assert_no_secret(response: &support::Response, what: &str) {
    assert!(
        !response.body.windows(SECRET.len()).any(|w| w == SECRET),
        "{what}: a secret leaked"
    );
    if response.status >= 400 {
        assert!(response.body.len() < 200, "{what}: long error body");
    }
}

/// The traversal list of docs/serving.md, "Paths": 400 for targets that are not
/// well-formed paths, 404 for names no file of the site can have (and for
/// hidden files and links out of the mount); each is logged with its reason.
fn traversal_and_odd_paths_are_refused(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    for (path, status, reason) in [
        ("/.env", 404, "dot-file"),
        ("/.git/config", 404, "dot-file"),
        ("/%2egit/config", 404, "dot-file"),
        ("/leak.txt", 404, "a symbolic link out of the document root"),
        ("/up.txt", 404, "a symbolic link out of the document root"),
        ("/../secret.txt", 400, "dot-segment"),
        ("/../../secret.txt", 400, "dot-segment"),
        ("/%2e%2e/secret.txt", 400, "dot-segment"),
        ("/%2E%2E/%2E%2E/secret.txt", 400, "dot-segment"),
        ("/static/../secret.txt", 400, "dot-segment"),
        ("/./index.html", 400, "dot-segment"),
        ("/%c0%ae%c0%ae/secret.txt", 400, "not UTF-8 once decoded"),
        ("/%ff", 400, "not UTF-8 once decoded"),
        ("/index.html%00", 400, "control character"),
        ("/%zz", 400, "bad percent-encoding"),
        ("/..%2fsecret.txt", 404, "encoded slash"),
        ("/%5c..%5csecret.txt", 404, "backslash"),
        ("/C:/secret.txt", 404, "drive prefix"),
        ("//", 404, "empty segment"),
        ("//index.html", 404, "empty segment"),
        ("/index.html/", 404, ""),
        ("/INDEX.HTML", 404, ""),
    ] {
        let response = served.raw_get(path, &[]);
        assert_eq!(response.status, status, "{runtime}: {path}");
        assert_no_secret(&response, path);
        if !reason.is_empty() {
            let output = served.output_containing(reason);
            assert!(output.contains(reason), "{runtime}: {path}: {output}");
        }
    }
    let log = served.output_containing("refused: path=/%2e%2e/secret.txt: dot-segment (400)");
    assert!(
        log.contains("refused: path=/%2e%2e/secret.txt: dot-segment (400)"),
        "{runtime}: {log}"
    );
    // Percent-decoding happens once: an encoded letter names the file.
    assert_is_page(&served.raw_get("/%69ndex.html", &[]), &page, "decoded once");
    // Backslashes and raw non-ASCII bytes are not valid in a request
    // target: the runtime's HTTP layer may refuse them (400) or the
    // component answers 400 or 404; neither reads a file.
    for target in [
        &b"/\\secret.txt"[..],
        b"/..\\..\\secret.txt",
        b"/\xc3\xa9",
        b"/\x01",
        b"/\xc0\xae\xc0\xae/secret.txt",
    ] {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(target);
        request.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        if let Some(response) = send_raw_lenient(served.addr(), &request) {
            assert!(
                matches!(response.status, 400 | 404),
                "{runtime}: {target:?}: {}",
                response.status
            );
            assert_no_secret(&response, "raw target");
        }
    }
    assert_still_serving(&served, runtime);
}

fn query_strings_and_absolute_form_targets(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    let absolute = raw(
        &served,
        "GET http://localhost/index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let with_queries = ["/?v=2", "/index.html?file=../secret.txt", "/?%00"]
        .map(|target| (target, served.raw_get(target, &[])));
    for (target, response) in with_queries
        .iter()
        .chain([("absolute form", absolute)].iter())
    {
        assert_is_page(response, &page, &format!("{runtime}: {target}"));
    }
    let elsewhere = raw(
        &served,
        "GET http://evil.example/../secret.txt HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(elsewhere.status, 400, "{runtime}");
    assert_no_secret(&elsewhere, "absolute form");
}

fn unknown_methods_get_405(runtime: Runtime) {
    let (served, _) = serve_with_secrets(runtime);
    for method in ["FOO", "BREW", "PROPFIND", "TRACE", "CONNECT-ISH"] {
        let response = served.raw_request(method, "/", &[]);
        assert_eq!(response.status, 405, "{runtime}: {method}");
        assert_eq!(response.field("allow"), Some("GET, HEAD, OPTIONS"));
        assert_no_secret(&response, method);
    }
    let unknown_path = served.raw_request("FOO", "/nothing.txt", &[]);
    assert_eq!(unknown_path.status, 404, "{runtime}");
}

/// Every request-target form a runtime passes on (RFC 9112 section 3.2):
/// origin, absolute, and asterisk, which only OPTIONS has (section 3.2.4;
/// RFC 9110 section 9.3.7). OPTIONS on what exists gets 204 with Allow.
fn request_target_forms_and_options(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    let allow = Some("GET, HEAD, OPTIONS");
    for (request, status) in [
        ("OPTIONS * HTTP/1.1", 204),
        ("OPTIONS /index.html HTTP/1.1", 204),
        ("OPTIONS http://localhost/index.html HTTP/1.1", 204),
        ("OPTIONS / HTTP/1.1", 204),
        ("OPTIONS /nothing.txt HTTP/1.1", 404),
        ("GET * HTTP/1.1", 400),
    ] {
        let response = raw(
            &served,
            &format!("{request}\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(response.status, status, "{runtime}: {request}");
        if status == 204 {
            assert_eq!(response.field("allow"), allow, "{runtime}: {request}");
            assert!(response.body.is_empty(), "{runtime}: {request}");
        }
    }
    let absolute = raw(
        &served,
        "GET http://localhost/index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_is_page(&absolute, &page, &format!("{runtime}: absolute form"));
    assert!(
        served
            .output_containing("refused: path=*")
            .contains("refused: path=*: the asterisk form `*` is only for OPTIONS (400)"),
        "{runtime}: the log says why"
    );
    assert_still_serving(&served, runtime);
}

/// RFC 9112 section 3.2: a request with two Host field lines, or a Host
/// that is a list, gets 400. What the component can refuse depends on what
/// the runtime passes on, and this test pins each runtime's behaviour (the
/// list is in docs/runtimes.md; a runtime that changes fails it):
/// - Spin with the WASIp3 artifact passes every Host line in the fields:
///   the component answers 400 to two.
/// - wasmtime, and Spin with the WASIp2 artifact, drop Host from the fields;
///   the WASIp2 path passes the first line's value on as the authority, the
///   WASIp3 path of wasmtime none at all. Two lines get the page; the access
///   log shows what the component was given.
/// - A Host that is a list: Spin's HTTP layer closes the connection without
///   a response; wasmtime's WASIp2 path passes it on as the authority and
///   the component answers 400; its WASIp3 path passes nothing on, and the
///   page is served.
fn two_host_lines_as_each_runtime_passes_them_on(runtime: Runtime) {
    use harness::runtime::Runtime::{Spin, Wasmtime};
    let (served, page) = serve_with_secrets(runtime);
    let two_lines = raw(
        &served,
        "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: other.example\r\nConnection: close\r\n\r\n",
    );
    let log = served.output_containing("path=/index.html");
    match (runtime.host, runtime.wasi) {
        (Spin, Wasi::P3) => {
            assert_eq!(two_lines.status, 400, "{runtime}");
            assert_no_secret(&two_lines, "two Host lines");
            assert!(
                log.contains("refused: path=/index.html: more than one Host field line"),
                "{runtime}: the log says why:\n{log}"
            );
        }
        (host, wasi) => {
            assert_is_page(&two_lines, &page, &format!("{runtime}: two Host lines"));
            let passed_on = match (host, wasi) {
                (Wasmtime, Wasi::P3) => "host=-",
                _ => "host=127.0.0.1",
            };
            assert!(
                log.contains(&format!(
                    "status=200 bytes={} decided-by=- {passed_on}",
                    page.len()
                )),
                "{runtime}: passed on {passed_on}:\n{log}"
            );
        }
    }
    let folded = send_raw_lenient(
        served.addr(),
        b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1, other.example\r\nConnection: close\r\n\r\n",
    );
    let expected = match (runtime.host, runtime.wasi) {
        (Spin, _) => None,
        (Wasmtime, Wasi::P2) => Some(400),
        (Wasmtime, Wasi::P3) => Some(200),
    };
    assert_eq!(folded.map(|r| r.status), expected, "{runtime}: a Host list");
    assert_still_serving(&served, runtime);
}

/// What each runtime's own HTTP layer does with a request without Host,
/// before the component is called (the component cannot see the HTTP
/// version, so cannot tell HTTP/1.0, which needs no Host, from HTTP/1.1,
/// which does: RFC 9112 section 3.2 requires 400 for that). wasmtime serve
/// passes both on to the WASIp3 artifact (200) and answers both with its
/// own 500 page for the WASIp2 one ("missing authority in URI and host
/// header"); Spin closes the connection without any response to both.
/// docs/runtimes.md lists these; a runtime that changes fails this test.
fn requests_without_host_as_each_runtime_answers_them(runtime: Runtime) {
    use harness::runtime::Runtime::{Spin, Wasmtime};
    let (served, _) = serve_with_secrets(runtime);
    let expected = match (runtime.host, runtime.wasi) {
        (Wasmtime, Wasi::P3) => Some(200),
        (Wasmtime, Wasi::P2) => Some(500),
        (Spin, _) => None,
    };
    for version in ["HTTP/1.1", "HTTP/1.0"] {
        let response = send_raw_lenient(
            served.addr(),
            format!("GET /index.html {version}\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(
            response.map(|r| r.status),
            expected,
            "{runtime}: {version} without Host"
        );
    }
    assert_still_serving(&served, runtime);
}

fn bodies_on_get_are_ignored(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    let with_length = raw(
        &served,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 11\r\n\r\nhello world",
    );
    assert_is_page(&with_length, &page, &format!("{runtime}: with a body"));
    let chunked = raw(
        &served,
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    assert_eq!(chunked.status, 200, "{runtime}");
    // Two requests on one connection, the first with a body: the second
    // must still be read as a request.
    let pipelined = support::exchange(
        served.addr(),
        b"GET /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let text = String::from_utf8_lossy(&pipelined);
    assert!(text.starts_with("HTTP/1.1 404"), "{runtime}: {text:.200}");
    assert!(
        text.contains("HTTP/1.1 200"),
        "{runtime}: second response missing"
    );
}

fn long_values_and_many_entity_tags(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    let ours = etag_of(&page);
    // 2,000 tags, ours last: about 80 KB in one field.
    let mut list: Vec<String> = (0..2000).map(|i| format!("\"{i:032x}\"")).collect();
    list.push(ours.clone());
    let many = served.raw_get("/", &[("If-None-Match", &list.join(", "))]);
    assert_eq!(many.status, 304, "{runtime}");
    list.pop();
    let none = served.raw_get("/", &[("If-None-Match", &list.join(","))]);
    assert_eq!(none.status, 200, "{runtime}");
    // Long garbage in every conditional field.
    let garbage = "x".repeat(16 * 1024);
    let response = served.raw_get(
        "/",
        &[
            ("If-Match", &garbage),
            ("If-Modified-Since", &garbage),
            ("Range", &garbage),
            ("If-Range", &garbage),
        ],
    );
    assert_eq!(
        response.status, 412,
        "{runtime}: a malformed If-Match fails"
    );
    // A header section larger than the runtime accepts: refused or
    // dropped by its HTTP layer, and the runtime keeps serving.
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nIf-None-Match: {}\r\n\r\n",
        "\"a\",".repeat(300_000)
    );
    if let Some(response) = send_raw_lenient(served.addr(), huge.as_bytes()) {
        assert!(
            matches!(response.status, 200 | 400 | 413 | 431),
            "{runtime}: {}",
            response.status
        );
    }
    assert_still_serving(&served, runtime);
}

fn duplicate_and_odd_conditional_fields(runtime: Runtime) {
    let (served, page) = serve_with_secrets(runtime);
    let ours = etag_of(&page);
    let last_modified = served
        .get("/", &[])
        .field("last-modified")
        .unwrap()
        .to_string();
    let split = served.raw_get(
        "/",
        &[("If-None-Match", "\"nope\""), ("If-None-Match", &ours)],
    );
    assert_eq!(
        split.status, 304,
        "{runtime}: lines of one list field combine"
    );
    let two_dates = served.raw_get(
        "/",
        &[
            ("If-Modified-Since", &last_modified),
            ("If-Modified-Since", &last_modified),
        ],
    );
    assert_eq!(
        two_dates.status, 200,
        "{runtime}: a repeated date field is ignored"
    );
    let two_matches = served.raw_get("/", &[("If-Match", "\"nope\""), ("If-Match", &ours)]);
    assert_eq!(two_matches.status, 200, "{runtime}");
    let two_ranges = served.raw_get("/", &[("Range", "bytes=0-1"), ("Range", "bytes=2-3")]);
    assert_eq!(
        two_ranges.status, 200,
        "{runtime}: a repeated Range is ignored"
    );
    let non_ascii = served.raw_get("/", &[("If-None-Match", "\"\u{e9}t\u{e9}\"")]);
    assert_eq!(non_ascii.status, 200, "{runtime}");
    // A control byte in a field value: refused by the HTTP layer (400) or
    // ignored by the component (200).
    let control = send_raw_lenient(
        served.addr(),
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nIf-None-Match: \"a\x01b\"\r\n\r\n",
    );
    if let Some(response) = control {
        assert!(
            matches!(response.status, 200 | 400),
            "{runtime}: {}",
            response.status
        );
    }
    assert_still_serving(&served, runtime);
}

runtime_tests!(
    traversal_and_odd_paths_are_refused,
    query_strings_and_absolute_form_targets,
    unknown_methods_get_405,
    request_target_forms_and_options,
    two_host_lines_as_each_runtime_passes_them_on,
    requests_without_host_as_each_runtime_answers_them,
    bodies_on_get_are_ignored,
    long_values_and_many_entity_tags,
    duplicate_and_odd_conditional_fields,
);
