//! `serve SITE_DIR`: the site under Spin or wasmtime, with the component
//! that came with this tool (beside its binary: the release files, the
//! installed plugin) or the one `--component` names.
//!
//! Spin is found as `$SPIN`, then the Spin that runs this tool as a plugin
//! (`$SPIN_BIN_PATH`), then `spin` on PATH; wasmtime as `$WASMTIME` or on
//! PATH. Files are read where they are (`spin up --direct-mounts`,
//! `wasmtime serve --dir`), so an edit is seen within
//! `FILE_CHECK_INTERVAL_MS`. The component's settings set in this tool's
//! environment (`CACHE_CONTROL=...`) are passed on.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

/// The components' file names, as the release files have them.
pub const WASIP3_COMPONENT: &str = "http-caching-server-wasip3.wasm";
pub const WASIP2_COMPONENT: &str = "http-caching-server-wasip2.wasm";

#[derive(Debug, clap::Args)]
pub struct Options {
    /// The site directory.
    pub site_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub addr: String,
    /// Force a runtime; by default Spin when one is found, else wasmtime.
    #[arg(long, value_parser = ["spin", "wasmtime"])]
    pub runtime: Option<String>,
    /// Serve the WASIp2 component (Spin before 4.1 gets it anyway).
    #[arg(long)]
    pub wasip2: bool,
    /// The component to serve, instead of the one beside this tool.
    #[arg(long)]
    pub component: Option<PathBuf>,
}

pub fn serve(options: &Options) -> Result<ExitCode> {
    let site = std::path::absolute(&options.site_dir)?;
    let spin = match options.runtime.as_deref() {
        Some("wasmtime") => None,
        Some(_) => Some(find_spin().context("--runtime spin: no Spin ($SPIN or PATH)")?),
        None => find_spin(),
    };
    let mut wasip2 = options.wasip2;
    if let Some(spin) = &spin {
        let version = harness::tools::spin_version_text(spin)?;
        if !wasip2 && harness::tools::check_spin_version(&version).is_err() {
            eprintln!("http-caching-site: {version} runs only the WASIp2 component: serving it");
            wasip2 = true;
        }
    }
    let component = match &options.component {
        Some(path) => path.clone(),
        None => beside_this_tool(if wasip2 {
            WASIP2_COMPONENT
        } else {
            WASIP3_COMPONENT
        })?,
    };
    let component = std::path::absolute(component)?;
    let addr = &options.addr;
    // The component's settings in this tool's environment, passed on.
    let settings: Vec<String> = http_caching_server::SETTINGS
        .iter()
        .filter_map(|setting| {
            let value = std::env::var(setting.name).ok()?;
            Some(format!("{}={value}", setting.name))
        })
        .collect();
    let env_args = settings
        .iter()
        .flat_map(|setting| ["--env", setting.as_str()]);
    let status = match spin {
        Some(spin) => {
            let app = tempfile::tempdir()?;
            let manifest = app.path().join("spin.toml");
            std::fs::write(&manifest, spin_manifest(&component, &site))?;
            eprintln!(
                "http-caching-site: serving {} with {} on http://{addr}/",
                site.display(),
                spin.display()
            );
            Command::new(spin)
                .arg("up")
                .arg("--from")
                .arg(&manifest)
                .args(["--direct-mounts", "--listen", addr])
                .args(env_args)
                .status()
        }
        None => {
            let wasmtime = harness::tools::find_wasmtime()
                .context("neither Spin nor wasmtime found ($SPIN, $WASMTIME or PATH)")?;
            eprintln!(
                "http-caching-site: serving {} with {} on http://{addr}/",
                site.display(),
                wasmtime.display()
            );
            Command::new(wasmtime)
                .args(["serve", if wasip2 { "-Sp3=n" } else { "-Sp3" }, "-Scli"])
                .arg("--dir")
                .arg(format!("{}::/", site.display()))
                .args(["--addr", addr])
                .args(env_args)
                .arg(&component)
                .status()
        }
    }
    .context("starting the runtime")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Spin: `$SPIN`, the Spin running this plugin, or `spin` on PATH.
fn find_spin() -> Option<PathBuf> {
    let named = |name: &str| {
        std::env::var_os(name)
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
    };
    named("SPIN")
        .or_else(|| named("SPIN_BIN_PATH").filter(|path| path.is_file()))
        .or_else(harness::tools::find_spin)
}

/// The file `name` in the directory of this tool's binary.
pub fn beside_this_tool(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("where this tool is")?;
    let path = exe.parent().map(|dir| dir.join(name)).unwrap_or_default();
    if !path.is_file() {
        bail!(
            "{}: not found beside this tool; name a component with --component",
            path.display()
        );
    }
    Ok(path)
}

/// A Spin app of one component serving `site` at `/...`.
fn spin_manifest(component: &Path, site: &Path) -> String {
    format!(
        "spin_manifest_version = 2\n\n[application]\nname = \"http-caching-site\"\n\n\
         [[trigger.http]]\nroute = \"/...\"\ncomponent = \"site\"\n\n\
         [component.site]\nsource = {}\nfiles = [{{ source = {}, destination = \"/\" }}]\n",
        toml_string(&component.display().to_string()),
        toml_string(&site.display().to_string())
    )
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
