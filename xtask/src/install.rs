//! The one place that installs what the project's commands and tests need,
//! and reuses what is already there: the pinned wasmtime CLI (crates.io),
//! Debian's packages, and playwright-core (npm). Everything else asks here.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use harness::tools::{self, WASMTIME_VERSION, cargo, run, workspace_root};

/// An external program the commands or tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Serves the component (every runtime test, the benchmark).
    Wasmtime,
    /// The shared cache of the tests, the benchmark's comparison.
    Nginx,
    /// The load generator of the benchmark and the soak.
    Wrk,
    /// Chromium and ChromeDriver, for the browser test.
    Chromium,
    /// A real OCI registry, for the deployment test.
    Registry,
    /// playwright-core, which drives Debian's Chromium.
    Playwright,
    /// The client of the benchmark's large-file run.
    Curl,
}

impl Tool {
    /// Everything the test suite uses.
    pub const FOR_TESTS: [Tool; 6] = [
        Tool::Wasmtime,
        Tool::Nginx,
        Tool::Wrk,
        Tool::Chromium,
        Tool::Registry,
        Tool::Playwright,
    ];

    /// The Debian packages that bring it, with the file that shows it is there.
    fn debian(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Tool::Nginx => &[("nginx-light", "/usr/sbin/nginx")],
            Tool::Wrk => &[("wrk", "/usr/bin/wrk")],
            Tool::Curl => &[("curl", "/usr/bin/curl")],
            Tool::Chromium => &[
                ("chromium", "/usr/bin/chromium"),
                ("chromium-driver", "/usr/bin/chromedriver"),
            ],
            Tool::Registry => &[("docker-registry", harness::registry::PROGRAM)],
            Tool::Wasmtime | Tool::Playwright => &[],
        }
    }
}

/// Makes sure each tool is there, installing what is missing: one
/// `apt-get install` for all missing Debian packages.
pub fn ensure(wanted: &[Tool]) -> Result<()> {
    tools::ensure_wasm_target()?;
    if wanted.contains(&Tool::Wasmtime) {
        wasmtime()?;
    }
    let missing: Vec<&str> = wanted
        .iter()
        .flat_map(|tool| tool.debian())
        .filter(|(_, file)| !Path::new(file).is_file())
        .map(|(package, _)| *package)
        .collect();
    if !missing.is_empty() {
        eprintln!("install: Debian packages {}", missing.join(" "));
        run(Command::new("apt-get").args(["update", "-qq"]))
            .context("apt-get update (run as root)")?;
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"))
        .context("apt-get install (run as root)")?;
    }
    if wanted.contains(&Tool::Playwright) {
        let browser = workspace_root().join("tests/browser");
        if !browser.join("node_modules/playwright-core").is_dir() {
            eprintln!("install: playwright-core (npm) for the browser test");
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--prefix"])
                .arg(&browser))?;
        }
    }
    Ok(())
}

/// The wasmtime CLI, installed from crates.io (pinned) when none is found.
pub fn wasmtime() -> Result<std::path::PathBuf> {
    if let Some(path) = tools::find_wasmtime() {
        return Ok(path);
    }
    eprintln!(
        "install: no wasmtime found; installing wasmtime-cli {WASMTIME_VERSION} from crates.io \
         (cargo install --locked). This compiles wasmtime and takes about 10 minutes on 2 cores; \
         it happens once."
    );
    run(cargo().args([
        "install",
        "wasmtime-cli",
        "--version",
        WASMTIME_VERSION,
        "--locked",
    ]))?;
    match tools::find_wasmtime() {
        Some(path) => Ok(path),
        None => bail!("wasmtime was installed but is not on PATH nor in ~/.cargo/bin"),
    }
}
