//! The whole site over real HTTP, under wasmtime and Spin: the fixture site
//! (`tests/fixture-site`) with a 404 page, an app shell and clean URLs; every
//! kind of path, and the RFC 9110 answers on files other than the page. The
//! same tree is tested in-process, case by case, in tests/in_process.rs.

#[macro_use]
mod support;

use harness::runtime::Mounts;
use support::{Runtime, Served, etag_of, fixture_file, fixture_site_dir};

const SITE: &[(&str, &str)] = &[
    ("NOT_FOUND_PAGE", "/404.html"),
    ("FALLBACK_PAGE", "/app.html"),
    ("CLEAN_URLS", "on"),
];

/// What a browser's navigation sends.
const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn serve_site(runtime: Runtime) -> Served {
    Served::start_in(runtime, fixture_site_dir(), Mounts::Copied, SITE)
}

fn every_kind_of_path(runtime: Runtime) {
    let served = serve_site(runtime);
    let html = "text/html; charset=utf-8";
    // target, Accept, status, the file whose bytes come back, Content-Type.
    for (target, accept, status, file, content_type) in [
        ("/", "*/*", 200, "index.html", html),
        (
            "/css/site.css",
            "text/css",
            200,
            "css/site.css",
            "text/css; charset=utf-8",
        ),
        (
            "/js/app.js",
            "*/*",
            200,
            "js/app.js",
            "text/javascript; charset=utf-8",
        ),
        ("/img/logo.png", "image/*", 200, "img/logo.png", "image/png"),
        ("/docs/", HTML, 200, "docs/index.html", html),
        (
            "/docs/guide.txt",
            "*/*",
            200,
            "docs/guide.txt",
            "text/plain; charset=utf-8",
        ),
        (
            "/.well-known/security.txt",
            "*/*",
            200,
            ".well-known/security.txt",
            "text/plain; charset=utf-8",
        ),
        ("/about", HTML, 200, "about.html", html),
        ("/app/settings/profile", HTML, 200, "app.html", html),
        ("/app/settings/profile", "*/*", 404, "404.html", html),
        ("/missing.css", HTML, 404, "404.html", html),
        ("/.env", HTML, 404, "404.html", html),
        ("/.hidden/x.txt", "*/*", 404, "404.html", html),
        ("/nodir/", "*/*", 404, "404.html", html),
    ] {
        let what = format!("{runtime}: {target} ({accept})");
        let response = served.get(target, &[("Accept", accept)]);
        assert_eq!(response.status, status, "{what}");
        assert_eq!(response.body, fixture_file(file), "{what}");
        assert_eq!(response.field("content-type"), Some(content_type), "{what}");
        if status == 200 {
            assert_eq!(response.etag(), etag_of(&fixture_file(file)), "{what}");
            assert!(response.field("last-modified").is_some(), "{what}");
        } else {
            assert_eq!(response.field("etag"), None, "{what}");
            assert_eq!(response.field("cache-control"), Some("no-store"), "{what}");
        }
    }
    // Vary: Accept wherever the answer for the path depends on it.
    let shell = served.get("/app/x", &[("Accept", HTML)]);
    assert_eq!(shell.field("vary"), Some("Accept"), "{runtime}");
    let asset = served.get("/css/site.css", &[("Accept", HTML)]);
    assert_eq!(asset.field("vary"), None, "{runtime}");
    // A directory without its slash: 308, query kept.
    for (target, location) in [("/docs", "/docs/"), ("/docs?lang=en", "/docs/?lang=en")] {
        let response = served.get(target, &[]);
        assert_eq!(response.status, 308, "{runtime}: {target}");
        assert_eq!(response.field("location"), Some(location), "{runtime}");
    }
    // Refused paths: 400 for what is not a path, 404 for what no file is.
    for (target, status) in [("/%2e%2e/index.html", 400), ("/a%2fb", 404), ("/%zz", 400)] {
        let response = served.get(target, &[]);
        assert_eq!(response.status, status, "{runtime}: {target}");
    }
    let methods = served.request("POST", "/css/site.css", &[("Content-Length", "0")]);
    assert_eq!(methods.status, 405, "{runtime}");
    let head = served.request("HEAD", "/img/logo.png", &[]);
    assert_eq!(
        head.field("content-length"),
        Some(&fixture_file("img/logo.png").len().to_string()[..]),
        "{runtime}"
    );
}

