//! `cargo xtask bench`: measures the component against the runtime's own
//! limit (a floor component that answers a fixed 304) and against nginx, on
//! loopback, with wrk; prints one table and writes Markdown, JSON and an SVG
//! chart under `bench/results/DATE/`.
//!
//! Options: `--seconds N` per measurement (default 8), `--warmup N` seconds
//! before each (default 2), `--rounds N` (default 3; servers are measured in
//! turn within each round and the median is kept, which evens out the drift of
//! a shared machine), `--connections N` (default 32), `--out DIR`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;
use xtask::nginx::Nginx;
use xtask::runtime::{self, RunningServer, Runtime, ServerSpec};
use xtask::tools;

use crate::load::{self, LoadResult};

/// The page of about 20 KB and the file of 1 MiB.
const SMALL_BYTES: usize = 20 * 1024;
const LARGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
enum Dataset {
    #[serde(rename = "20 KB")]
    Small,
    #[serde(rename = "1 MiB")]
    Large,
}

impl Dataset {
    fn label(self) -> &'static str {
        match self {
            Dataset::Small => "20 KB",
            Dataset::Large => "1 MiB",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validator {
    None,
    IfNoneMatch,
    IfModifiedSince,
}

/// One kind of request, on one file.
#[derive(Debug, Clone, Copy)]
struct Workload {
    dataset: Dataset,
    validator: Validator,
}

impl Workload {
    fn name(self) -> String {
        let kind = match self.validator {
            Validator::None => "200",
            Validator::IfNoneMatch => "304 If-None-Match",
            Validator::IfModifiedSince => "304 If-Modified-Since",
        };
        format!("{} {kind}", self.dataset.label())
    }
}

const WORKLOADS: [Workload; 5] = [
    Workload {
        dataset: Dataset::Small,
        validator: Validator::None,
    },
    Workload {
        dataset: Dataset::Small,
        validator: Validator::IfNoneMatch,
    },
    Workload {
        dataset: Dataset::Small,
        validator: Validator::IfModifiedSince,
    },
    Workload {
        dataset: Dataset::Large,
        validator: Validator::None,
    },
    Workload {
        dataset: Dataset::Large,
        validator: Validator::IfNoneMatch,
    },
];

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ours { access_log: bool },
    Floor,
    Nginx,
}

/// A server process serving one dataset.
struct BenchServer {
    name: String,
    kind: Kind,
    runtime: Option<Runtime>,
    dataset: Dataset,
    process: Process,
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Process {
    Runtime(RunningServer),
    Nginx(Nginx),
}

impl Process {
    fn addr(&self) -> SocketAddr {
        match self {
            Process::Runtime(server) => server.addr(),
            Process::Nginx(nginx) => nginx.addr,
        }
    }

    fn pid(&self) -> u32 {
        match self {
            Process::Runtime(server) => server.pid(),
            Process::Nginx(nginx) => nginx.pid(),
        }
    }

    fn startup(&self) -> Duration {
        match self {
            Process::Runtime(server) => server.time_to_first_200,
            Process::Nginx(nginx) => nginx.startup,
        }
    }
}

/// `cargo xtask bench`: the component against the floor component of the
/// same runtime and against nginx, with wrk, on loopback.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Seconds measured per server and workload, in each round.
    #[arg(long, default_value_t = 8)]
    seconds: u32,
    /// Seconds of load before each measurement.
    #[arg(long, default_value_t = 2)]
    warmup: u32,
    /// Rounds; servers are measured in turn within each, and the median kept.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// wrk connections.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// `--max-instance-reuse-count` for wasmtime serve; its default when absent.
    #[arg(long)]
    reuse_count: Option<u32>,
    /// Where the results directory (DATE/) is written; bench/results by default.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The figures of one server under one workload.
#[derive(Debug, Clone, Serialize)]
struct Measured {
    server: String,
    workload: String,
    /// The medians over the rounds.
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Summed over the rounds.
    socket_errors: u64,
    non_2xx_3xx: u64,
    runs: Vec<LoadResult>,
}

#[derive(Debug, Clone, Serialize)]
struct ServerFacts {
    server: String,
    dataset: Dataset,
    startup_ms: f64,
    peak_rss_kib: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
struct Target {
    name: String,
    value: f64,
    threshold: String,
    met: bool,
}

#[derive(Debug, Serialize)]
struct Report {
    date: String,
    machine: BTreeMap<String, String>,
    options: BTreeMap<String, String>,
    component_bytes: u64,
    floor_bytes: u64,
    servers: Vec<ServerFacts>,
    results: Vec<Measured>,
    ratios: Vec<Target>,
}

pub fn run(options: Options) -> Result<()> {
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| tools::workspace_root().join("bench").join("results"));
    load::ensure_debian_program("wrk", &["wrk"])?;
    load::ensure_debian_program("nginx", &["nginx-light", "nginx"])?;
    tools::ensure_wasm_target()?;
    tools::wasmtime()?;
    eprintln!("bench: building the component and the floor component");
    let component = tools::build_component()?;
    let floor = build_floor()?;

