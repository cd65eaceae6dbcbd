//! The deployment rehearsal: `cargo xtask deploy` pushes the app to a real
//! OCI registry on loopback (Debian's docker-registry), and `spin up --from`
//! the reference, in an empty directory, serves it as a Wasm edge host that
//! pulls the same artifact would: 200, then 304, with the same validators as
//! the project run locally. For both artifacts: `spin.toml` (WASIp3) and
//! `spin-wasip2.toml` (WASIp2, what the SpinKube manifest in deploy/spinkube
//! pulls). Spin only (a registry reference is Spin's).

use crate::support;

use std::process::{Command, Stdio};

use harness::process::ProcessGroup;
use harness::registry::Registry;
use harness::runtime::{self, Mounts};
use support::{Served, Wasi, tools_required};

mod spin_only {
    use super::*;

    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn pushed_to_a_registry_and_run_from_it() {
        round_trip(Wasi::P3, false);
    }

    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn the_wasip2_artifact_pushed_to_a_registry_and_run_from_it() {
        round_trip(Wasi::P2, false);
    }

    /// `cargo xtask deploy --embed`: the site inside the component, no
    /// `files` in what is pushed.
    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn the_embedded_artifact_pushed_to_a_registry_and_run_from_it() {
        round_trip(Wasi::P3, true);
    }

    #[test]
    #[cfg_attr(
        no_spin,
        ignore = "no Spin found when the tests were built: set $SPIN to a Spin 4.1 or later"
    )]
    fn the_embedded_wasip2_artifact_pushed_to_a_registry_and_run_from_it() {
        round_trip(Wasi::P2, true);
    }

    fn round_trip(wasi: Wasi, embed: bool) {
        let spin = harness::tools::find_spin();
        assert!(spin.is_some(), "no Spin binary ($SPIN or PATH)");
        let spin = spin.unwrap_or_default();
        if !Registry::available() {
            assert!(
                !tools_required(),
                "docker-registry is required but not installed"
            );
            eprintln!(
                "skipped: docker-registry is not installed (apt-get install docker-registry)"
            );
            return;
        }
        let work = tempfile::tempdir().unwrap();
        let registry = Registry::start(&work.path().join("registry")).expect("a registry");
        let kind = if embed { "embedded" } else { "mounted" };
        let reference = format!("{}/http-caching-server:test-{wasi}-{kind}", registry.addr);

        // The README's command, which builds (component and site manifest)
        // and pushes.
        let root = harness::tools::workspace_root();
        let mut deploy = harness::tools::cargo();
        deploy
            .current_dir(&root)
            .args(["xtask", "deploy", "--insecure", &reference]);
        if wasi == Wasi::P2 {
            deploy.arg("--wasip2");
        }
        if embed {
            deploy.arg("--embed");
        }
        let pushed = deploy.output().expect("running cargo xtask deploy");
        let stdout = String::from_utf8_lossy(&pushed.stdout);
        assert!(
            pushed.status.success(),
            "deploy failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&pushed.stderr)
        );
        assert!(stdout.contains(&format!("pushed: {reference}")), "{stdout}");

        // Pulled and run in an empty directory, as a host would.
        let empty = tempfile::tempdir().unwrap();
        let addr = runtime::free_loopback_addr().unwrap();
        let log = std::fs::File::create(work.path().join("spin.log")).unwrap();
        let _pulled = ProcessGroup::spawn(
            Command::new(&spin)
                .current_dir(empty.path())
                .args(["up", "--insecure", "--from", &reference])
                .arg("--cache-dir")
                .arg(work.path().join("cache"))
                .arg("--listen")
                .arg(addr.to_string())
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log),
        )
        .expect("spin up --from the registry");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while runtime::probe(addr).ok() != Some(200) {
            assert!(
                std::time::Instant::now() < deadline,
                "the pulled app did not answer:\n{}",
                std::fs::read_to_string(work.path().join("spin.log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let remote = support::get(addr, "/", &[]);
        assert_eq!(remote.status, 200, "{remote:?}");
        let expected_page = std::fs::read(root.join("static/index.html")).unwrap();
        assert_eq!(remote.body, expected_page);

        // The same validators as the project served locally (copied mounts,
        // as `spin up` does), and 304 to them.
        let site = tempfile::tempdir().unwrap();
        for name in ["index.html", http_caching_server::MANIFEST_FILE] {
            std::fs::copy(root.join("static").join(name), site.path().join(name)).unwrap();
        }
        let local = Served::start_in(support::spin_runtime(wasi), site, Mounts::Copied, &[]);
        let here = local.get("/", &[]);
        assert_eq!(remote.etag(), here.etag(), "the ETag differs");
        assert_eq!(
            remote.field("last-modified"),
            here.field("last-modified"),
            "Last-Modified differs"
        );
        let revalidated = support::get(addr, "/", &[("If-None-Match", here.etag())]);
        assert_eq!(revalidated.status, 304, "{revalidated:?}");
        let by_date = support::get(
            addr,
            "/",
            &[("If-Modified-Since", here.field("last-modified").unwrap())],
        );
        assert_eq!(by_date.status, 304, "{by_date:?}");
        println!(
            "deploy ({wasi}, {kind}): pushed {reference}, pulled and served: 200 then 304, ETag {}",
            remote.etag()
        );
    }
}
