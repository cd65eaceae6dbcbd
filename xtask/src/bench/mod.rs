//! `cargo xtask bench`: measures the component against the runtime's own
//! limit (a floor component that answers a fixed 304) and against nginx, on
//! loopback, with wrk; prints one table and writes Markdown, JSON and an SVG
//! chart under `bench/results/DATE/`.
//!
//! Options: `--seconds N` per measurement (default 8), `--warmup N` seconds
//! before each (default 2), `--rounds N` (default 3; servers are measured in
//! turn within each round and the median is kept, which evens out the drift of
//! a shared machine), `--connections N` (default 32), `--out DIR`.
//! `--large-file` measures one large file sent from the file instead
//! (`large_file`).

mod chart;
mod large_file;
mod report;
mod servers;
mod stats;
mod targets;
mod workloads;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use harness::runtime::{self, Runtime, Wasi};
use harness::tools;
use http_caching_server::Encoding;

use crate::install::{self, Tool};
use crate::load::{self, LoadResult};
use chart::chart;
use report::{Report, ServerFacts, command_output, machine, markdown};
use servers::{BenchServer, Kind, build_floor, request_fields, start_component, start_nginx};
use stats::{Measured, measured};
use targets::targets;
use workloads::{Dataset, LARGE_BYTES, SMALL_BYTES, WORKLOADS, Workload, page_of};

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
    /// Measure one large file sent from the file instead: a full GET, 1 KiB
    /// ranges, 16 downloads at once, against nginx (large-file.md).
    #[arg(long)]
    large_file: bool,
    /// The size of that file, in MiB.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    large_file_mib: u64,
}

/// `--max-instance-reuse-count` of the rows that reuse WASIp2 instances
/// under wasmtime: its default for WASIp3.
const REUSE_COUNT: u32 = 128;

/// The built artifacts: the component and its floor, of each WASI version.
struct Artifacts {
    component: PathBuf,
    floor: PathBuf,
    component_p2: PathBuf,
    floor_p2: PathBuf,
}

/// The median figures of each (server, workload), by their positions in
/// the server list and in [`WORKLOADS`].
type Runs = BTreeMap<(usize, usize), Vec<LoadResult>>;

pub fn run(options: Options) -> Result<()> {
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| tools::workspace_root().join("bench").join("results"));
    if options.large_file {
        return large_file::run(options.large_file_mib, &out);
    }
    install::ensure(&[Tool::Wrk, Tool::Nginx])?;
    eprintln!("bench: building the component and the floor component");
    let artifacts = Artifacts {
        component: tools::build_component()?,
        floor: build_floor(Wasi::P3)?,
        component_p2: tools::build_artifact(Wasi::P2)?,
        floor_p2: build_floor(Wasi::P2)?,
    };
    let work = tempfile::tempdir()?;
    let script = load::report_script(work.path())?;
    let dirs = build_sites(work.path())?;
    let mut servers = start_servers(&dirs, &artifacts, options.reuse_count, work.path())?;
    read_validators(&mut servers)?;
    let runs = measure(&servers, &options, &script)?;
    let report = report_of(&options, &artifacts, &servers, &runs)?;
    drop(servers);
    write_report(&out, &report)
}

/// The two sites, built and aged as deployed ones.
fn build_sites(work: &std::path::Path) -> Result<BTreeMap<Dataset, PathBuf>> {
    let mut dirs = BTreeMap::new();
    for (dataset, bytes) in [(Dataset::Small, SMALL_BYTES), (Dataset::Large, LARGE_BYTES)] {
        let dir = work.join(format!("site-{dataset:?}"));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("index.html"), page_of(bytes))?;
        harness::trees::build_aged_site(&dir)?;
        dirs.insert(dataset, dir);
    }
    Ok(dirs)
}