    let work = tempfile::tempdir()?;
    let mut dirs = BTreeMap::new();
    for (dataset, bytes) in [(Dataset::Small, SMALL_BYTES), (Dataset::Large, LARGE_BYTES)] {
        let dir = work.path().join(dataset.label().replace(' ', ""));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("index.html"), page_of(bytes))?;
        dirs.insert(dataset, dir);
    }
    // Let the files' times age past the component's "racily clean" window, as
    // a deployed file's would.
    std::thread::sleep(Duration::from_secs(3));

    let mut runtimes = vec![Runtime::Wasmtime];
    if tools::find_spin().is_some() {
        runtimes.push(Runtime::Spin);
    }
    let mut servers = Vec::new();
    for (&dataset, dir) in &dirs {
        for &runtime in &runtimes {
            for kind in [
                Kind::Ours { access_log: true },
                Kind::Ours { access_log: false },
                Kind::Floor,
            ] {
                servers.push(start_component(
                    kind,
                    runtime,
                    dataset,
                    dir,
                    [&component, &floor],
                    options.reuse_count,
                )?);
            }
        }
        servers.push(start_nginx(dataset, dir, work.path())?);
    }
    for server in &mut servers {
        let (etag, last_modified) = runtime::validators_of(server.process.addr())?;
        server.etag = etag;
        server.last_modified = last_modified;
    }

    let mut runs: BTreeMap<(String, String), Vec<LoadResult>> = BTreeMap::new();
    for round in 1..=options.rounds {
        for workload in WORKLOADS {
            for server in servers.iter().filter(|s| s.dataset == workload.dataset) {
                let fields = request_fields(server, workload.validator);
                let addr = server.process.addr();
                if options.warmup > 0 {
                    load::wrk(addr, "/", &fields, options.connections, options.warmup)?;
                }
                let result = load::wrk(addr, "/", &fields, options.connections, options.seconds)?;
                eprintln!(
                    "bench: round {round}/{}: {:<44} {:<28} {:>9.0} req/s  p99 {:>6.2} ms",
                    options.rounds,
                    server.name,
                    workload.name(),
                    result.requests_per_sec,
                    result.p99_ms
                );
                runs.entry((server.name.clone(), workload.name()))
                    .or_default()
                    .push(result);
            }
        }
    }

    let results: Vec<Measured> = servers
        .iter()
        .flat_map(|server| {
            WORKLOADS
                .iter()
                .filter(|w| w.dataset == server.dataset)
                .map(|w| (server.name.clone(), w.name()))
        })
        .filter_map(|key| runs.get(&key).map(|r| measured(&key.0, &key.1, r)))
        .collect();
    let facts: Vec<ServerFacts> = servers
        .iter()
        .map(|server| ServerFacts {
            server: server.name.clone(),
            dataset: server.dataset,
            startup_ms: server.process.startup().as_secs_f64() * 1000.0,
            peak_rss_kib: runtime::process_tree_kib(server.process.pid(), "VmHWM:"),
        })
        .collect();
    let ratios = targets(&results, &servers);
    let report = Report {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: machine(),
        options: BTreeMap::from([
            ("seconds per run".to_string(), options.seconds.to_string()),
            ("warm-up seconds".to_string(), options.warmup.to_string()),
            ("rounds (median kept)".to_string(), options.rounds.to_string()),
            ("connections".to_string(), options.connections.to_string()),
            ("wrk threads".to_string(), "2".to_string()),
            (
                "runtime flags".to_string(),
                match options.reuse_count {
                    None => "wasmtime serve -Sp3 -Scli (defaults: 128 requests per instance, 16 at once)".to_string(),
                    Some(n) => format!("wasmtime serve -Sp3 -Scli --max-instance-reuse-count={n}"),
                },
            ),
        ]),
        component_bytes: std::fs::metadata(&component)?.len(),
        floor_bytes: std::fs::metadata(&floor)?.len(),
        servers: facts,
        results,
        ratios,
    };
    drop(servers);

