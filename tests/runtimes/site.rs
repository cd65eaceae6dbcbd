//! The whole site over real HTTP, under every runtime and WASI version: the
//! fixture site (`tests/fixture-site`) by default and with a 404 page, an app
//! shell and clean URLs; every kind of path, by the case tables that
//! tests/in_process/main.rs runs in process (`support::cases`), and the RFC 9110
//! answers on files other than the page.

use crate::support;

use harness::runtime::Mounts;
use support::cases::{self, Case, HTML, SITE, check};
use support::{Runtime, Served, fixture_file, fixture_site_dir};

fn serve_site(runtime: Runtime) -> Served {
    Served::start_in(runtime, fixture_site_dir(), Mounts::Copied, SITE)
}

/// The shared case tables (`support::cases`), over HTTP: each request sent
/// as written, through a raw socket.
fn check_over_http(served: &Served, cases: &[Case]) {
    for case in cases {
        let (method, target, fields, ..) = *case;
        check(case, &served.raw_request(method, target, fields));
    }
}

fn every_kind_of_path_by_default(runtime: Runtime) {
    // spin.toml's environment, which the runtimes get, names a 404 page; an
    // empty value means none, the default.
    let default = [("NOT_FOUND_PAGE", "")];
    let served = Served::start_in(runtime, fixture_site_dir(), Mounts::Copied, &default);
    check_over_http(&served, &cases::paths_by_default());
}

fn every_kind_of_path(runtime: Runtime) {
    let served = serve_site(runtime);
    check_over_http(&served, &cases::paths_of_a_site());
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
    check_conditionals_over_http(&serve_site(runtime));
}

/// The shared preconditions and ranges table (`cases::conditionals`) over
/// HTTP, each Last-Modified as `served` sends it.
fn check_conditionals_over_http(served: &Served) {
    let date_of = |path: &str| {
        let response = served.get(path, &[]);
        response.field("last-modified").unwrap().to_string()
    };
    for case in cases::conditionals() {
        let fields = cases::resolve(case.1, date_of);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        cases::check_conditional(&case, &served.get(case.0, &fields));
    }
}

/// The same tables against the artifact that carries the built fixture
/// site (`cargo xtask build --embed`), nothing mounted: the same answers.
fn embedded_every_kind_of_path(runtime: Runtime) {
    let default = [("NOT_FOUND_PAGE", "")];
    let served = Served::start_embedded(runtime, &default);
    check_over_http(&served, &cases::paths_by_default());
    let served = Served::start_embedded(runtime, SITE);
    check_over_http(&served, &cases::paths_of_a_site());
}

fn embedded_conditional_requests(runtime: Runtime) {
    check_conditionals_over_http(&Served::start_embedded(runtime, SITE));
}

runtime_tests!(
    embedded_every_kind_of_path,
    embedded_conditional_requests,
    every_kind_of_path_by_default,
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
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
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
