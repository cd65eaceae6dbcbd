//! Encodings and cache rules over real HTTP, under wasmtime and Spin, on the
//! built fixture site (variants and manifest written by the build step): each
//! encoding with its bytes and its own ETag, revalidated with its own tag,
//! Vary on every answer; the cache rules; an edit after the build; and nginx's
//! proxy_cache keeping a gzip client's and an identity client's bytes apart.

use crate::support;

use std::time::Duration;

use harness::nginx::Nginx;
use harness::runtime::Mounts;
use support::{Response, Runtime, Served, built_fixture_site_dir, etag_of};

fn file(served: &Served, name: &str) -> Vec<u8> {
    std::fs::read(served.path(name)).unwrap()
}

fn coding_and_vary(response: &Response) -> (u16, Option<&str>, Option<&str>) {
    (
        response.status,
        response.field("content-encoding"),
        response.field("vary"),
    )
}

fn each_encoding_has_its_bytes_and_its_etag(runtime: Runtime) {
    let served = Served::start_in(runtime, built_fixture_site_dir(), Mounts::Copied, &[]);
    let vary = Some("Accept-Encoding");
    let mut tags = Vec::new();
    for case in support::cases::ENCODINGS {
        let fields = support::cases::accept_encoding(case.0);
        let response = served.get("/js/big.js", &fields);
        let head = served.request("HEAD", "/js/big.js", &fields);
        support::cases::check_encoding(case, &response, &head, &file(&served, case.2));
        // Revalidated with its own tag: 304, with Vary, without a coding.
        let tag = response.etag().to_string();
        let mut conditional = fields.clone();
        conditional.push(("If-None-Match", &tag));
        let again = served.get("/js/big.js", &conditional);
        assert_eq!(
            coding_and_vary(&again),
            (304, None, vary),
            "{runtime}: {case:?}: 304"
        );
        tags.push(tag);
    }
    // Cases 1, 2 and 0 of the table: brotli, gzip, identity.
    assert_ne!(tags[1], tags[2], "{runtime}: brotli and gzip share no tag");
    assert_ne!(
        tags[2], tags[0],
        "{runtime}: gzip and identity share no tag"
    );
    // Another encoding's tag does not revalidate: the bytes would differ.
    let crossed = served.get(
        "/js/big.js",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &tags[0])],
    );
    assert_eq!(
        coding_and_vary(&crossed),
        (200, Some("gzip"), vary),
        "{runtime}"
    );
    // A range of the gzip bytes.
    let gz = file(&served, "js/big.js.gz");
    let part = served.get(
        "/js/big.js",
        &[("Accept-Encoding", "gzip"), ("Range", "bytes=0-1")],
    );
    assert_eq!(
        coding_and_vary(&part),
        (206, Some("gzip"), vary),
        "{runtime}"
    );
    assert_eq!(part.body, &gz[..2], "{runtime}: the gzip magic bytes");
}

fn cache_rules_by_path(runtime: Runtime) {
    let served = Served::start_in(runtime, built_fixture_site_dir(), Mounts::Copied, &[]);
    for (target, expected) in [
        ("/js/app.3f9a2c1b.js", "public, max-age=31536000, immutable"),
        ("/about.html", "no-cache"),
        ("/docs/guide.txt", "public, max-age=600"),
        ("/css/site.css", "no-cache"),
        ("/missing.js", "no-store"),
    ] {
        let response = served.get(target, &[]);
        assert_eq!(
            response.field("cache-control"),
            Some(expected),
            "{runtime}: {target}"
        );
    }
}

fn an_edit_after_the_build_is_sent_with_its_own_etag(runtime: Runtime) {
    let served = Served::start_in(runtime, built_fixture_site_dir(), Mounts::Direct, &[]);
    let built = served.get("/css/site.css", &[]);
    let edited = b"body { color: #456; }\n";
    served.replace_file("css/site.css", edited);
    let response = served.get("/css/site.css", &[("If-None-Match", built.etag())]);
    assert_eq!(response.status, 200, "{runtime}");
    assert_eq!(response.body, edited, "{runtime}");
    assert_eq!(response.etag(), etag_of(edited), "{runtime}");
}