    let day = report.date.split(' ').next().unwrap_or("run").to_string();
    let out = out.join(&day);
    std::fs::create_dir_all(&out)?;
    let markdown = markdown(&report);
    std::fs::write(out.join("results.md"), &markdown)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    std::fs::write(out.join("chart.svg"), chart(&report))?;
    println!("{markdown}");
    println!("Written to {}", out.display());
    Ok(())
}

fn build_floor() -> Result<PathBuf> {
    let root = tools::workspace_root();
    tools::run(
        tools::cargo()
            .current_dir(&root)
            .args([
                "build",
                "--quiet",
                "--release",
                "--target",
                tools::WASM_TARGET,
            ])
            .arg("--manifest-path")
            .arg(root.join("bench/floor/Cargo.toml"))
            .arg("--target-dir")
            .arg(root.join("target")),
    )?;
    Ok(root
        .join("target")
        .join(tools::WASM_TARGET)
        .join("release")
        .join("floor.wasm"))
}

/// A page of `bytes` bytes of varied HTML text (so that nothing compresses it
/// away or special-cases it).
fn page_of(bytes: usize) -> Vec<u8> {
    let mut page = b"<!doctype html><title>bench</title>\n".to_vec();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    while page.len() < bytes {
        page.extend_from_slice(b"<p>");
        for _ in 0..70 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            page.push(b"abcdefghij klmnop"[(state % 17) as usize]);
        }
        page.extend_from_slice(b"</p>\n");
    }
    page.truncate(bytes);
    page
}

fn start_component(
    kind: Kind,
    runtime: Runtime,
    dataset: Dataset,
    dir: &Path,
    [component, floor]: [&Path; 2],
    reuse_count: Option<u32>,
) -> Result<BenchServer> {
    let (wasm, name) = match kind {
        Kind::Ours { access_log: true } => (component, format!("http-caching-server ({runtime})")),
        Kind::Ours { access_log: false } => (
            component,
            format!("http-caching-server, ACCESS_LOG=off ({runtime})"),
        ),
        Kind::Floor => (floor, format!("floor: fixed 304 ({runtime})")),
        Kind::Nginx => bail!("not a component"),
    };
    let mut spec = ServerSpec::new(runtime, wasm, dir)?;
    if kind == (Kind::Ours { access_log: false }) {
        spec = spec.env("ACCESS_LOG", "off");
    }
    spec.ready_on_any_status = kind == Kind::Floor;
    if let (Some(count), Runtime::Wasmtime) = (reuse_count, runtime) {
        spec.extra_args = vec![format!("--max-instance-reuse-count={count}")];
    }
    let server = RunningServer::start(spec)?;
    Ok(BenchServer {
        name,
        kind,
        runtime: Some(runtime),
        dataset,
        process: Process::Runtime(server),
        etag: None,
        last_modified: None,
    })
}

fn start_nginx(dataset: Dataset, dir: &Path, work: &Path) -> Result<BenchServer> {
    let prefix = work.join(format!("nginx-{}", dataset.label().replace(' ', "")));
    let nginx = Nginx::start(
        &prefix,
        &format!(
            "sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n  \
             access_log {}/logs/access.log;\n  etag on;\n  types {{ text/html html; }}\n  \
             server {{\n    listen {{listen}};\n    root {};\n    location / {{ }}\n  }}",
            prefix.display(),
            dir.display()
        ),
    )?;
    Ok(BenchServer {
        name: "nginx 1.22 (Debian), etag on".to_string(),
        kind: Kind::Nginx,
        runtime: None,
        dataset,
        process: Process::Nginx(nginx),
        etag: None,
        last_modified: None,
    })
}

