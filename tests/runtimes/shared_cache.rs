//! A real shared cache in front of the component: nginx (Debian) with
//! proxy_cache and proxy_cache_revalidate, on loopback, in front of a page
//! whose `_headers` rule lets it store it for a second (and gives it a
//! field of its own, which the cache keeps after each 304). Once its copy goes
//! stale it revalidates with the component's validators; the component
//! answers 304 and the client still gets the page. A page that Basic-Auth
//! protects is never stored for others.

use crate::support;

use std::time::Duration;

use harness::nginx::Nginx;
use harness::runtime::Mounts;
use support::{Runtime, Served, etag_of, sample_page};

/// Long enough for a response with `max-age=1` to go stale in nginx, which
/// counts freshness in whole seconds.
const STALE: Duration = Duration::from_millis(2200);

fn a_shared_cache_revalidates_with_the_components_validators(runtime: Runtime) {
    if !support::nginx_available() {
        return;
    }
    let page = sample_page("shared cache");
    // A shared cache stores a response only when the origin allows it:
    // one second of freshness, then revalidation.
    let dir = support::page_dir(&page);
    support::cache_html(dir.path(), "public, max-age=1");
    let rules = dir.path().join("_headers");
    let mut text = std::fs::read_to_string(&rules).unwrap();
    text.push_str("/*\n  X-Frame-Options: DENY\n");
    std::fs::write(&rules, text).unwrap();
    let served = Served::start_in(runtime, dir, Mounts::Direct, &[]);
    let work = tempfile::tempdir().unwrap();
    let nginx = Nginx::shared_cache(work.path(), &[served.addr()]).expect("starting nginx");
    let through_cache = |fields: &[(&str, &str)]| support::get(nginx.addr, "/", fields);
    let origin_lines = || served.access_log();
    let before = origin_lines().len();

    let first = through_cache(&[]);
    assert_eq!(
        (first.status, first.field("x-cache-status")),
        (200, Some("MISS")),
        "{runtime}"
    );
    assert_eq!(first.body, page);
    assert_eq!(
        first.field("cache-control"),
        Some("public, max-age=1"),
        "{runtime}: the rule's"
    );
    let hit = through_cache(&[]);
    assert_eq!(hit.field("x-cache-status"), Some("HIT"), "{runtime}");
    assert_eq!(
        origin_lines().len(),
        before + 1,
        "{runtime}: a hit must not reach the origin"
    );

    let mut revalidations = 0;
    for _ in 0..2 {
        std::thread::sleep(STALE);
        let again = through_cache(&[]);
        assert_eq!(again.status, 200, "{runtime}");
        assert_eq!(
            again.field("x-cache-status"),
            Some("REVALIDATED"),
            "{runtime}"
        );
        assert_eq!(
            again.body, page,
            "{runtime}: the client gets the page from the cache"
        );
        assert_eq!(again.field("etag"), Some(etag_of(&page).as_str()));
        assert_eq!(
            again.field("x-frame-options"),
            Some("DENY"),
            "{runtime}: the rule's field after the 304"
        );
        revalidations += 1;
    }
    let log = origin_lines();
    let not_modified = log[before..]
        .iter()
        .filter(|l| l.contains("status=304") && l.contains("decided-by=if-none-match"))
        .count();
    assert_eq!(
        not_modified, revalidations,
        "{runtime}: the origin's answers: {log:#?}"
    );

    // A change at the origin reaches the client at the next revalidation.
    let changed = sample_page("changed at the origin");
    served.replace_file("index.html", &changed);
    std::thread::sleep(STALE);
    let updated = through_cache(&[]);
    assert_eq!(
        (updated.status, &updated.body),
        (200, &changed),
        "{runtime}"
    );
    assert_eq!(
        updated.field("x-cache-status"),
        Some("EXPIRED"),
        "{runtime}"
    );
    assert_eq!(updated.field("etag"), Some(etag_of(&changed).as_str()));
    println!(
        "{runtime}: shared cache: {revalidations} revalidations answered 304 by the origin; \
         it did not send {} bytes of body ({} bytes each)",
        revalidations * page.len(),
        page.len()
    );
    drop(nginx);
}

/// A page that `Basic-Auth` protects, whose rule asks for public caching:
/// read through nginx's shared cache with credentials, it is never stored
/// (`private`: RFC 9111 section 3.5), so a request without them, plain or
/// conditional, reaches the component and gets `401`, never the page.
fn a_shared_cache_never_gives_a_protected_page_to_others(runtime: Runtime) {
    if !support::nginx_available() {
        return;
    }
    let page = sample_page("protected");
    let dir = support::page_dir(&sample_page("public"));
    std::fs::create_dir(dir.path().join("private")).unwrap();
    std::fs::write(dir.path().join("private/index.html"), &page).unwrap();
    std::fs::write(
        dir.path().join("_headers"),
        "/private/*\n  Basic-Auth: admin:secret123\n  Cache-Control: public, max-age=600\n",
    )
    .unwrap();
    let served = Served::start_in(runtime, dir, Mounts::Direct, &[]);
    let work = tempfile::tempdir().unwrap();
    let nginx = Nginx::shared_cache(work.path(), &[served.addr()]).expect("starting nginx");
    let through_cache = |fields: &[(&str, &str)]| support::get(nginx.addr, "/private/", fields);
    let admin = ("Authorization", "Basic YWRtaW46c2VjcmV0MTIz");
    for _ in 0..2 {
        let read = through_cache(&[admin]);
        assert_eq!((read.status, &read.body), (200, &page), "{runtime}");
        assert_eq!(
            read.field("cache-control"),
            Some("private, max-age=600"),
            "{runtime}"
        );
        assert_eq!(
            read.field("x-cache-status"),
            Some("MISS"),
            "{runtime}: never stored"
        );
    }
    let tag = etag_of(&page);
    for fields in [&[][..], &[("If-None-Match", tag.as_str())]] {
        let other = through_cache(fields);
        assert_eq!(other.status, 401, "{runtime} {fields:?}: {other:?}");
        assert!(
            !other.body.windows(9).any(|w| w == b"protected"),
            "{runtime}: a byte of the page"
        );
        assert_eq!(other.field("etag"), None, "{runtime}");
        assert!(
            other
                .field("www-authenticate")
                .is_some_and(|c| c.starts_with("Basic realm="))
        );
    }
    let log = served.access_log();
    let refused = log
        .iter()
        .filter(|line| line.contains("status=401"))
        .count();
    assert_eq!(
        refused, 2,
        "{runtime}: both reached the component: {log:#?}"
    );
    drop(nginx);
}

runtime_tests!(
    a_shared_cache_revalidates_with_the_components_validators,
    a_shared_cache_never_gives_a_protected_page_to_others,
);
