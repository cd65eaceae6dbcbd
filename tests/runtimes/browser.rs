//! A real browser against the component serving the demo site (`static/`):
//! Debian's Chromium, driven by tests/browser/reload.mjs (playwright-core).
//! The first load is a 200 with a stylesheet, a script and an image; a reload
//! a 304 answered from the browser's cache, with each of those revalidated or
//! taken from the cache; a missing page the site's 404 page; after the file
//! changes a reload is a 200 with the new page. Saves a screenshot under
//! target/browser. Then the rules of `_headers` and `_redirects` in the
//! browser (tests/browser/site_rules.mjs).

use crate::support;

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

/// Chromium's path, or None when a tool is missing and the test may skip
/// (it fails when the tools are required).
fn chromium_or_skip(root: &Path) -> Option<PathBuf> {
    match browser_tools(root) {
        Ok(chromium) => Some(chromium),
        Err(missing) => {
            assert!(!tools_required(), "the browser test is required: {missing}");
            eprintln!("skipped: {missing}");
            None
        }
    }
}

/// Runs a script of tests/browser with node and `args`; its output, after
/// asserting that it succeeded.
fn run_script(
    runtime: Runtime,
    root: &Path,
    chromium: &Path,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> String {
    let output = Command::new("node")
        .current_dir(root.join("tests/browser"))
        .env("CHROMIUM", chromium)
        .arg(script)
        .args(args)
        .output()
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{runtime}:\n{stdout}");
    assert!(
        output.status.success(),
        "{runtime}: {script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

fn a_browser_revalidates_and_sees_changes(runtime: Runtime) {
    let root = harness::tools::workspace_root();
    let Some(chromium) = chromium_or_skip(&root) else {
        return;
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
    let page_url = format!("http://{}/", served.addr());
    let page_file = served.path("index.html");
    let stdout = run_script(
        runtime,
        &root,
        &chromium,
        "reload.mjs",
        &[page_url.as_ref(), page_file.as_ref(), screenshot.as_ref()],
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

/// The rules of `_headers` and `_redirects` in Chromium
/// (tests/browser/site_rules.mjs): a Content-Security-Policy blocks an
/// inline script and is still in force after a 304; a page on one origin
/// reads JSON from the component on another origin only where `_headers`
/// allows it, preflight included, and from an allow-list only where it names
/// the page's origin; a moved page moves the browser; a page that Basic-Auth
/// protects is shown only after Chromium logs in, and revalidated with 304.
fn the_site_rules_in_a_browser(runtime: Runtime) {
    let root = harness::tools::workspace_root();
    let Some(chromium) = chromium_or_skip(&root) else {
        return;
    };
    let rules_site = root.join("tests/browser/rules-site");
    // A copy of the site whose rules name `origin` where they allow one.
    let copy = |origin: &str| {
        let dir = tempfile::tempdir().unwrap();
        harness::trees::copy_tree(&rules_site, dir.path()).unwrap();
        let rules = dir.path().join("_headers");
        let text = std::fs::read_to_string(&rules).unwrap();
        std::fs::write(&rules, text.replace("ORIGIN_OF_THE_PAGE", origin)).unwrap();
        let built = site_build::build_site(dir.path()).unwrap();
        assert!(built.problems.is_empty(), "{:?}", built.problems);
        dir
    };
    // The page's origin, then the API's, whose rules name the page's origin.
    let pages = Served::start_in(runtime, copy("http://page.invalid"), Mounts::Copied, &[]);
    let page_origin = format!("http://{}", pages.addr());
    let api = Served::start_in(runtime, copy(&page_origin), Mounts::Copied, &[]);
    let page_url = format!("{page_origin}/");
    let api_url = format!("http://{}/", api.addr());
    let stdout = run_script(
        runtime,
        &root,
        &chromium,
        "site_rules.mjs",
        &[page_url.as_ref(), api_url.as_ref()],
    );
    for step in [
        "csp: the inline script blocked",
        "reload: 304, the policy still in force",
        "no csp: the inline script ran",
        "cors allowed: 200",
        "cors refused:",
        "redirect: /new-page.html",
        "cors list allowed: 200",
        "cors list refused:",
        "basic-auth without credentials: refused",
        "basic-auth logged in: 200, then 304 on reload",
    ] {
        assert!(stdout.contains(step), "{runtime}: missing {step:?}");
    }
    // Chromium without credentials got the 401; logged in, a 200 and a 304.
    let log = pages.access_log();
    let members = |status: &str| {
        log.iter()
            .filter(|l| l.contains("path=/members/page.html") && l.contains(status))
            .count()
    };
    assert!(members("status=401") >= 1, "{runtime}: {log:#?}");
    assert_eq!(
        (members("status=200"), members("status=304")),
        (1, 1),
        "{runtime}: {log:#?}"
    );
    // The preflight reached the component, and was answered 204.
    let log = api.access_log();
    assert!(
        log.iter().any(|l| l.contains("OPTIONS")
            && l.contains("path=/api/data.json")
            && l.contains("status=204")),
        "{runtime}: no preflight in {log:#?}"
    );
}

runtime_tests!(
    a_browser_revalidates_and_sees_changes,
    the_site_rules_in_a_browser,
);