fn conditional_requests_on_files_other_than_the_page(runtime: Runtime) {
    let served = serve_site(runtime);
    let css = fixture_file("css/site.css");
    let tag = etag_of(&css);
    let first = served.get("/css/site.css", &[]);
    let date = first.field("last-modified").unwrap().to_string();
    let shell = etag_of(&fixture_file("app.html"));
    for (target, fields, status, body) in [
        (
            "/css/site.css",
            vec![("If-None-Match", &tag[..])],
            304,
            &b""[..],
        ),
        (
            "/css/site.css",
            vec![("If-Modified-Since", &date)],
            304,
            b"",
        ),
        (
            "/css/site.css",
            vec![("If-Match", "\"other\"")],
            412,
            b"412 Precondition Failed\n",
        ),
        (
            "/css/site.css",
            vec![("Range", "bytes=0-3")],
            206,
            &css[..4],
        ),
        (
            "/css/site.css",
            vec![("Range", "bytes=0-3"), ("If-Range", &tag)],
            206,
            &css[..4],
        ),
        (
            "/css/site.css",
            vec![("Range", "bytes=999-")],
            416,
            b"416 Range Not Satisfiable\n",
        ),
        ("/img/logo.png", vec![("Range", "bytes=1-3")], 206, b"PNG"),
        ("/empty.txt", vec![("Range", "bytes=-5")], 200, b""),
        (
            "/app/x",
            vec![("Accept", HTML), ("If-None-Match", &shell)],
            304,
            b"",
        ),
        (
            "/gone.txt",
            vec![("If-None-Match", "*")],
            404,
            &fixture_file("404.html")[..],
        ),
    ] {
        let what = format!("{runtime}: {target} {fields:?}");
        let response = served.get(target, &fields);
        assert_eq!(response.status, status, "{what}");
        assert_eq!(response.body, body, "{what}");
        if status == 304 {
            assert!(
                response.field("etag").is_some(),
                "{what}: a 304 has its ETag"
            );
        }
        if status == 206 {
            assert!(response.field("content-range").is_some(), "{what}");
        }
    }
}

runtime_tests!(
    every_kind_of_path,
    conditional_requests_on_files_other_than_the_page,
);

mod spin_only {
    use super::support::{self, Served, Wasi, page_dir};
    use harness::runtime::Mounts;

    /// Spin's copy of `files` reads through links: a link out of the site
    /// becomes a file of the copy, with the outside content, and the
    /// component cannot tell. That is why `cargo xtask build` refuses a site
    /// with such a link (and why hostile.rs mounts its links directly).
    #[test]
    fn spins_copy_reads_through_links_so_the_build_refuses_them() {
        let spin = support::spin_runtime(Wasi::P3);
        let outer = tempfile::tempdir().unwrap();
        std::fs::write(outer.path().join("outside.txt"), b"outside the site").unwrap();
        let dir = page_dir(b"page");
        std::os::unix::fs::symlink(
            outer.path().join("outside.txt"),
            dir.path().join("link.txt"),
        )
        .unwrap();
        let err = site_build::write_manifest(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a symbolic link out of the site"), "{err}");
        let copied = Served::start_in(spin, dir, Mounts::Copied, &[]);
        let response = copied.get("/link.txt", &[]);
        assert_eq!(
            (response.status, &response.body[..]),
            (200, &b"outside the site"[..]),
            "Spin's copy no longer reads through links: the README and the build's refusal can say so"
        );
    }
}