/// Every server measured: per site and runtime, the component (log on and
/// off) and its floor of each WASI version; wasmtime with a new instance per
/// request for the large site; nginx.
fn start_servers(
    dirs: &BTreeMap<Dataset, PathBuf>,
    artifacts: &Artifacts,
    reuse_count: Option<u32>,
    work: &std::path::Path,
) -> Result<Vec<BenchServer>> {
    let mut runtimes = vec![Runtime::Wasmtime];
    if tools::find_spin().is_some() {
        runtimes.push(Runtime::Spin);
    }
    let p3 = [artifacts.component.as_path(), artifacts.floor.as_path()];
    let p2 = [
        artifacts.component_p2.as_path(),
        artifacts.floor_p2.as_path(),
    ];
    let (ours, quiet) = (
        Kind::Ours { access_log: true },
        Kind::Ours { access_log: false },
    );
    let mut servers = Vec::new();
    for (&dataset, dir) in dirs {
        let label = format!("bench-{dataset:?}");
        let embedded_p3 = tools::build_embedded(Wasi::P3, dir, &label)?;
        let embedded_p2 = tools::build_embedded(Wasi::P2, dir, &label)?;
        let e3 = [embedded_p3.as_path(), artifacts.floor.as_path()];
        let e2 = [embedded_p2.as_path(), artifacts.floor_p2.as_path()];
        let setup = |kind, runtime, wasi, reuse_count, embedded| servers::Setup {
            kind,
            runtime,
            wasi,
            dataset,
            reuse_count,
            new_instances: false,
            embedded,
        };
        for &runtime in &runtimes {
            let runs = [
                (setup(ours, runtime, Wasi::P3, reuse_count, false), p3),
                (setup(quiet, runtime, Wasi::P3, reuse_count, false), p3),
                (
                    setup(Kind::Floor, runtime, Wasi::P3, reuse_count, false),
                    p3,
                ),
                // The WASIp2 artifact against a floor of its own WASI version.
                (setup(ours, runtime, Wasi::P2, reuse_count, false), p2),
                (
                    setup(Kind::Floor, runtime, Wasi::P2, reuse_count, false),
                    p2,
                ),
                // The embedded artifacts, nothing mounted.
                (setup(ours, runtime, Wasi::P3, reuse_count, true), e3),
                (setup(ours, runtime, Wasi::P2, reuse_count, true), e2),
            ];
            for (setup, wasm) in runs {
                servers.push(start_component(setup, dir, wasm)?);
            }
        }
        // wasmtime, which gives the WASIp2 artifact a new instance per
        // request by default, reusing them: the embedded WASIp2 artifact
        // and its floor, run alike.
        if reuse_count.is_none() {
            for kind in [ours, Kind::Floor] {
                let reused = setup(
                    kind,
                    Runtime::Wasmtime,
                    Wasi::P2,
                    Some(REUSE_COUNT),
                    kind == ours,
                );
                servers.push(start_component(reused, dir, e2)?);
            }
        }
        // What a new instance's first request costs: wasmtime with a new
        // instance for every request, the component and its floor.
        if dataset == Dataset::Large {
            for kind in [ours, Kind::Floor] {
                let fresh = servers::Setup {
                    new_instances: true,
                    ..setup(kind, Runtime::Wasmtime, Wasi::P3, None, false)
                };
                servers.push(start_component(fresh, dir, p3)?);
            }
        }
        servers.push(start_nginx(dataset, dir, work)?);
    }
    Ok(servers)
}

/// The validators each server sends, for the conditional workloads.
fn read_validators(servers: &mut [BenchServer]) -> Result<()> {
    for server in servers {
        let (etag, last_modified) = runtime::validators_of(server.process.addr())?;
        server.etag = etag;
        server.last_modified = last_modified;
        for coding in Encoding::ALL {
            let (etag, _) = runtime::validators_in(server.process.addr(), Some(coding.token()))?;
            if let Some(etag) = etag {
                server.coded_etags.push((coding, etag));
            }
        }
    }
    Ok(())
}