fn request_fields(server: &BenchServer, validator: Validator) -> Vec<(String, String)> {
    match validator {
        Validator::None => vec![],
        Validator::IfNoneMatch => vec![(
            "If-None-Match".to_string(),
            server
                .etag
                .clone()
                .unwrap_or_else(|| "\"none\"".to_string()),
        )],
        Validator::IfModifiedSince => vec![(
            "If-Modified-Since".to_string(),
            server
                .last_modified
                .clone()
                .unwrap_or_else(|| "Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
        )],
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn measured(server: &str, workload: &str, runs: &[LoadResult]) -> Measured {
    Measured {
        server: server.to_string(),
        workload: workload.to_string(),
        requests_per_sec: median(runs.iter().map(|r| r.requests_per_sec).collect()),
        p50_ms: median(runs.iter().map(|r| r.p50_ms).collect()),
        p99_ms: median(runs.iter().map(|r| r.p99_ms).collect()),
        socket_errors: runs.iter().map(|r| r.socket_errors).sum(),
        non_2xx_3xx: runs.iter().map(|r| r.non_2xx_3xx).sum(),
        runs: runs.to_vec(),
    }
}

/// The targets, as ratios measured in this run (wasmtime rows).
fn targets(results: &[Measured], servers: &[BenchServer]) -> Vec<Target> {
    let name_of = |kind: Kind| {
        servers
            .iter()
            .find(|s| s.kind == kind && s.runtime == Some(Runtime::Wasmtime))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let ours = name_of(Kind::Ours { access_log: true });
    let quiet = name_of(Kind::Ours { access_log: false });
    let floor = name_of(Kind::Floor);
    let find = |server: &str, workload: &Workload| {
        results
            .iter()
            .find(|m| m.server == server && m.workload == workload.name())
    };
    let [small_200, small_inm, small_ims, large_200, large_inm] = WORKLOADS;
    let rps = |server: &str, w: &Workload| find(server, w).map_or(0.0, |m| m.requests_per_sec);
    let p99 = |server: &str, w: &Workload| find(server, w).map_or(f64::INFINITY, |m| m.p99_ms);
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let at_least = |name: String, value: f64, min: f64| Target {
        name,
        value,
        threshold: format!(">= {min}"),
        met: value >= min,
    };
    let at_most = |name: String, value: f64, max: f64| Target {
        name,
        value,
        threshold: format!("<= {max}"),
        met: value <= max,
    };
    let mut list = Vec::new();
    for (label, server) in [("", &ours), (" (ACCESS_LOG=off)", &quiet)] {
        list.push(at_least(
            format!("20 KB 304 If-None-Match, req/s vs floor{label}"),
            ratio(rps(server, &small_inm), rps(&floor, &small_inm)),
            0.9,
        ));
        list.push(at_least(
            format!("20 KB 200, req/s vs floor{label}"),
            ratio(rps(server, &small_200), rps(&floor, &small_200)),
            0.7,
        ));
        list.push(at_least(
            format!("1 MiB 304 vs 20 KB 304, req/s{label}"),
            ratio(rps(server, &large_inm), rps(server, &small_inm)),
            0.8,
        ));
        let worst_p99 = [small_inm, small_ims, large_inm]
            .iter()
            .map(|w| ratio(p99(server, w), p99(&floor, w)))
            .fold(0.0, f64::max);
        list.push(at_most(
            format!("p99 of 304s vs floor, worst workload{label}"),
            worst_p99,
            1.5,
        ));
        let errors: u64 = results
            .iter()
            .filter(|m| &m.server == server)
            .map(|m| m.socket_errors + m.non_2xx_3xx)
            .sum();
        list.push(at_most(
            format!("errors under load{label}"),
            errors as f64,
            0.0,
        ));
    }
    let _ = large_200;
    list
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text).trim().to_string()
        })
        .unwrap_or_else(|_| "unknown".to_string())
}

fn machine() -> BTreeMap<String, String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let wasmtime = tools::find_wasmtime()
        .map(|w| command_output(&w.display().to_string(), &["--version"]))
        .unwrap_or_default();
    BTreeMap::from([
        ("cpu".to_string(), cpu),
        ("cores".to_string(), command_output("nproc", &[])),
        (
            "memory".to_string(),
            memory
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("kernel".to_string(), command_output("uname", &["-sr"])),
        ("wasmtime".to_string(), wasmtime),
        ("nginx".to_string(), command_output("nginx", &["-v"])),
        (
            "load generator".to_string(),
            "wrk (Debian), loopback".to_string(),
        ),
        ("rustc".to_string(), command_output("rustc", &["--version"])),
    ])
}

fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark, {}\n", report.date);
    let _ = writeln!(md, "Machine: {}.\n", describe(&report.machine));
    let _ = writeln!(md, "Settings: {}.\n", describe(&report.options));
    let _ = writeln!(
        md,
        "| server | workload | req/s | p50 ms | p99 ms | errors | vs floor | vs nginx |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for m in &report.results {
        let same = |needle: &str| {
            report
                .results
                .iter()
                .find(|o| o.workload == m.workload && o.server.starts_with(needle))
                .map(|o| o.requests_per_sec)
        };
        let ratio = |other: Option<f64>| {
            other.filter(|o| *o > 0.0).map_or("-".to_string(), |o| {
                format!("{:.2}", m.requests_per_sec / o)
            })
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} |",
            m.server,
            m.workload,
            m.requests_per_sec,
            m.p50_ms,
            m.p99_ms,
            m.socket_errors + m.non_2xx_3xx,
            ratio(same("floor")),
            ratio(same("nginx")),
        );
    }
    let _ = writeln!(
        md,
        "\n## Targets\n\n| target | measured | wanted | met |\n| --- | ---: | --- | --- |"
    );
    for t in &report.ratios {
        let _ = writeln!(
            md,
            "| {} | {:.2} | {} | {} |",
            t.name,
            t.value,
            t.threshold,
            if t.met { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(
        md,
        "\n## Servers\n\nComponent: {} bytes; floor component: {} bytes.\n\n| server | file | start to first response, ms | peak memory, MiB |\n| --- | --- | ---: | ---: |",
        report.component_bytes, report.floor_bytes
    );
    for s in &report.servers {
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {} |",
            s.server,
            s.dataset.label(),
            s.startup_ms,
            s.peak_rss_kib
                .map_or("-".to_string(), |k| format!("{:.1}", k as f64 / 1024.0))
        );
    }
    md
}

fn describe(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A grouped bar chart of requests per second, one group per workload.
fn chart(report: &Report) -> String {
    const COLORS: [&str; 6] = [
        "#0b6bcb", "#7fb2e5", "#9aa5b1", "#13795b", "#a15c00", "#6b4fbb",
    ];
    let workloads: Vec<String> = WORKLOADS.iter().map(|w| w.name()).collect();
    let mut series: Vec<String> = Vec::new();
    for m in &report.results {
        if !series.contains(&m.server) {
            series.push(m.server.clone());
        }
    }
    let max = report
        .results
        .iter()
        .map(|m| m.requests_per_sec)
        .fold(1.0, f64::max);
    let (width, height, left, top, bottom) = (980.0, 460.0, 70.0, 40.0, 150.0);
    let plot_h = height - top - bottom;
    let group_w = (width - left - 20.0) / workloads.len() as f64;
    let bar_w = (group_w - 24.0) / series.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"{left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Requests per second ({})</text>\n",
        report.date
    );
    for step in 0..=4 {
        let value = max * step as f64 / 4.0;
        let y = top + plot_h - plot_h * step as f64 / 4.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e7ee\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#5b6576\">{:.0}k</text>",
            width - 20.0,
            left - 6.0,
            y + 4.0,
            value / 1000.0
        );
    }
    for (g, workload) in workloads.iter().enumerate() {
        let x0 = left + g as f64 * group_w + 12.0;
        for (i, server) in series.iter().enumerate() {
            let Some(m) = report
                .results
                .iter()
                .find(|m| &m.server == server && &m.workload == workload)
            else {
                continue;
            };
            let h = plot_h * m.requests_per_sec / max;
            let x = x0 + i as f64 * bar_w;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{server}: {:.0} req/s</title></rect>",
                top + plot_h - h,
                bar_w - 2.0,
                COLORS[i % COLORS.len()],
                m.requests_per_sec
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{workload}</text>",
            x0 + (group_w - 24.0) / 2.0,
            top + plot_h + 18.0
        );
    }
    for (i, server) in series.iter().enumerate() {
        let y = top + plot_h + 44.0 + i as f64 * 17.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{left}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{:.1}\">{server}</text>",
            y - 10.0,
            COLORS[i % COLORS.len()],
            left + 18.0,
            y
        );
    }
    svg.push_str("</svg>\n");
    svg
}
