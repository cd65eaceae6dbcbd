//! `cargo xtask <command>`: the project's commands. `cargo xtask --help`
//! lists them; `cargo xtask <command> --help` says what each one does.

use std::env;
use std::io::{BufRead, BufReader};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use harness::runtime::{Runtime, ServerSpec, Wasi};
use harness::tools;
use install::Tool;

/// The manifest of the WASIp2 artifact, beside spin.toml.
const WASIP2_MANIFEST: &str = "spin-wasip2.toml";

mod bench;
mod install;
mod load;
mod soak;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, serve, test and measure http-caching-server"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build the component and serve static/ (or SITE_DIR) on
    /// 127.0.0.1:8081: with Spin when one is found ($SPIN or PATH), else
    /// with wasmtime (installed, pinned, when missing). A Spin older than
    /// 4.1 serves the WASIp2 artifact. Configuration variables in the
    /// environment are passed on.
    Serve(ServeOptions),
    /// The build step (spin.toml's `build`): the wasm component, and the site
    /// manifest in static/ (MD5, length and time of each file).
    Build(BuildOptions),
    /// Install what the tests need (wasmtime, nginx, wrk, Chromium,
    /// docker-registry, playwright-core), then run the whole suite under
    /// wasmtime and Spin; ends with `tests: N passed, ...`.
    Test(TestOptions),
    /// Build, then push the app to an OCI registry with `spin registry push`,
    /// and print the reference to run with `spin up --from`.
    Deploy(DeployOptions),
    /// The benchmark: the component against its runtime's floor component
    /// and nginx, with wrk; writes bench/results/DATE/.
    Bench(bench::Options),
    /// A long mixed load (200, 304, 206, 404) with a memory check.
    Soak(soak::Options),
    /// The release files in target/dist/: both components and their Spin
    /// builds, the four generic embedded components, the build step as a
    /// tool and as a Spin plugin, the Spin template, SHA256SUMS and
    /// release.md.
    Dist(DistOptions),
}

