//! Tooling that assumes where it lives: two checkouts of the project that
//! share one `CARGO_TARGET_DIR`, as CI caches and shared build directories
//! do. Cargo finds the first checkout's xtask binary fresh for the second
//! (its unit hashes are relative to the workspace, and the second's sources
//! are older than the first's build), so a checkout path baked in at
//! compile time would make the second checkout's build step record the
//! first one's site. Each must build and record its own site, and find its
//! artifacts where its Spin manifests name them.

use std::path::Path;
use std::process::Command;

use http_caching_server::md5_hex;
use http_caching_server::{MANIFEST_FILE, SiteManifest};

/// Copies the files of the checkout at `from` that git knows (tracked, and
/// new ones it does not ignore) into `to`: a fresh checkout, with no build
/// output in it.
fn copy_checkout(from: &Path, to: &Path) {
    let listing = Command::new("git")
        .current_dir(from)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("running git ls-files");
    assert!(listing.status.success(), "git ls-files failed in {from:?}");
    for name in listing.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = std::str::from_utf8(name).expect("a UTF-8 file name");
        let (source, target) = (from.join(name), to.join(name));
        if !source.is_file() {
            continue; // Deleted in the work tree, not yet in the index.
        }
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&source, &target).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
}

/// `cargo xtask build` in `checkout`, as a user runs it from a shell, with
/// the shared target directory.
fn build_step(checkout: &Path, target_dir: &Path) {
    let output = harness::tools::cargo()
        .current_dir(checkout)
        .args(["xtask", "build"])
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("running cargo xtask build");
    assert!(
        output.status.success(),
        "cargo xtask build in {checkout:?}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn two_checkouts_sharing_a_target_directory_each_build_their_own() {
    let root = harness::tools::workspace_root();
    // The project's own target directory, shared: only the workspace's own
    // crates are built again.
    let shared_target = harness::tools::target_dir().expect("cargo's target directory");
    let checkouts = tempfile::tempdir().unwrap();
    let (a, b) = (checkouts.path().join("a"), checkouts.path().join("b"));
    // Both copied before either builds, as two CI checkouts are.
    for (checkout, mark) in [(&a, "checkout a"), (&b, "checkout b")] {
        copy_checkout(&root, checkout);
        std::fs::write(checkout.join("static/which.txt"), mark).unwrap();
    }
    for checkout in [&a, &b] {
        build_step(checkout, &shared_target);
    }
    for (checkout, mark) in [(&a, "checkout a"), (&b, "checkout b")] {
        let manifest_path = checkout.join("static").join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&manifest_path)
            .unwrap_or_else(|err| panic!("{}: {err}", manifest_path.display()));
        let (manifest, problems) = SiteManifest::parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        let recorded = manifest.get("which.txt").expect("which.txt recorded");
        assert_eq!(recorded.md5, md5_hex(mark.as_bytes()), "{mark}'s own site");
        // Its artifacts where its own Spin manifests name them, whatever
        // the target directory.
        for spin_manifest in ["spin.toml", "spin-wasip2.toml"] {
            let source = harness::spin::component_source_in(checkout, spin_manifest).unwrap();
            let shown = source.display();
            assert!(
                source.to_string_lossy().ends_with("_spin.wasm"),
                "{spin_manifest}: {shown}"
            );
            assert!(source.is_file(), "{mark}: {shown}");
        }
    }
}
