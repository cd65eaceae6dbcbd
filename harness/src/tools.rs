//! Finding and building what the component needs: the workspace, the wasm
//! target, the component itself, and the runtimes that serve it (found, not
//! installed: installing is the commands' job, `xtask/src/install.rs`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

use crate::spec::{Runtime, Wasi};

/// The wasmtime CLI version that is installed when none is found. 50.x needs a
/// newer rustc than these machines have.
pub const WASMTIME_VERSION: &str = "48.0.8";
/// The Rust target of the component.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// The workspace root (where spin.toml is), found when the process runs,
/// never where it was compiled: two checkouts that share one
/// `CARGO_TARGET_DIR` share the xtask binary too (cargo finds it fresh for
/// both), so a path baked in at compile time (`env!("CARGO_MANIFEST_DIR")`)
/// would be the other checkout's. `cargo run` and `cargo test` set
/// `$CARGO_MANIFEST_DIR` to the package they run (`xtask/` or the core);
/// without it (the binary run by hand) the current directory is the start.
/// The root is the nearest directory upwards from there whose Cargo.toml
/// has a `[workspace]` and that holds `xtask/`.
///
/// Panics, saying so, outside a checkout of the project.
pub fn workspace_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let start = env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| env::current_dir().ok())
            .unwrap_or_default();
        find_workspace_root(&start).unwrap_or_else(|| {
            panic!(
                "no http-caching-server checkout at or above {}: run cargo xtask inside one",
                start.display()
            )
        })
    })
    .clone()
}

/// The nearest directory at or above `start` that is the project's
/// workspace root (a Cargo.toml with `[workspace]`, and `xtask/` beside it).
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            dir.join("xtask/Cargo.toml").is_file()
                && std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
}

