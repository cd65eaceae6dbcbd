//! A real browser against the component serving the demo site (`static/`):
//! Debian's Chromium, driven by tests/browser/reload.mjs (playwright-core).
//! The first load is a 200 with a stylesheet, a script and an image; a reload
//! a 304 answered from the browser's cache, with each of those revalidated or
//! taken from the cache; a missing page the site's 404 page; after the file
//! changes a reload is a 200 with the new page. Saves a screenshot under
//! target/browser.

#[macro_use]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use harness::runtime::Mounts;
use support::{Runtime, Served, tools_required};

/// Chromium and the script's node_modules, or why they are missing.
fn browser_tools(root: &Path) -> Result<PathBuf, String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!(
            "no Chromium at {} (apt-get install chromium)",
            chromium.display()
        ));
    }
    if harness::tools::find_program("node").is_none() {
        return Err("no node on PATH".to_string());
    }
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        return Err("no playwright-core (npm ci --prefix tests/browser)".to_string());
    }
    Ok(chromium)
}

fn a_browser_revalidates_and_sees_changes(runtime: Runtime) {
    let root = harness::tools::workspace_root();
    let chromium = match browser_tools(&root) {
        Ok(chromium) => chromium,
        Err(missing) => {
            assert!(!tools_required(), "the browser test is required: {missing}");
            eprintln!("skipped: {missing}");
            return;
        }
    };
    // The demo site after the build step: its precompressed variants and
    // manifest.
    let site = tempfile::tempdir().unwrap();
    harness::trees::copy_tree(&root.join("static"), site.path()).unwrap();
    site_build::build_site(site.path()).unwrap();
    let shots = root.join("target/browser");
    std::fs::create_dir_all(&shots).unwrap();
    let served = Served::start_in(runtime, site, Mounts::Direct, &[]);
    let screenshot = shots.join(format!("page-{runtime}.png"));
    let output = Command::new("node")
        .current_dir(root.join("tests/browser"))
        .env("CHROMIUM", &chromium)
        .arg("reload.mjs")
        .arg(format!("http://{}/", served.addr()))
        .arg(served.path("index.html"))
        .arg(&screenshot)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{runtime}:\n{stdout}");
    assert!(
        output.status.success(),
        "{runtime}: the browser script failed:\n{stdout}\n{stderr}"
    );
    for step in [
        "first load: 200",
        "Content-Encoding br",
        "immutable",
        "reload: 304",
        "reload sub-resource /css/site.css",
        "missing page: 404",
        "after change: 200",
    ] {
        assert!(stdout.contains(step), "{runtime}: missing {step:?}");
    }
    assert!(screenshot.is_file(), "{runtime}: no screenshot");
    // The fingerprinted image is immutable: the browser asked for it once,
    // on the first load, and never again (reloads, the 404 page, the change).
    let log = served.access_log();
    let image = log
        .iter()
        .filter(|l| l.contains("path=/img/revalidation."))
        .count();
    assert_eq!(
        image, 1,
        "{runtime}: requests of the fingerprinted image: {log:#?}"
    );
    // The component's own log agrees with the browser.
    let log = served.access_log();
    assert!(
        log.iter()
            .any(|l| l.contains("status=304") && l.contains("decided-by=if-none-match")),
        "{runtime}: {log:#?}"
    );
}

runtime_tests!(a_browser_revalidates_and_sees_changes,);