#[derive(Debug, clap::Args)]
struct DistOptions {
    /// Where the template's components are fetched from (the release's
    /// download URL; the file names are joined to it).
    #[arg(long)]
    base_url: Option<String>,
    /// The directory written (emptied first); target/dist by default.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ServeOptions {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8081")]
    addr: String,
    /// Force a runtime; by default Spin when one is found, else wasmtime.
    #[arg(long, value_enum)]
    runtime: Option<RuntimeChoice>,
    /// Serve the WASIp2 artifact (spin-wasip2.toml; wasmtime with -Sp3=n).
    #[arg(long)]
    wasip2: bool,
    /// A site directory to serve instead of static/ (built first, files
    /// read where they are), as `http-caching-site serve` does.
    site_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RuntimeChoice {
    Spin,
    Wasmtime,
}

#[derive(Debug, clap::Args)]
struct TestOptions {
    /// Do not install Debian and npm packages; the browser, shared-cache and
    /// registry tests then skip, with a message, when their tools are missing.
    #[arg(long)]
    no_install: bool,
    /// More arguments for `cargo test`, after `--`: `cargo xtask test -- --test runtimes http::`.
    #[arg(last = true)]
    cargo_test_args: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BuildOptions {
    /// Build the embedded artifacts instead: the site directory (default
    /// static/) built and put inside a WASIp3 and a WASIp2 component, every
    /// per-file decision made now; written to target/embedded/ with Spin
    /// manifests that mount nothing (target/embedded/spin.toml,
    /// spin-wasip2.toml).
    #[arg(long, value_name = "SITE_DIR", num_args = 0..=1, default_missing_value = "static")]
    embed: Option<PathBuf>,
    /// The largest site `--embed` takes, in MiB (variants included): Akamai
    /// Functions allows 50 MiB per application.
    #[arg(long, default_value_t = 50)]
    max_site_mib: u64,
}

#[derive(Debug, clap::Args)]
struct DeployOptions {
    /// The OCI reference, such as localhost:5000/http-caching-server:0.1.0.
    reference: String,
    /// Talk to the registry over plain HTTP / without certificate checks.
    #[arg(long)]
    insecure: bool,
    /// Push the WASIp2 artifact (spin-wasip2.toml), for Spin 4.0.x and the
    /// hosts that run WASIp2.
    #[arg(long)]
    wasip2: bool,
    /// Push the embedded artifact of static/ (`build --embed`): the site
    /// inside the component, nothing mounted.
    #[arg(long)]
    embed: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::Serve(options) => serve(options),
        Task::Build(BuildOptions {
            embed: Some(site),
            max_site_mib,
        }) => build_embedded(&site, max_site_mib).map(|_| ()),
        Task::Build(_) => build_for(Wasi::P3).map(|_| ()),
        Task::Test(options) => test(options),
        Task::Deploy(options) => deploy(options),
        Task::Bench(options) => bench::run(options),
        Task::Soak(options) => soak::run(options),
        Task::Dist(options) => dist(options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The build step: both artifacts (WASIp3, WASIp2) and their Spin builds
/// (which the Spin manifests name), the precompressed variants and the site
/// manifest of static/. Returns the plain artifact of `wasi`.
fn build_for(wasi: Wasi) -> Result<PathBuf> {
    let p3 = tools::build_artifact(Wasi::P3)?;
    let p2 = tools::build_artifact(Wasi::P2)?;
    for wasi in [Wasi::P3, Wasi::P2] {
        place_artifact(
            &tools::build_spin_artifact(wasi)?,
            &harness::spin::component_source(manifest_for(wasi))?,
        )?;
    }
    // The site's build step, as the tool runs it on any directory.
    http_caching_site::build(&tools::workspace_root().join("static"))?;
    eprintln!(
        "xtask: built {} (WASIp3) and {} (WASIp2), and their Spin builds",
        p3.display(),
        p2.display()
    );
    Ok(match wasi {
        Wasi::P3 => p3,
        Wasi::P2 => p2,
    })
}

/// Puts a built artifact where its Spin manifest's `source` names it, when
/// cargo built it elsewhere (`$CARGO_TARGET_DIR` or `build.target-dir` set):
/// written aside and renamed, so that a running Spin never reads half of it.
fn place_artifact(built: &std::path::Path, source: &std::path::Path) -> Result<()> {
    let same = match (built.canonicalize(), source.canonicalize()) {
        (Ok(built), Ok(source)) => built == source,
        _ => false,
    };
    if same {
        return Ok(());
    }
    if let Some(dir) = source.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let aside = site_build::aside::aside_path(source);
    std::fs::copy(built, &aside).with_context(|| format!("copying {}", built.display()))?;
    std::fs::rename(&aside, source).with_context(|| format!("writing {}", source.display()))?;
    eprintln!(
        "xtask: copied {} to {}, where the Spin manifest names it",
        built.display(),
        source.display()
    );
    Ok(())
}

/// `build --embed`: builds the site at `site` (relative to the workspace
/// unless absolute), refuses it over `max_mib` MiB naming its largest files,
/// builds both artifacts with it embedded, and writes their Spin manifests
/// (the project's, with the artifact as the source and no `files`). Returns
/// the manifests of the WASIp3 and the WASIp2 artifact.
fn build_embedded(site: &std::path::Path, max_mib: u64) -> Result<(PathBuf, PathBuf)> {
    let root = tools::workspace_root();
    let site = root.join(site);
    print_rule_problems(&site_build::build_site(&site)?.problems);
    let table = site_build::embed::table(&site)?;
    if table.bytes > max_mib * 1024 * 1024 {
        let mut largest: Vec<&site_build::embed::Entry> = table.files.iter().collect();
        largest.sort_by_key(|entry| {
            std::cmp::Reverse(std::fs::metadata(&entry.file).map_or(0, |m| m.len()))
        });
        let names: Vec<String> = largest
            .iter()
            .take(5)
            .map(|entry| {
                let bytes = std::fs::metadata(&entry.file).map_or(0, |m| m.len());
                format!("{} ({:.1} MiB)", entry.path, bytes as f64 / 1048576.0)
            })
            .collect();
        bail!(
            "{}: {:.1} MiB with its variants, over the limit of {max_mib} MiB (--max-site-mib); \
             the largest files: {}",
            site.display(),
            table.bytes as f64 / 1048576.0,
            names.join(", ")
        );
    }
    let out = tools::target_dir()?.join("embedded");
    let mut manifests = Vec::new();
    for wasi in [Wasi::P3, Wasi::P2] {
        let artifact = tools::build_embedded(wasi, &site, "site")?;
        let project = std::fs::read_to_string(root.join("spin.toml"))?;
        let manifest = out.join(match wasi {
            Wasi::P3 => "spin.toml",
            Wasi::P2 => "spin-wasip2.toml",
        });
        // Aside, then renamed: two deployments may build at once.
        let aside = site_build::aside::aside_path(&manifest);
        std::fs::write(
            &aside,
            harness::spin::embedded_manifest_for(&project, &artifact)?,
        )?;
        std::fs::rename(&aside, &manifest)?;
        eprintln!(
            "xtask: built {} ({wasi}, {} bytes) with {} ({} files, {} bytes) embedded; run it: \
             spin up --from {}",
            artifact.display(),
            std::fs::metadata(&artifact)?.len(),
            site.display(),
            table.files.len(),
            table.bytes,
            manifest.display()
        );
        manifests.push(manifest);
    }
    Ok((manifests[0].clone(), manifests[1].clone()))
}

/// The manifest that runs the artifact of `wasi`.
fn manifest_for(wasi: Wasi) -> &'static str {
    match wasi {
        Wasi::P3 => "spin.toml",
        Wasi::P2 => WASIP2_MANIFEST,
    }
}

fn serve(options: ServeOptions) -> Result<()> {
    if let Some(site_dir) = options.site_dir {
        return serve_dir(site_dir, options.addr, options.runtime, options.wasip2);
    }
    let addr = options.addr.as_str();
    let wasi = if options.wasip2 { Wasi::P2 } else { Wasi::P3 };
    let spin = match options.runtime {
        Some(RuntimeChoice::Spin) => {
            Some(tools::find_spin().context("--runtime spin: no Spin binary ($SPIN or PATH)")?)
        }
        Some(RuntimeChoice::Wasmtime) => None,
        None => tools::find_spin(),
    };
    let root = tools::workspace_root();
    // The component's settings that `serve` passes on from its own environment.
    let passed_on: Vec<(&str, String)> = http_caching_server::SETTINGS
        .iter()
        .filter_map(|setting| {
            env::var(setting.name)
                .ok()
                .map(|value| (setting.name, value))
        })
        .collect();
    let mut command = if let Some(spin) = spin {
        let version = tools::spin_version_text(&spin)?;
        let wasi = match (wasi, tools::check_spin_version(&version)) {
            (Wasi::P3, Err(_)) => {
                // Spin before 4.1 knows only a release candidate of WASIp3:
                // it runs the WASIp2 artifact.
                eprintln!(
                    "xtask: {version} runs only the WASIp2 artifact (the WASIp3 one needs Spin \
                     {}.{} or later): serving the WASIp2 artifact",
                    tools::SPIN_MINIMUM.0,
                    tools::SPIN_MINIMUM.1
                );
                Wasi::P2
            }
            (wasi, _) => wasi,
        };
        eprintln!(
            "xtask: serving the {wasi} artifact with Spin ({}, {version}) on http://{addr}/",
            spin.display()
        );
        // `spin up --build` runs the manifest's build command: `cargo xtask build`.
        let mut command = Command::new(spin);
        command.current_dir(&root).args([
            "up",
            "--from",
            manifest_for(wasi),
            "--build",
            "--listen",
            addr,
        ]);
        for (name, value) in &passed_on {
            command.arg("--env").arg(format!("{name}={value}"));
        }
        command
    } else {
        let wasmtime = install::wasmtime()?;
        eprintln!("xtask: building the component");
        let component = build_for(wasi)?;
        eprintln!(
            "xtask: serving the {wasi} artifact with {} on http://{addr}/ (no Spin binary found)",
            wasmtime.display()
        );
        // The tests' own wasmtime command: spin.toml's environment, as Spin
        // would give it, with the caller's over it.
        let mut spec =
            ServerSpec::new(Runtime::Wasmtime, &component, &root.join("static"))?.wasi(wasi);
        spec.addr = addr
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .with_context(|| format!("--addr {addr}: not an address"))?;
        for (name, value) in &passed_on {
            spec = spec.env(name, value);
        }
        harness::runtime::wasmtime_command(&spec)?
    };
    tools::run(&mut command)
}

/// `serve SITE_DIR`: the tool's `serve`, with the artifact built here.
fn serve_dir(
    site_dir: PathBuf,
    addr: String,
    runtime: Option<RuntimeChoice>,
    wasip2: bool,
) -> Result<()> {
    let spin = match runtime {
        Some(RuntimeChoice::Wasmtime) => None,
        _ => tools::find_spin(),
    };
    // A Spin before 4.1 runs the WASIp2 artifact only.
    let too_old = match &spin {
        Some(spin) => tools::check_spin_version(&tools::spin_version_text(spin)?).is_err(),
        None => false,
    };
    if spin.is_none() {
        install::wasmtime()?;
    }
    let wasi = if wasip2 || too_old {
        Wasi::P2
    } else {
        Wasi::P3
    };
    let options = http_caching_site::serve::Options {
        site_dir: site_dir.clone(),
        addr,
        runtime: runtime.map(|r| format!("{r:?}").to_ascii_lowercase()),
        wasip2: wasi == Wasi::P2,
        component: Some(tools::build_artifact(wasi)?),
    };
    http_caching_site::build(&site_dir)?;
    http_caching_site::serve::serve(&options).map(|_| ())
}

fn dist(options: DistOptions) -> Result<()> {
    let out = match options.out {
        Some(out) => out,
        None => tools::target_dir()?.join("dist"),
    };
    let base_url = options
        .base_url
        .unwrap_or_else(harness::dist::default_base_url);
    let dist = harness::dist::write(&out, base_url.trim_end_matches('/'))?;
    for (name, sha) in &dist.digests {
        println!("{sha}  {name}");
    }
    eprintln!(
        "xtask: release files in {}; release.md says what to paste",
        dist.dir.display()
    );
    Ok(())
}

fn deploy(options: DeployOptions) -> Result<()> {
    let spin = tools::find_spin().context("deploy needs Spin ($SPIN or PATH)")?;
    let wasi = if options.wasip2 { Wasi::P2 } else { Wasi::P3 };
    if wasi == Wasi::P3 {
        tools::spin_version(&spin)?;
    }
    let manifest = if options.embed {
        let manifests = build_embedded(&PathBuf::from("static"), 50)?;
        match wasi {
            Wasi::P3 => manifests.0,
            Wasi::P2 => manifests.1,
        }
    } else {
        build_for(wasi)?;
        tools::workspace_root().join(manifest_for(wasi))
    };
    let mut command = Command::new(spin);
    command
        .current_dir(tools::workspace_root())
        .args(["registry", "push", "--from"])
        .arg(&manifest)
        .arg(&options.reference);
    if options.insecure {
        command.arg("--insecure");
    }
    tools::run(&mut command)?;
    let insecure = if options.insecure { " --insecure" } else { "" };
    println!("pushed: {}", options.reference);
    println!(
        "run it: spin up --from {}{insecure} --listen 127.0.0.1:8081",
        options.reference
    );
    Ok(())
}

/// Installs what the tests need (`install.rs`) unless
/// `--no-install`, then runs the whole suite. With the tools installed, the
/// browser and shared-cache tests must run; with `--no-install` they skip when
/// their tools are missing.
fn test(options: TestOptions) -> Result<()> {
    let install = !options.no_install;
    tools::ensure_wasm_target()?;
    if install {
        install::ensure(&Tool::FOR_TESTS)
            .context("installing the tools the tests need (use --no-install to skip)")?;
    }
    let wasmtime = install::wasmtime()?;
    let mut command = tools::cargo();
    command
        .current_dir(tools::workspace_root())
        .env("WASMTIME", &wasmtime)
        .args(["test", "--workspace"])
        .args(&options.cargo_test_args)
        .stdout(Stdio::piped());
    if install {
        command.env("REQUIRE_CLIENT_TOOLS", "1");
    }
    let require_spin = env::var_os("REQUIRE_SPIN").is_some_and(|v| !v.is_empty() && v != "0");
    let spins = [
        SpinLine {
            variable: "SPIN",
            name: "Spin",
            found: tools::find_spin(),
            runs: "under Spin",
            check: tools::spin_version,
        },
        // Spin 4.0.x runs every runtime test once more, with the WASIp2 artifact.
        SpinLine {
            variable: "SPIN_4_0",
            name: "Spin 4.0.x",
            found: tools::find_spin_4_0(),
            runs: "with the WASIp2 artifact under Spin 4.0.x",
            check: tools::spin_version_text,
        },
    ];
    for spin in &spins {
        spin.pass_on(&mut command, require_spin)?;
    }
    run_counting(command)
}

/// A Spin the suite runs its runtime tests under, when one is found.
struct SpinLine {
    /// The variable that names it, for the tests and in messages.
    variable: &'static str,
    name: &'static str,
    found: Option<PathBuf>,
    /// How its runs are described.
    runs: &'static str,
    /// Its `--version`, checked where the line must be recent enough.
    check: fn(&std::path::Path) -> Result<String>,
}

impl SpinLine {
    /// Names the Spin to the tests, or says that its runs are left out when
    /// there is none (the tests' build script marks them ignored); fails
    /// then if Spin is required.
    fn pass_on(&self, command: &mut Command, required: bool) -> Result<()> {
        let Some(spin) = &self.found else {
            if required {
                bail!(
                    "REQUIRE_SPIN is set but no {} was found (${})",
                    self.name,
                    self.variable
                );
            }
            eprintln!(
                "xtask: NO {} FOUND (${}): the runtime tests' runs {} are ignored and counted \
                 as skipped",
                self.name.to_uppercase(),
                self.variable,
                self.runs
            );
            return Ok(());
        };
        let version = (self.check)(spin)?;
        eprintln!(
            "xtask: runtime tests run {} too ({}, {version})",
            self.runs,
            spin.display()
        );
        command.env(self.variable, spin);
        Ok(())
    }
}

/// Runs `cargo test`, passing its output on, and ends with one closing line
/// for the whole suite over all test binaries: `tests: N passed, N failed, N
/// skipped` (the ignored runs, of a runtime that was not found).
fn run_counting(mut command: Command) -> Result<()> {
    let mut child = command.spawn().context("starting cargo test")?;
    let stdout = child.stdout.take().context("cargo test's output")?;
    let (mut passed, mut failed, mut skipped) = (0u64, 0u64, 0u64);
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some(counts) = line.strip_prefix("test result: ") {
            passed += count_before(counts, " passed");
            failed += count_before(counts, " failed");
            skipped += count_before(counts, " ignored");
        }
    }
    let status = child.wait()?;
    println!("tests: {passed} passed, {failed} failed, {skipped} skipped");
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

/// The refused rules of the site's `_headers` and `_redirects`, each with
/// its file and line: the component refuses them too, and logs them.
fn print_rule_problems(problems: &[String]) {
    for problem in problems {
        eprintln!("xtask: warning: {problem}");
    }
}
