//! The site's `_headers` and `_redirects` over real HTTP, under every
//! runtime and WASI version: the fixture site's rules
//! (`support::cases::site_rules`, the table tests/in_process/built.rs runs in
//! process) mounted and embedded; the demo site's (`static/`), mounted and
//! embedded; a refused rule in the instance's log.

use crate::support;

use harness::runtime::Mounts;
use support::cases::{self, check_rule_case};
use support::{Runtime, Served, built_demo_site_dir, built_fixture_site_dir};

/// No 404 page, as in process.
const NO_PAGE: &[(&str, &str)] = &[("NOT_FOUND_PAGE", "")];

fn check_table(served: &Served, runtime: Runtime) {
    for case in cases::site_rules() {
        let fields: Vec<(&str, &str)> = case.fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let answer = served.raw_request(case.method, case.target, &fields);
        println!(
            "{runtime}: {} {} -> {}",
            case.method, case.target, answer.status
        );
        check_rule_case(&case, &answer);
    }
}

fn the_fixture_sites_rules_mounted(runtime: Runtime) {
    let served = Served::start_in(runtime, built_fixture_site_dir(), Mounts::Copied, NO_PAGE);
    check_table(&served, runtime);
}

fn the_fixture_sites_rules_embedded(runtime: Runtime) {
    let served = Served::start_embedded(runtime, NO_PAGE);
    check_table(&served, runtime);
}

/// The demo site's rules: its security headers on the page, its 304 and
/// its 404 page; its immutable assets rule; its moved pages; zstd.
fn check_demo(served: &Served, runtime: Runtime) {
    let security = |response: &support::Response, what: &str| {
        let csp = response
            .field("content-security-policy")
            .unwrap_or_default();
        assert!(
            csp.starts_with("default-src 'self'"),
            "{runtime}: {what}: {csp:?}"
        );
        assert_eq!(
            response.field("x-content-type-options"),
            Some("nosniff"),
            "{runtime}: {what}"
        );
        assert_eq!(
            response.field("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{runtime}: {what}"
        );
        // The demo's rule sets it, but this is plain HTTP (RFC 6797 section 7.2).
        assert_eq!(
            response.field("strict-transport-security"),
            None,
            "{runtime}: {what}"
        );
    };
    let page = served.get("/", &[]);
    assert_eq!(page.status, 200, "{runtime}");
    security(&page, "the page");
    assert_eq!(page.field("cache-control"), Some("no-cache"), "{runtime}");
    let revalidated = served.get("/", &[("If-None-Match", page.etag())]);
    assert_eq!(revalidated.status, 304, "{runtime}");
    security(&revalidated, "the page's 304");
    let missing = served.get("/no-such-page", &[]);
    assert_eq!(missing.status, 404, "{runtime}");
    security(&missing, "the 404 page");
    assert_eq!(
        missing.field("cache-control"),
        Some("no-store"),
        "{runtime}"
    );
    let image = served.get("/img/revalidation.df07e244.svg", &[]);
    assert_eq!(
        image.field("cache-control"),
        Some("public, max-age=31536000, immutable"),
        "{runtime}"
    );
    for (target, status, location) in [
        ("/home", 301, "/"),
        ("/home?from=mail", 301, "/?from=mail"),
        ("/validators", 302, "/#validators"),
    ] {
        let moved = served.get(target, &[]);
        assert_eq!(
            (moved.status, moved.field("location")),
            (status, Some(location)),
            "{runtime}: {target}"
        );
    }
    for target in ["/_headers", "/_redirects"] {
        assert_eq!(served.get(target, &[]).status, 404, "{runtime}: {target}");
    }
    let zstd = served.get("/css/site.css", &[("Accept-Encoding", "zstd")]);
    assert_eq!(zstd.field("content-encoding"), Some("zstd"), "{runtime}");
    assert_eq!(zstd.field("vary"), Some("Accept-Encoding"), "{runtime}");
}

fn the_demo_sites_rules_mounted(runtime: Runtime) {
    let served = Served::start_in(runtime, built_demo_site_dir(), Mounts::Copied, &[]);
    check_demo(&served, runtime);
}

fn the_demo_sites_rules_embedded(runtime: Runtime) {
    let component = support::embedded_demo_artifact(runtime.wasi);
    let served = Served::start_artifact(runtime, &component, &[]);
    check_demo(&served, runtime);
}

/// A refused rule is in the instance's log with its file and line, and is
/// not applied; the rest of the file is.
fn a_refused_rule_is_logged_by_the_instance(runtime: Runtime) {
    let site = built_fixture_site_dir();
    std::fs::write(
        site.path().join("_headers"),
        "/*\n  X-Kept: yes\n/css/*\n  Content-Length: 1\n  X-Dropped: yes\n",
    )
    .unwrap();
    let served = Served::start_in(runtime, site, Mounts::Copied, &[]);
    let response = served.get("/css/site.css", &[]);
    assert_eq!(response.status, 200, "{runtime}");
    assert_eq!(response.field("x-kept"), Some("yes"), "{runtime}");
    assert_eq!(response.field("x-dropped"), None, "{runtime}");
    let line = served.output_containing("_headers:4: Content-Length cannot be set");
    assert!(
        line.contains("the rule of line 3 is refused"),
        "{runtime}: {line}"
    );
}

runtime_tests!(
    the_fixture_sites_rules_mounted,
    the_fixture_sites_rules_embedded,
    the_demo_sites_rules_mounted,
    the_demo_sites_rules_embedded,
    a_refused_rule_is_logged_by_the_instance,
);