/// nginx stores one copy per encoding (Vary), hands a gzip client gzip and an
/// identity client identity, never the other's, and revalidates each with its
/// own tag: 304 from the component.
fn a_shared_cache_keeps_the_encodings_apart(runtime: Runtime) {
    if !support::nginx_available() {
        return;
    }
    let served = Served::start_in(
        runtime,
        built_fixture_site_dir(),
        Mounts::Copied,
        &[("CACHE_CONTROL", "public, max-age=1")],
    );
    let work = tempfile::tempdir().unwrap();
    let nginx = Nginx::shared_cache(work.path(), &[served.addr()]).expect("starting nginx");
    let identity = file(&served, "js/big.js");
    let gz = file(&served, "js/big.js.gz");
    let gzip_client = || support::get(nginx.addr, "/js/big.js", &[("Accept-Encoding", "gzip")]);
    let plain_client = || support::get(nginx.addr, "/js/big.js", &[]);
    let check = |response: &Response, coded: bool, status: &str| {
        let (bytes, coding) = if coded {
            (&gz, Some("gzip"))
        } else {
            (&identity, None)
        };
        // Compared by MD5, so that a failure prints two tags, not two bodies.
        assert_eq!(
            etag_of(&response.body),
            etag_of(bytes),
            "{runtime}: {status}: the gzip client: {coded}; the bytes of the other encoding?"
        );
        assert_eq!(
            response.field("content-encoding"),
            coding,
            "{runtime}: {status}"
        );
        assert_eq!(response.etag(), etag_of(bytes), "{runtime}: {status}");
        assert_eq!(response.field("x-cache-status"), Some(status), "{runtime}");
    };
    check(&gzip_client(), true, "MISS");
    check(&plain_client(), false, "MISS");
    check(&gzip_client(), true, "HIT");
    check(&plain_client(), false, "HIT");
    std::thread::sleep(Duration::from_millis(2200));
    check(&gzip_client(), true, "REVALIDATED");
    check(&plain_client(), false, "REVALIDATED");
    let log = served.access_log();
    let not_modified = log
        .iter()
        .filter(|l| l.contains("path=/js/big.js status=304 bytes=0 decided-by=if-none-match"))
        .count();
    assert_eq!(not_modified, 2, "{runtime}: one 304 per encoding: {log:#?}");
    drop(nginx);
}

/// Names that say a content coding (RFC 9110 sections 8.3 and 8.4): an
/// `.svgz` goes out as `image/svg+xml` with `Content-Encoding: gzip` and
/// ranges of its gzip bytes; an archive, or a variant asked for by its own
/// name, as the bytes it is, with its archive type and no Content-Encoding.
fn names_that_say_a_content_coding(runtime: Runtime) {
    let served = Served::start_in(runtime, built_fixture_site_dir(), Mounts::Copied, &[]);
    let accept = ("Accept-Encoding", "gzip, deflate, br");
    let svgz = file(&served, "img/logo.svgz");
    let whole = served.get("/img/logo.svgz", &[accept]);
    assert_eq!(
        coding_and_vary(&whole),
        (200, Some("gzip"), None),
        "{runtime}"
    );
    assert_eq!(
        whole.field("content-type"),
        Some("image/svg+xml"),
        "{runtime}"
    );
    assert_eq!(whole.body, svgz, "{runtime}");
    assert_eq!(whole.etag(), etag_of(&svgz), "{runtime}");
    let part = served.get("/img/logo.svgz", &[accept, ("Range", "bytes=0-1")]);
    assert_eq!(
        coding_and_vary(&part),
        (206, Some("gzip"), None),
        "{runtime}"
    );
    assert_eq!(part.body, b"\x1f\x8b", "{runtime}: the gzip bytes");
    for (target, content_type) in [
        ("/docs/archive.tar.gz", "application/gzip"),
        ("/js/big.js.gz", "application/gzip"),
        ("/js/big.js.br", "application/octet-stream"),
    ] {
        let response = served.get(target, &[accept]);
        assert_eq!(
            coding_and_vary(&response),
            (200, None, None),
            "{runtime}: {target}"
        );
        assert_eq!(
            response.field("content-type"),
            Some(content_type),
            "{runtime}: {target}"
        );
        assert_eq!(
            response.body,
            file(&served, &target[1..]),
            "{runtime}: {target}"
        );
    }
}