/// Whether `server` is measured under `workload`: its own site, and for the
/// WASIp2 rows the files as they are (the encodings are the same code in
/// both artifacts).
fn is_measured(server: &BenchServer, workload: &Workload) -> bool {
    server.dataset == workload.dataset
        && (server.id.wasi == Wasi::P3 || workload.encoding.is_none())
}

/// Every round: each workload on each server in turn, after a warm-up.
fn measure(servers: &[BenchServer], options: &Options, script: &std::path::Path) -> Result<Runs> {
    let mut runs = Runs::new();
    for round in 1..=options.rounds {
        for (w, workload) in WORKLOADS.iter().enumerate() {
            for (s, server) in servers
                .iter()
                .enumerate()
                .filter(|(_, s)| is_measured(s, workload))
            {
                let fields = request_fields(server, *workload);
                let addr = server.process.addr();
                let wrk =
                    |seconds| load::wrk(addr, "/", &fields, options.connections, seconds, script);
                if options.warmup > 0 {
                    wrk(options.warmup)?;
                }
                let result = wrk(options.seconds)?;
                eprintln!(
                    "bench: round {round}/{}: {:<44} {:<28} {:>9.0} req/s  p99 {:>6.2} ms",
                    options.rounds,
                    server.id.name,
                    workload.name(),
                    result.requests_per_sec,
                    result.p99_ms
                );
                runs.entry((s, w)).or_default().push(result);
            }
        }
    }
    Ok(runs)
}

/// The report of a run: the medians, the servers' facts and the targets.
fn report_of(
    options: &Options,
    artifacts: &Artifacts,
    servers: &[BenchServer],
    runs: &Runs,
) -> Result<Report> {
    let results: Vec<Measured> = runs
        .iter()
        .map(|(&(s, w), r)| measured(&servers[s], WORKLOADS[w], r))
        .collect();
    let facts: Vec<ServerFacts> = servers
        .iter()
        .map(|server| ServerFacts {
            server: server.id.name.clone(),
            dataset: server.dataset,
            startup_ms: server.process.startup().as_secs_f64() * 1000.0,
            peak_rss_kib: runtime::process_tree_kib(server.process.pid(), "VmHWM:"),
        })
        .collect();
    let ratios = targets(&results, servers);
    let wasmtime_flags = match options.reuse_count {
        None => "wasmtime serve -Sp3 -Scli (defaults: 128 requests per instance, 16 at once)"
            .to_string(),
        Some(n) => format!("wasmtime serve -Sp3 -Scli --max-instance-reuse-count={n}"),
    };
    Ok(Report {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: machine(),
        options: BTreeMap::from([
            ("seconds per run".to_string(), options.seconds.to_string()),
            ("warm-up seconds".to_string(), options.warmup.to_string()),
            (
                "rounds (median kept)".to_string(),
                options.rounds.to_string(),
            ),
            ("connections".to_string(), options.connections.to_string()),
            ("wrk threads".to_string(), "2".to_string()),
            (
                "runtime flags".to_string(),
                format!(
                    "{wasmtime_flags}; spin up with the project's spin.toml, files copied at start (its default)"
                ),
            ),
        ]),
        component_bytes: std::fs::metadata(&artifacts.component)?.len(),
        floor_bytes: std::fs::metadata(&artifacts.floor)?.len(),
        servers: facts,
        results,
        ratios,
    })
}

/// Markdown, JSON and the chart under `out/DAY/`; the Markdown printed too.
fn write_report(out: &std::path::Path, report: &Report) -> Result<()> {
    let day = report.date.split(' ').next().unwrap_or("run").to_string();
    let out = out.join(&day);
    std::fs::create_dir_all(&out)?;
    let markdown = markdown(report);
    std::fs::write(out.join("results.md"), &markdown)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(report)?,
    )?;
    std::fs::write(out.join("chart.svg"), chart(report))?;
    println!("{markdown}");
    println!("Written to {}", out.display());
    Ok(())
}