/// Cargo's target directory for the workspace, as cargo itself resolves it
/// (`$CARGO_TARGET_DIR`, `build.target-dir`, else `target/`): asked of
/// `cargo metadata` once per process.
pub fn target_dir() -> Result<PathBuf> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let output = cargo()
            .current_dir(workspace_root())
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|err| format!("running cargo metadata: {err}"))?;
        serde_json::from_slice::<serde_json::Value>(&output.stdout)
            .ok()
            .and_then(|metadata| metadata["target_directory"].as_str().map(PathBuf::from))
            .ok_or_else(|| "cargo metadata gave no target_directory".to_string())
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// The cargo that runs this process (`$CARGO`), else `cargo` on PATH.
pub fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Adds the wasm target with rustup when it is missing (automatic toolchain
/// installs are switched off on some machines, so nothing else will).
pub fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup to list the installed targets")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    eprintln!("xtask: adding the Rust target {WASM_TARGET} (rustup target add)");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Builds the WASIp3 component (release) and returns the path of its .wasm
/// file. Built once per process.
pub fn build_component() -> Result<PathBuf> {
    build_artifact(Wasi::P3)
}

/// Builds the component's artifact of one WASI version (once per process)
/// and returns its .wasm file: WASIp3 from `wasip3/`, WASIp2 from `wasip2/`,
/// both in cargo's target directory (the core is a plain library, so the two
/// builds share it without overwriting each other). These run under every
/// runtime; see [`build_spin_artifact`] for Spin's own.
pub fn build_artifact(wasi: Wasi) -> Result<PathBuf> {
    built_once(wasi, false)
}

/// The Spin build of the artifact of `wasi` (once per process): the same
/// source as [`build_artifact`]'s with Spin variables and Spin's route
/// (packages `wasip3-spin/`, `wasip2-spin/`); it imports
/// `wasi:config/store`, so it runs under Spin only.
pub fn build_spin_artifact(wasi: Wasi) -> Result<PathBuf> {
    built_once(wasi, true)
}

/// The artifact a runtime is given: the Spin build under Spin (as the
/// project's spin.toml names it), the plain one under wasmtime.
pub fn artifact_for(runtime: Runtime, wasi: Wasi) -> Result<PathBuf> {
    match runtime {
        Runtime::Spin => build_spin_artifact(wasi),
        Runtime::Wasmtime => build_artifact(wasi),
    }
}

fn built_once(wasi: Wasi, spin: bool) -> Result<PathBuf> {
    static BUILT: [OnceLock<Result<PathBuf, String>>; 4] = [const { OnceLock::new() }; 4];
    let index = (wasi == Wasi::P2) as usize * 2 + spin as usize;
    BUILT[index]
        .get_or_init(|| {
            let (package, artifact) = entry_crate(wasi, spin);
            build_package(package, artifact).map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The entry crate of an artifact: its package and the name of its library,
/// whose .wasm is the artifact.
fn entry_crate(wasi: Wasi, spin: bool) -> (&'static str, &'static str) {
    match (wasi, spin) {
        (Wasi::P3, false) => ("http-caching-server-wasip3", "http_caching_server_wasip3"),
        (Wasi::P2, false) => ("http-caching-server-wasip2", "http_caching_server_wasip2"),
        (Wasi::P3, true) => (
            "http-caching-server-wasip3-spin",
            "http_caching_server_wasip3_spin",
        ),
        (Wasi::P2, true) => (
            "http-caching-server-wasip2-spin",
            "http_caching_server_wasip2_spin",
        ),
    }
}

/// Builds the artifact of `wasi` with the built site at `site` embedded in
/// it (feature `embedded`, `$HTTP_CACHING_SERVER_SITE`), in a target
/// directory of its own (`embedded/` under cargo's), and returns a copy of
/// it named for `label`, as `embedded/<label>-<wasi>.wasm`: artifacts of
/// different sites share cargo's file name, so builds in one process take
/// turns and each keeps its own copy. The site must be built already
/// (`site_build::build_site`).
pub fn build_embedded(wasi: Wasi, site: &Path, label: &str) -> Result<PathBuf> {
    static TURNS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = TURNS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = target_dir()?.join("embedded");
    let (package, artifact) = entry_crate(wasi, false);
    let site = site
        .canonicalize()
        .with_context(|| format!("the site to embed, {}", site.display()))?;
    let built = build_wasm_with(
        &[
            "--package".into(),
            package.into(),
            "--features".into(),
            "embedded".into(),
            "--target-dir".into(),
            dir.clone().into(),
        ],
        artifact,
        &[("HTTP_CACHING_SERVER_SITE", site.as_os_str())],
    )?;
    let copy = dir.join(format!("{label}-{wasi}.wasm"));
    std::fs::copy(&built, &copy).with_context(|| format!("copying {}", built.display()))?;
    Ok(copy)
}

/// The generic embedded component of `wasi` (once per process and size):
/// the `embedded` feature built without a site, with a region of
/// `region_mib` MiB that `http-caching-site embed` writes a site into
/// (`embedded/src/region.rs`), in a target directory of its own.
pub fn build_generic_embedded(wasi: Wasi, region_mib: u32) -> Result<PathBuf> {
    type Built = Vec<((Wasi, u32), Result<PathBuf, String>)>;
    static BUILT: std::sync::Mutex<Built> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, result)) = built.iter().find(|(key, _)| *key == (wasi, region_mib)) {
        return result.clone().map_err(anyhow::Error::msg);
    }
    let (package, artifact) = entry_crate(wasi, false);
    let mib = region_mib.to_string();
    let result = target_dir()
        .and_then(|dir| {
            build_wasm_with(
                &[
                    "--package".into(),
                    package.into(),
                    "--features".into(),
                    "embedded".into(),
                    "--target-dir".into(),
                    dir.join(format!("embedded-generic-{region_mib}")).into(),
                ],
                artifact,
                &[
                    ("HTTP_CACHING_SERVER_SITE", std::ffi::OsStr::new("")),
                    ("HTTP_CACHING_SERVER_REGION_MIB", std::ffi::OsStr::new(&mib)),
                ],
            )
        })
        .map_err(|e| format!("{e:#}"));
    built.push(((wasi, region_mib), result.clone()));
    result.map_err(anyhow::Error::msg)
}

/// Builds a package of the workspace for the wasm target and returns its
/// .wasm file, as cargo reports it (so that `$CARGO_TARGET_DIR` is honoured).
pub fn build_package(package: &str, artifact: &str) -> Result<PathBuf> {
    build_wasm(&["--package".into(), package.into()], artifact)
}

/// Runs `cargo build --release --target wasm32-wasip2` with `more` arguments
/// and returns the .wasm file of the library `artifact` from cargo's JSON
/// messages.
pub fn build_wasm(more: &[std::ffi::OsString], artifact: &str) -> Result<PathBuf> {
    build_wasm_with(more, artifact, &[])
}

/// [`build_wasm`] with more environment variables for cargo.
fn build_wasm_with(
    more: &[std::ffi::OsString],
    artifact: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> Result<PathBuf> {
    ensure_wasm_target()?;
    let output = cargo()
        .current_dir(workspace_root())
        .envs(env.iter().copied())
        .args(["build", "--quiet", "--release", "--target", WASM_TARGET])
        .args(more)
        .arg("--message-format=json-render-diagnostics")
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("starting cargo build for {artifact}"))?;
    if !output.status.success() {
        bail!("building {artifact} for {WASM_TARGET} failed");
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == artifact
        })
        .flat_map(|message| message["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|name| name.as_str().map(PathBuf::from))
        .find(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .with_context(|| format!("cargo reported no .wasm file for {artifact}"))
}

/// The wasmtime CLI: `$WASMTIME`, else `wasmtime` on PATH or in cargo's bin
/// directory. None when there is none.
pub fn find_wasmtime() -> Option<PathBuf> {
    if let Some(path) = env::var_os("WASMTIME") {
        return Some(PathBuf::from(path));
    }
    find_program("wasmtime")
}

/// The Spin CLI named by `$SPIN`, or `spin` on PATH. Spin is in no package
/// registry these machines reach, so it is used only where it is already present.
pub fn find_spin() -> Option<PathBuf> {
    match env::var_os("SPIN") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => find_program("spin"),
    }
}

/// A Spin 4.0.x, the line SpinKube's shim moves to, which runs the WASIp2
/// artifact only: `$SPIN_4_0`, else `../shared/spin-4.0/spin` beside the
/// checkout when it is there. None when there is none.
pub fn find_spin_4_0() -> Option<PathBuf> {
    match env::var_os("SPIN_4_0") {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            let shared = workspace_root().join("../shared/spin-4.0/spin");
            shared.is_file().then_some(shared)
        }
    }
}

/// The oldest Spin that runs the component: spin-sdk 7 exports the final
/// `wasi:http/handler@0.3.0`, which Spin 4.0.x does not know (it knows only a
/// 0.3.0 release candidate).
pub const SPIN_MINIMUM: (u64, u64) = (4, 1);

/// `spin --version`, checked against [`SPIN_MINIMUM`]: an older Spin fails
/// with what to do.
pub fn spin_version(spin: &Path) -> Result<String> {
    let text = spin_version_text(spin)?;
    check_spin_version(&text).with_context(|| format!("{}", spin.display()))?;
    Ok(text)
}

/// What `spin --version` says, unchecked: the WASIp2 artifact runs on older
/// Spin too.
pub fn spin_version_text(spin: &Path) -> Result<String> {
    let output = Command::new(spin)
        .arg("--version")
        .output()
        .with_context(|| format!("running {} --version", spin.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Checks the output of `spin --version` (`spin 4.1.0-pre0 (94a8fc8a ...)`)
/// against [`SPIN_MINIMUM`].
pub fn check_spin_version(text: &str) -> Result<()> {
    let version = text
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("unexpected `spin --version` output: {text:?}"))?;
    let mut numbers = version
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u64>().unwrap_or(0));
    let found = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    if found < SPIN_MINIMUM {
        bail!(
            "this is {text}; the component needs Spin {}.{} or later (it exports \
             wasi:http/handler@0.3.0, which older Spin does not know). Install a newer Spin, \
             point $SPIN at one, use `--runtime wasmtime`, or serve the WASIp2 artifact \
             (`--wasip2`), which older Spin runs",
            SPIN_MINIMUM.0,
            SPIN_MINIMUM.1
        );
    }
    Ok(())
}

/// A program on PATH, or in cargo's bin directory.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo").join("bin"));
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Runs a command to completion, failing with its command line if it fails.
pub fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("starting {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_versions_before_4_1_are_refused() {
        let cases = [
            ("spin 4.1.0-pre0 (94a8fc8a 2026-08-21)", true),
            ("spin 4.1.2", true),
            ("spin 4.10.0", true),
            ("spin 5.0.0 (abc)", true),
            ("spin 4.0.2 (abc 2026-01-01)", false),
            ("spin 3.6.0", false),
            ("spin 2.7.0", false),
            ("spin", false),
        ];
        for (text, runs) in cases {
            assert_eq!(check_spin_version(text).is_ok(), runs, "{text}");
        }
    }
}