/// A precompressed variant is sent only when the site manifest proves it
/// encodes the source's current bytes, under every mount: Spin's copy gives
/// every file the copy's time, so times cannot tell. `css/old.css.gz` is
/// older than `css/old.css` and made from other bytes; `css/new.css.gz` is
/// made from `css/new.css`. Without a manifest (no build step run) neither
/// is sent; with one, only the proven one is.
fn a_variant_is_sent_only_when_proven(runtime: Runtime) {
    use http_caching_server::Encoding;
    let current = b"body { color: green; margin: 0 auto; }\n".repeat(30);
    let older = b"body { color: red; }\n".repeat(30);
    let dir = tempfile::tempdir().unwrap();
    let css = dir.path().join("css");
    std::fs::create_dir(&css).unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    for name in ["old.css", "new.css"] {
        std::fs::write(css.join(name), &current).unwrap();
    }
    let gzip = |bytes: &[u8]| site_build::variants::compress(bytes, Encoding::Gzip).unwrap();
    std::fs::write(css.join("old.css.gz"), gzip(&older)).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(css.join("old.css.gz"))
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    std::fs::write(css.join("new.css.gz"), gzip(&current)).unwrap();
    let accept = [("Accept-Encoding", "gzip, deflate, br")];
    let served = Served::start_in(runtime, dir, Mounts::Copied, &[]);
    for target in ["/css/old.css", "/css/new.css"] {
        let response = served.get(target, &accept);
        assert_eq!(
            coding_and_vary(&response),
            (200, None, None),
            "{runtime}: {target}, no manifest"
        );
        assert_eq!(response.body, current, "{runtime}: {target}");
    }
    // The manifest alone, as a build would record this site (the build step
    // would also rewrite the stale variant).
    let Served { server, dir } = served;
    drop(server);
    site_build::write_manifest(dir.path()).unwrap();
    let served = Served::start_in(runtime, dir, Mounts::Copied, &[]);
    let old = served.get("/css/old.css", &accept);
    assert_eq!(
        coding_and_vary(&old),
        (200, None, None),
        "{runtime}: stale variant"
    );
    assert_eq!(old.body, current, "{runtime}");
    let new = served.get("/css/new.css", &accept);
    let vary = Some("Accept-Encoding");
    assert_eq!(
        coding_and_vary(&new),
        (200, Some("gzip"), vary),
        "{runtime}: proven variant"
    );
    assert_eq!(new.body, gzip(&current), "{runtime}");
}

/// The encodings table against the artifact that carries the built
/// fixture site: each variant decided at build time, the same answers.
fn embedded_encodings(runtime: Runtime) {
    let served = Served::start_embedded(runtime, &[]);
    let site = support::embedded_fixture_site();
    for case in support::cases::ENCODINGS {
        let fields = support::cases::accept_encoding(case.0);
        let response = served.get("/js/big.js", &fields);
        let head = served.request("HEAD", "/js/big.js", &fields);
        let bytes = std::fs::read(site.join(case.2)).unwrap();
        support::cases::check_encoding(case, &response, &head, &bytes);
    }
    // The name that says a coding, as mounted.
    let svgz = served.get("/img/logo.svgz", &[("Accept-Encoding", "gzip")]);
    assert_eq!(
        coding_and_vary(&svgz),
        (200, Some("gzip"), None),
        "{runtime}"
    );
    assert_eq!(
        svgz.field("content-type"),
        Some("image/svg+xml"),
        "{runtime}"
    );
}

runtime_tests!(
    embedded_encodings,
    each_encoding_has_its_bytes_and_its_etag,
    cache_rules_by_path,
    an_edit_after_the_build_is_sent_with_its_own_etag,
    a_shared_cache_keeps_the_encodings_apart,
    names_that_say_a_content_coding,
    a_variant_is_sent_only_when_proven,
);
