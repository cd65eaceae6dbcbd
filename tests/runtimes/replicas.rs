//! Validators that do not depend on where the bytes were copied: Spin copies
//! `files` when it starts (their times become the start time), yet two
//! replicas of the same site, started apart, under either runtime, send the
//! same ETag and Last-Modified, thanks to the site manifest the build step
//! writes; so revalidations through one shared cache are answered 304 by
//! whichever replica gets them. And what differs between Spin's two ways of
//! mounting files is tested here, not only documented.

use crate::support;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::nginx::Nginx;
use harness::runtime::Mounts;
use support::{Runtime, Served, Wasi, etag_of, sample_page};

/// A time well before any test run: 2020-09-13T12:26:40Z.
const OLD_SECS: u64 = 1_600_000_000;
const OLD_DATE: &str = "Sun, 13 Sep 2020 12:26:40 GMT";

/// A site whose page was last changed at [`OLD_SECS`], with the site manifest
/// of the build step when `manifest`.
fn old_site(page: &[u8], manifest: bool) -> tempfile::TempDir {
    let dir = support::page_dir(page);
    set_mtime(&dir.path().join("index.html"), OLD_SECS);
    if manifest {
        site_build::write_manifest(dir.path()).expect("writing the site manifest");
    }
    dir
}

fn set_mtime(path: &Path, secs: u64) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A copy of `dir` (Spin copies too; each replica gets its own directory).
fn copy_of(dir: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
    }
    copy
}

fn last_modified(served: &Served) -> String {
    let response = served.get("/", &[]);
    assert_eq!(response.status, 200, "{response:?}");
    response
        .field("last-modified")
        .expect("Last-Modified")
        .to_string()
}

/// Two replicas started seconds apart, each from its own copy of a site
/// built once, agree on both validators, and each answers the other's
/// validators with 304.
fn replicas_send_the_same_validators(first: Runtime, second: Runtime) {
    let page = sample_page("replicas");
    let site = old_site(&page, true);
    let one = Served::start_in(first, copy_of(site.path()), Mounts::Copied, &[]);
    std::thread::sleep(Duration::from_secs(2));
    let two = Served::start_in(second, copy_of(site.path()), Mounts::Copied, &[]);
    let (a, b) = (one.get("/", &[]), two.get("/", &[]));
    assert_eq!(a.etag(), etag_of(&page));
    assert_eq!(a.etag(), b.etag(), "{first} and {second}: the ETags differ");
    assert_eq!(
        a.field("last-modified"),
        Some(OLD_DATE),
        "{first}: Last-Modified is the recorded time"
    );
    assert_eq!(
        a.field("last-modified"),
        b.field("last-modified"),
        "{first} and {second}: Last-Modified differs"
    );
    for (from, to) in [(&a, &two), (&b, &one)] {
        let by_date = to.get(
            "/",
            &[("If-Modified-Since", from.field("last-modified").unwrap())],
        );
        assert_eq!(by_date.status, 304, "If-Modified-Since across replicas");
        let by_tag = to.get("/", &[("If-None-Match", from.etag())]);
        assert_eq!(by_tag.status, 304, "If-None-Match across replicas");
    }
}

fn two_replicas_agree(runtime: Runtime) {
    replicas_send_the_same_validators(runtime, runtime);
}

/// Two replicas behind one nginx `proxy_cache`, round robin: every
/// revalidation, whichever replica gets it, is answered 304.
fn replicas_behind_one_shared_cache(runtime: Runtime) {
    if !support::nginx_available() {
        return;
    }
    let page = sample_page("behind one cache");
    let site = old_site(&page, true);
    support::cache_html(site.path(), "public, max-age=1");
    let one = Served::start_in(runtime, copy_of(site.path()), Mounts::Copied, &[]);
    std::thread::sleep(Duration::from_secs(2));
    let two = Served::start_in(runtime, copy_of(site.path()), Mounts::Copied, &[]);
    let work = tempfile::tempdir().unwrap();
    let nginx =
        Nginx::shared_cache(work.path(), &[one.addr(), two.addr()]).expect("starting nginx");
    let get = || support::get(nginx.addr, "/", &[]);
    let first = get();
    assert_eq!((first.status, &first.body), (200, &page), "{runtime}");
    let count_304 = |served: &Served| {
        served
            .access_log()
            .iter()
            .filter(|line| line.contains("status=304"))
            .count()
    };
    let rounds = 4;
    for round in 0..rounds {
        std::thread::sleep(Duration::from_millis(2200));
        let again = get();
        assert_eq!(
            again.field("x-cache-status"),
            Some("REVALIDATED"),
            "{runtime}: round {round}: {again:?}"
        );
        assert_eq!(again.body, page);
    }
    // Round robin: both replicas got revalidations, and answered each 304.
    let (by_one, by_two) = (count_304(&one), count_304(&two));
    assert!(
        by_one >= 1 && by_two >= 1 && by_one + by_two == rounds,
        "{runtime}: 304s by replica: {by_one} and {by_two} of {rounds}"
    );
    println!(
        "{runtime}: {rounds} revalidations through one cache, 304 from both replicas ({by_one} + {by_two})"
    );
}

runtime_tests!(two_replicas_agree, replicas_behind_one_shared_cache);

/// Tests of Spin alone (left out, and counted as skipped, without Spin).
mod spin_only {
    use super::*;

    /// A Spin replica and a wasmtime replica of the same site agree.
    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn a_spin_and_a_wasmtime_replica_agree() {
        replicas_send_the_same_validators(support::spin_runtime(Wasi::P3), Runtime::WASMTIME);
    }

    /// A replica of each artifact, as in a rollout from one to the other:
    /// Spin with the WASIp2 one (as the SpinKube shim runs it), wasmtime with
    /// the WASIp3 one.
    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn a_wasip2_and_a_wasip3_replica_agree() {
        replicas_send_the_same_validators(support::spin_runtime(Wasi::P2), Runtime::WASMTIME);
    }

    /// As users run it: the files are copied at start. A later change is
    /// not seen; without a site manifest, Last-Modified is the copy's time
    /// (the start), with one it is the recorded time.
    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn copied_files_are_frozen_at_start_and_take_the_start_time() {
        let runtime = support::spin_runtime(Wasi::P3);
        let page = sample_page("copied");
        let before_start = SystemTime::now();
        let bare = Served::start_in(runtime, old_site(&page, false), Mounts::Copied, &[]);
        let date = last_modified(&bare);
        let secs = httpdate::parse_http_date(&date).unwrap();
        assert!(
            secs + Duration::from_secs(1) >= before_start,
            "without a manifest, Last-Modified is the copy's time: {date}"
        );
        bare.replace_file("index.html", b"changed after the start");
        let still = bare.get("/", &[]);
        assert_eq!(still.body, page, "a copied file does not change");

        let recorded = Served::start_in(runtime, old_site(&page, true), Mounts::Copied, &[]);
        assert_eq!(last_modified(&recorded), OLD_DATE);
    }

    /// `--direct-mounts`: the directory itself, with its real times and its
    /// changes.
    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn direct_mounts_have_real_times_and_changes() {
        let runtime = support::spin_runtime(Wasi::P3);
        let page = sample_page("direct");
        let served = Served::start_in(runtime, old_site(&page, false), Mounts::Direct, &[]);
        assert_eq!(last_modified(&served), OLD_DATE);
        served.replace_file("index.html", b"changed after the start");
        let changed = served.get("/", &[]);
        assert_eq!(changed.body, b"changed after the start");
    }
}
