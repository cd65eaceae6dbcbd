//! `cargo xtask bench`: measures the component against the runtime's own
//! limit (a floor component that answers a fixed 304) and against nginx, on
//! loopback, with wrk; prints one table and writes Markdown, JSON and an SVG
//! chart under `bench/results/DATE/`.
//!
//! Options: `--seconds N` per measurement (default 8), `--warmup N` seconds
//! before each (default 2), `--rounds N` (default 3; servers are measured in
//! turn within each round and the median is kept, which evens out the drift of
//! a shared machine), `--connections N` (default 32), `--out DIR`.

mod chart;
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
use http_caching_server::negotiation::Encoding;

use crate::install::{self, Tool};
use crate::load::{self, LoadResult};
use chart::chart;
use report::{Report, ServerFacts, command_output, machine, markdown};
use servers::{BenchServer, Kind, build_floor, request_fields, start_component, start_nginx};
use stats::{Measured, measured};
use targets::targets;
use workloads::{Dataset, LARGE_BYTES, SMALL_BYTES, WORKLOADS, page_of};

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

pub fn run(options: Options) -> Result<()> {
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| tools::workspace_root().join("bench").join("results"));
    install::ensure(&[Tool::Wrk, Tool::Nginx])?;
    eprintln!("bench: building the component and the floor component");
    let component = tools::build_component()?;
    let floor = build_floor(Wasi::P3)?;
    let component_p2 = tools::build_artifact(Wasi::P2)?;
    let floor_p2 = build_floor(Wasi::P2)?;

    let work = tempfile::tempdir()?;
    let script = load::report_script(work.path())?;
    let mut dirs = BTreeMap::new();
    for (dataset, bytes) in [(Dataset::Small, SMALL_BYTES), (Dataset::Large, LARGE_BYTES)] {
        let dir = work.path().join(dataset.label().replace(' ', ""));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("index.html"), page_of(bytes))?;
        harness::trees::build_aged_site(&dir)?;
        dirs.insert(dataset, dir);
    }

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
                    Wasi::P3,
                    dataset,
                    dir,
                    [&component, &floor],
                    options.reuse_count,
                    false,
                )?);
            }
            // The WASIp2 artifact against a floor of its own WASI version.
            for kind in [Kind::Ours { access_log: true }, Kind::Floor] {
                servers.push(start_component(
                    kind,
                    runtime,
                    Wasi::P2,
                    dataset,
                    dir,
                    [&component_p2, &floor_p2],
                    options.reuse_count,
                    false,
                )?);
            }
        }
        // What a new instance's first request costs: wasmtime with a new
        // instance for every request, the component and its floor.
        if dataset == Dataset::Large {
            for kind in [Kind::Ours { access_log: true }, Kind::Floor] {
                servers.push(start_component(
                    kind,
                    Runtime::Wasmtime,
                    Wasi::P3,
                    dataset,
                    dir,
                    [&component, &floor],
                    None,
                    true,
                )?);
            }
        }
        servers.push(start_nginx(dataset, dir, work.path())?);
    }
    for server in &mut servers {
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

    let mut runs: BTreeMap<(String, String), Vec<LoadResult>> = BTreeMap::new();
    for round in 1..=options.rounds {
        for workload in WORKLOADS {
            // The WASIp2 rows: the files as they are (the encodings are the
            // same code in both artifacts).
            let measured = |s: &&BenchServer| {
                s.dataset == workload.dataset
                    && (s.id.wasi == Wasi::P3 || workload.encoding.is_none())
            };
            for server in servers.iter().filter(measured) {
                let fields = request_fields(server, workload);
                let addr = server.process.addr();
                if options.warmup > 0 {
                    load::wrk(
                        addr,
                        "/",
                        &fields,
                        options.connections,
                        options.warmup,
                        &script,
                    )?;
                }
                let result = load::wrk(
                    addr,
                    "/",
                    &fields,
                    options.connections,
                    options.seconds,
                    &script,
                )?;
                eprintln!(
                    "bench: round {round}/{}: {:<44} {:<28} {:>9.0} req/s  p99 {:>6.2} ms",
                    options.rounds,
                    server.id.name,
                    workload.name(),
                    result.requests_per_sec,
                    result.p99_ms
                );
                runs.entry((server.id.name.clone(), workload.name()))
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
                .filter(|w| server.id.wasi == Wasi::P3 || w.encoding.is_none())
                .map(move |w| (server, w.name()))
        })
        .filter_map(|(server, workload)| {
            runs.get(&(server.id.name.clone(), workload.clone()))
                .map(|r| measured(server, &workload, r))
        })
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
                format!(
                    "{}; spin up with the project's spin.toml, files copied at start (its default)",
                    match options.reuse_count {
                        None => "wasmtime serve -Sp3 -Scli (defaults: 128 requests per instance, 16 at once)".to_string(),
                        Some(n) => format!("wasmtime serve -Sp3 -Scli --max-instance-reuse-count={n}"),
                    }
                ),
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
