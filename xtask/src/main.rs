//! `cargo xtask <command>`: the project's commands.
//!
//! - `serve [--addr 127.0.0.1:8081] [--runtime spin|wasmtime]`: build the
//!   component and serve `static/` with Spin when a Spin binary is present,
//!   else with wasmtime (installed, pinned, when missing).
//! - `test`: install what the tests need, then run the whole test suite.
//! - `bench`: the benchmark (see bench.rs).
//! - `soak`: the long load test (see soak.rs).

use std::env;
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use xtask::tools;

mod bench;
mod load;
mod soak;

/// The configuration variables that `serve` passes on from its own environment.
const PASSED_ON: [&str; 6] = [
    "ACCESS_LOG",
    "CACHE_CONTROL",
    "FILE_CHECK_INTERVAL_MS",
    "LAST_MODIFIED",
    "DOCUMENT_ROOT",
    "MAX_FILE_BYTES",
];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("soak") => soak::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask serve [--addr ADDR] [--runtime spin|wasmtime] | test | bench | soak"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Reads `--name value` from the arguments.
pub fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn serve(args: &[String]) -> Result<()> {
    let addr = option(args, "--addr").unwrap_or("127.0.0.1:8081");
    let runtime = match option(args, "--runtime") {
        Some("spin") => {
            Some(tools::find_spin().context("--runtime spin: no Spin binary ($SPIN or PATH)")?)
        }
        Some("wasmtime") => None,
        Some(other) => bail!("unknown runtime {other:?}: use spin or wasmtime"),
        None => tools::find_spin(),
    };
    tools::ensure_wasm_target()?;
    let root = tools::workspace_root();
    let passed_on: Vec<String> = PASSED_ON
        .iter()
        .filter_map(|name| env::var(name).ok().map(|value| format!("{name}={value}")))
        .collect();
    let mut command = if let Some(spin) = runtime {
        eprintln!(
            "xtask: serving with Spin ({}) on http://{addr}/",
            spin.display()
        );
        let mut command = Command::new(spin);
        command
            .current_dir(&root)
            .args(["up", "--build", "--listen", addr]);
        for pair in &passed_on {
            command.arg("--env").arg(pair);
        }
        command
    } else {
        let wasmtime = tools::wasmtime()?;
        eprintln!("xtask: building the component");
        let component = tools::build_component()?;
        eprintln!(
            "xtask: serving with {} on http://{addr}/ (no Spin binary found)",
            wasmtime.display()
        );
        let mut command = Command::new(wasmtime);
        command.current_dir(&root).args([
            "serve",
            "-Sp3",
            "-Scli",
            "--dir",
            "static::/",
            "--addr",
            addr,
        ]);
        for pair in &passed_on {
            command.arg("--env").arg(pair);
        }
        command.arg(component);
        command
    };
    tools::run(&mut command)
}

/// Installs what the tests need (scripts/install-test-tools) unless
/// `--no-install`, then runs the whole suite. With the tools installed, the
/// browser and shared-cache tests must run; with `--no-install` they skip when
/// their tools are missing. Other arguments go to `cargo test`.
fn test(args: &[String]) -> Result<()> {
    let install = !args.iter().any(|a| a == "--no-install");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--no-install").collect();
    tools::ensure_wasm_target()?;
    let root = tools::workspace_root();
    if install {
        tools::run(&mut Command::new(root.join("scripts/install-test-tools")))
            .context("installing the tools the tests need (use --no-install to skip)")?;
    }
    let wasmtime = tools::wasmtime()?;
    let mut command = tools::cargo();
    command
        .current_dir(&root)
        .env("WASMTIME", &wasmtime)
        .args(["test", "--workspace"])
        .args(args)
        .stdout(Stdio::piped());
    if install {
        command.env("REQUIRE_CLIENT_TOOLS", "1");
    }
    let mut child = command.spawn().context("starting cargo test")?;
    let stdout = child.stdout.take().context("cargo test's output")?;
    let (mut passed, mut failed, mut ignored) = (0u64, 0u64, 0u64);
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(counts) = line.strip_prefix("test result: ") {
            passed += count_before(counts, " passed");
            failed += count_before(counts, " failed");
            ignored += count_before(counts, " ignored");
        }
    }
    let status = child.wait()?;
    // One closing line for the whole suite, over all test binaries.
    println!("tests: {passed} passed, {failed} failed, {ignored} skipped");
    if !status.success() {
        bail!("cargo test failed with {status}");
    }
    if passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

/// The number just before `label` in a `test result:` line.
fn count_before(line: &str, label: &str) -> u64 {
    line.split(';')
        .find_map(|part| part.trim().strip_suffix(label))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
