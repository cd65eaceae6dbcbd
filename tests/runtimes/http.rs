//! The component under a real runtime, over real HTTP: the page's
//! revalidation, changes, HEAD, ranges and configuration, under every
//! runtime that was found (`runtime_tests!`).

use crate::support;

use support::{Runtime, Served, etag_of, sample_page};

fn first_load_then_revalidation_then_change(runtime: Runtime) {
    let page = sample_page("first");
    let served = Served::start_live(runtime, &page, &[]);

    // The first load: 200 with the page and both validators.
    let first = served.get("/", &[]);
    assert_eq!(first.status, 200, "{runtime}: {first:?}");
    assert_eq!(first.body, page, "{runtime}");
    assert_eq!(
        first.etag(),
        etag_of(&page),
        "{runtime}: ETag is the quoted MD5"
    );
    assert_eq!(
        first.field("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(first.field("cache-control"), Some("no-cache"));
    assert_eq!(first.field("accept-ranges"), Some("bytes"));
    let last_modified = first
        .field("last-modified")
        .expect("Last-Modified")
        .to_string();
    assert!(
        httpdate::parse_http_date(&last_modified).is_ok(),
        "{last_modified}"
    );

    // /index.html is the same page.
    let same = served.get("/index.html", &[]);
    assert_eq!((same.status, same.etag()), (200, first.etag()));

    // Revalidation by If-None-Match: 304, no body, the caching fields.
    let by_etag = served.get("/", &[("If-None-Match", first.etag())]);
    assert_eq!(by_etag.status, 304, "{runtime}: {by_etag:?}");
    assert_eq!(by_etag.field("etag"), Some(first.etag()));
    assert_eq!(by_etag.field("cache-control"), Some("no-cache"));
    assert_eq!(by_etag.field("content-type"), None);
    assert_eq!(by_etag.field("content-length"), None);

    // Revalidation by If-Modified-Since alone.
    let by_date = served.get("/", &[("If-Modified-Since", &last_modified)]);
    assert_eq!(by_date.status, 304, "{runtime}: {by_date:?}");
    assert_eq!(by_date.field("etag"), Some(first.etag()));

    // A stale ETag with a date that would match: not OR-ed, so 200.
    let stale = served.get(
        "/",
        &[
            ("If-None-Match", "\"stale\""),
            ("If-Modified-Since", &last_modified),
        ],
    );
    assert_eq!(
        stale.status, 200,
        "{runtime}: INM must take precedence over IMS"
    );

    // The file changes: 200 with the new content and a new ETag.
    let changed = sample_page("changed");
    served.replace_file("index.html", &changed);
    let after = served.get("/", &[("If-None-Match", first.etag())]);
    assert_eq!(after.status, 200, "{runtime}: {after:?}");
    assert_eq!(after.body, changed);
    assert_eq!(after.etag(), etag_of(&changed));
    let again = served.get("/", &[("If-None-Match", after.etag())]);
    assert_eq!(again.status, 304);

    // The access log names the validator that decided each 304.
    let log = served.access_log();
    assert!(
        log.iter()
            .any(|l| l.contains("status=304") && l.contains("decided-by=if-none-match")),
        "{runtime}: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("status=304") && l.contains("decided-by=if-modified-since")),
        "{runtime}: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("method=GET path=/ status=200 bytes=")),
        "{runtime}: {log:#?}"
    );
}

fn same_size_rewrite_within_the_same_second_is_seen(runtime: Runtime) {
    let served = Served::start_live(runtime, b"version-A", &[]);
    let first = served.get("/", &[]);
    assert_eq!(first.body, b"version-A");
    let path = served.path("index.html");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    for version in [&b"version-B"[..], b"version-C", b"version-D"] {
        // Same length, rewritten in place, and the modification time put
        // back: the metadata is identical, only the bytes differ.
        std::fs::write(&path, version).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(mtime).unwrap();
        drop(file);
        let next = served.get("/", &[("If-None-Match", first.etag())]);
        assert_eq!(next.status, 200, "{runtime}: {next:?}");
        assert_eq!(next.body, version, "{runtime}");
        assert_eq!(next.etag(), etag_of(version), "{runtime}");
    }
}

fn head_has_the_fields_of_get_and_no_body(runtime: Runtime) {
    let page = sample_page("head");
    let served = Served::start(runtime, &page, &[]);
    let get = served.get("/", &[]);
    let head = served.request("HEAD", "/", &[]);
    assert_eq!(head.status, 200, "{runtime}");
    assert!(head.body.is_empty());
    for name in [
        "etag",
        "last-modified",
        "content-type",
        "content-length",
        "cache-control",
    ] {
        assert_eq!(head.field(name), get.field(name), "{runtime}: {name}");
    }
    assert_eq!(
        head.field("content-length"),
        Some(page.len().to_string().as_str())
    );
    let head_304 = served.request("HEAD", "/", &[("If-None-Match", get.etag())]);
    assert_eq!(head_304.status, 304, "{runtime}");
}

/// Several ranges over real HTTP: one `206` with multipart/byteranges,
/// framed by Content-Length, that a real MIME parser reads back into the
/// bytes asked for; and a HEAD with the same fields but no body.
fn several_ranges_give_one_multipart_206(runtime: Runtime) {
    let page = sample_page("several ranges");
    let len = page.len();
    let served = Served::start(runtime, &page, &[]);
    let ranges = [("Range", "bytes=100-199,0-9,-16")];
    let answer = served.get("/", &ranges);
    assert_eq!(answer.status, 206, "{runtime}: {answer:?}");
    assert_eq!(answer.field("content-range"), None, "{runtime}");
    assert_eq!(answer.etag(), etag_of(&page), "{runtime}");
    let content_type = answer.field("content-type").unwrap_or_default();
    let parts = support::multipart_parts(content_type, &answer.body);
    let wanted = [(100, 199), (0, 9), (len - 16, len - 1)];
    assert_eq!(parts.len(), 3, "{runtime}: {parts:?}");
    for ((_, range, bytes), (first, last)) in parts.iter().zip(wanted) {
        assert_eq!(range, &format!("bytes {first}-{last}/{len}"), "{runtime}");
        assert_eq!(bytes, &page[first..=last], "{runtime}");
    }
    let head = support::request(served.addr(), "HEAD", "/", &ranges);
    assert_eq!(head.status, 200, "{runtime}: HEAD has no range semantics");
}

fn ranges_give_206_and_416(runtime: Runtime) {
    let page = sample_page("ranges");
    let len = page.len();
    let served = Served::start(runtime, &page, &[]);
    let part = served.get("/", &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206, "{runtime}: {part:?}");
    assert_eq!(part.body, &page[10..20]);
    assert_eq!(
        part.field("content-range"),
        Some(format!("bytes 10-19/{len}").as_str())
    );
    assert_eq!(
        part.etag(),
        etag_of(&page),
        "a part carries the whole's ETag"
    );

    let suffix = served.get("/", &[("Range", "bytes=-5")]);
    assert_eq!((suffix.status, &suffix.body[..]), (206, &page[len - 5..]));

    let resumed = served.get(
        "/",
        &[("Range", "bytes=0-9"), ("If-Range", &etag_of(&page))],
    );
    assert_eq!(resumed.status, 206, "{runtime}");
    let outdated = served.get("/", &[("Range", "bytes=0-9"), ("If-Range", "\"old\"")]);
    assert_eq!(
        (outdated.status, outdated.body.len()),
        (200, len),
        "{runtime}"
    );

    let past_end = served.get("/", &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(past_end.status, 416, "{runtime}: {past_end:?}");
    assert_eq!(
        past_end.field("content-range"),
        Some(format!("bytes */{len}").as_str())
    );
}

fn failed_preconditions_give_412(runtime: Runtime) {
    let page = sample_page("412");
    let served = Served::start(runtime, &page, &[]);
    let wrong = served.get("/", &[("If-Match", "\"not-it\"")]);
    assert_eq!(wrong.status, 412, "{runtime}: {wrong:?}");
    assert!(!wrong.body.is_empty());
    let right = served.get("/", &[("If-Match", &etag_of(&page))]);
    assert_eq!(right.status, 200, "{runtime}");
    let old = served.get(
        "/",
        &[("If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")],
    );
    assert_eq!(old.status, 412, "{runtime}");
    let log = served.access_log();
    assert!(
        log.iter()
            .any(|l| l.contains("status=412") && l.contains("decided-by=if-match")),
        "{runtime}: {log:#?}"
    );
}

fn unknown_paths_404_and_other_methods_405(runtime: Runtime) {
    let served = Served::start(runtime, b"page", &[]);
    let missing = served.get("/nope", &[]);
    assert_eq!(missing.status, 404, "{runtime}");
    assert_eq!(missing.body, b"404 Not Found\n");
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let response = served.request(method, "/", &[("Content-Length", "0")]);
        assert_eq!(response.status, 405, "{runtime}: {method}");
        assert_eq!(
            response.field("allow"),
            Some("GET, HEAD, OPTIONS"),
            "{runtime}: {method}"
        );
    }
    // OPTIONS is allowed: 204 with Allow (RFC 9110 section 9.3.7).
    let options = served.request("OPTIONS", "/", &[]);
    assert_eq!(options.status, 204, "{runtime}");
    assert_eq!(
        options.field("allow"),
        Some("GET, HEAD, OPTIONS"),
        "{runtime}"
    );
}

fn favicon_is_204_until_one_is_mounted(runtime: Runtime) {
    let served = Served::start_live(runtime, b"page", &[]);
    let absent = served.get("/favicon.ico", &[]);
    assert_eq!(absent.status, 204, "{runtime}: {absent:?}");
    let icon = [0u8, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0];
    served.replace_file("favicon.ico", &icon);
    let present = served.get("/favicon.ico", &[]);
    assert_eq!(present.status, 200, "{runtime}: {present:?}");
    assert_eq!(present.body, icon);
    assert_eq!(present.field("content-type"), Some("image/x-icon"));
    assert_eq!(present.etag(), etag_of(&icon));
    let again = served.get("/favicon.ico", &[("If-None-Match", &etag_of(&icon))]);
    assert_eq!(again.status, 304, "{runtime}");
}

fn missing_page_is_500_with_a_log_line_then_recovers(runtime: Runtime) {
    let served = Served::start_live(runtime, b"page", &[]);
    std::fs::remove_file(served.path("index.html")).unwrap();
    let missing = served.get("/", &[]);
    assert_eq!(missing.status, 500, "{runtime}: {missing:?}");
    assert!(String::from_utf8_lossy(&missing.body).contains("500"));
    let output = served.output_containing("error: /index.html: no such file");
    assert!(
        output.contains("error: /index.html: no such file"),
        "{runtime}: the error names the path and the cause:\n{output}"
    );
    served.replace_file("index.html", b"back again");
    served.assert_serves(b"back again");
}

/// CACHE_CONTROL is the default of files that are neither HTML nor
/// fingerprinted (docs/caching.md, "Cache rules"): HTML keeps `no-cache`.
fn cache_control_comes_from_the_environment(runtime: Runtime) {
    let dir = support::page_dir(b"page");
    std::fs::write(dir.path().join("notes.txt"), b"some notes").unwrap();
    let served = Served::start_in(
        runtime,
        dir,
        harness::runtime::Mounts::Copied,
        &[("CACHE_CONTROL", "public, max-age=60")],
    );
    let response = served.get("/notes.txt", &[]);
    assert_eq!(
        response.field("cache-control"),
        Some("public, max-age=60"),
        "{runtime}"
    );
    let not_modified = served.get("/notes.txt", &[("If-None-Match", response.etag())]);
    assert_eq!(
        not_modified.field("cache-control"),
        Some("public, max-age=60")
    );
    let page = served.get("/", &[]);
    assert_eq!(page.field("cache-control"), Some("no-cache"), "{runtime}");
}

fn last_modified_can_be_switched_off(runtime: Runtime) {
    let served = Served::start(runtime, b"page", &[("LAST_MODIFIED", "off")]);
    let response = served.get("/", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.field("last-modified"), None, "{runtime}");
    let ims = served.get(
        "/",
        &[("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")],
    );
    assert_eq!(
        ims.status, 200,
        "{runtime}: without a date there is nothing to compare"
    );
}

fn access_log_can_be_switched_off(runtime: Runtime) {
    let on = Served::start(runtime, b"page", &[]);
    let off = Served::start(runtime, b"page", &[("ACCESS_LOG", "off")]);
    for served in [&on, &off] {
        assert_eq!(served.get("/", &[]).status, 200);
        assert_eq!(served.get("/nope", &[]).status, 404);
    }
    // The probe that waited for the runtime logged a line as well.
    assert!(
        on.access_log().len() >= 2,
        "{runtime}: {:?}",
        on.access_log()
    );
    assert_eq!(off.access_log(), Vec::<String>::new(), "{runtime}");
}

/// Within `FILE_CHECK_INTERVAL_MS` an instance serves what it keeps: the
/// WASIp3 artifact's instances serve many requests (a change is seen up to
/// one interval late), while Spin (always) and wasmtime (by default, as the
/// tests run it) give the WASIp2 artifact a new instance for every request,
/// which keeps nothing (docs/runtimes.md, "Runtimes and
/// artifacts"). This test shows the difference; it fails if either changes.
fn an_instance_keeps_files_only_in_the_wasip3_artifact(runtime: Runtime) {
    let served = Served::start_live(runtime, b"first", &[("FILE_CHECK_INTERVAL_MS", "60000")]);
    served.assert_serves(b"first");
    served.replace_file("index.html", b"second");
    let later: Vec<Vec<u8>> = (0..4).map(|_| served.get("/", &[]).body).collect();
    let expected: &[u8] = match runtime.wasi {
        // Kept by the instance (4 requests, one instance: 128 per instance).
        support::Wasi::P3 => b"first",
        // A new instance reads the file anew.
        support::Wasi::P2 => b"second",
    };
    assert!(
        later.iter().all(|body| body == expected),
        "{runtime}: {later:?}"
    );
}

runtime_tests!(
    an_instance_keeps_files_only_in_the_wasip3_artifact,
    first_load_then_revalidation_then_change,
    same_size_rewrite_within_the_same_second_is_seen,
    head_has_the_fields_of_get_and_no_body,
    ranges_give_206_and_416,
    several_ranges_give_one_multipart_206,
    failed_preconditions_give_412,
    unknown_paths_404_and_other_methods_405,
    favicon_is_204_until_one_is_mounted,
    missing_page_is_500_with_a_log_line_then_recovers,
    cache_control_comes_from_the_environment,
    last_modified_can_be_switched_off,
    access_log_can_be_switched_off,
);
