//! The targets: ratios of the component's figures to the floor of its own
//! runtime, measured in the same run.

use harness::runtime::{Runtime, Wasi};
use serde::Serialize;

use super::servers::{BenchServer, Kind};
use super::stats::Measured;
use super::workloads::{WORKLOADS, Workload};

#[derive(Debug, Clone, Serialize)]
pub(super) struct Target {
    pub(super) name: String,
    pub(super) value: f64,
    pub(super) threshold: String,
    pub(super) met: bool,
}

/// The targets, as ratios measured in this run, for each runtime against
/// the floor of that same runtime.
pub(super) fn targets(results: &[Measured], servers: &[BenchServer]) -> Vec<Target> {
    let mut runtimes: Vec<Runtime> = servers.iter().filter_map(|s| s.id.runtime).collect();
    runtimes.sort();
    runtimes.dedup();
    runtimes
        .into_iter()
        .flat_map(|runtime| targets_of(runtime, results, servers))
        .collect()
}

pub(super) fn targets_of(
    runtime: Runtime,
    results: &[Measured],
    servers: &[BenchServer],
) -> Vec<Target> {
    let mut list = targets_of_artifact(runtime, Wasi::P3, results, servers);
    list.extend(targets_of_artifact(runtime, Wasi::P2, results, servers));
    list
}

/// The row name of the server of `kind` with the artifact of `wasi` under
/// `runtime` (one instance for many requests); empty when there is none.
fn row_name(servers: &[BenchServer], runtime: Runtime, wasi: Wasi, kind: Kind) -> String {
    servers
        .iter()
        .find(|s| {
            s.id.kind == kind
                && s.id.runtime == Some(runtime)
                && !s.id.new_instances
                && s.id.wasi == wasi
        })
        .map(|s| s.id.name.clone())
        .unwrap_or_default()
}

fn targets_of_artifact(
    runtime: Runtime,
    wasi: Wasi,
    results: &[Measured],
    servers: &[BenchServer],
) -> Vec<Target> {
    let name_of = |kind: Kind| row_name(servers, runtime, wasi, kind);
    let ours = name_of(Kind::Ours { access_log: true });
    let quiet = name_of(Kind::Ours { access_log: false });
    let floor = name_of(Kind::Floor);
    let find = |server: &str, workload: &Workload| {
        results
            .iter()
            .find(|m| m.server.name == server && m.workload == workload.name())
    };
    let [
        small_200,
        small_inm,
        small_ims,
        _,
        large_inm,
        _,
        large_inm_br,
        _,
        large_inm_gzip,
    ] = WORKLOADS;
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
    // The WASIp2 artifact runs with the log on only.
    let variants: &[(&str, &String)] = match wasi {
        Wasi::P3 => &[("", &ours), (", ACCESS_LOG=off", &quiet)],
        Wasi::P2 => &[(", WASIp2", &ours)],
    };
    for &(log, server) in variants {
        let label = format!(" ({runtime}{log})");
        list.push(at_least(
            format!("20 KB 304 If-None-Match, req/s vs floor{label}"),
            ratio(rps(server, &small_inm), rps(&floor, &small_inm)),
            0.9,
        ));
        list.push(at_least(
            format!("20 KB 200, req/s vs floor{label}"),
            ratio(rps(server, &small_200), rps(&floor, &small_200)),
            0.75,
        ));
        list.push(at_least(
            format!("1 MiB 304 vs 20 KB 304, req/s{label}"),
            ratio(rps(server, &large_inm), rps(server, &small_inm)),
            0.9,
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
            .filter(|m| &m.server.name == server)
            .map(|m| m.socket_errors + m.non_2xx_3xx)
            .sum();
        list.push(at_most(
            format!("errors under load{label}"),
            errors as f64,
            0.0,
        ));
    }
    if wasi == Wasi::P2 {
        // WASIp2 against WASIp3, each the component with the log on.
        let p3 = row_name(servers, runtime, Wasi::P3, Kind::Ours { access_log: true });
        for workload in [small_inm, small_200, large_inm] {
            list.push(at_least(
                format!("WASIp2 vs WASIp3, {}, req/s ({runtime})", workload.name()),
                ratio(rps(&ours, &workload), rps(&p3, &workload)),
                0.9,
            ));
        }
        return list;
    }
    // The 1 MiB file's precompressed variants revalidate as cheaply as the
    // file itself.
    for (coding, workload) in [("br", large_inm_br), ("gzip", large_inm_gzip)] {
        list.push(at_least(
            format!("1 MiB 304 {coding} vs 1 MiB 304 identity, req/s ({runtime})"),
            ratio(rps(&ours, &workload), rps(&ours, &large_inm)),
            0.9,
        ));
    }
    // A new instance's first 304 of the 1 MiB file, against the floor's first
    // answer in a new instance (wasmtime only: Spin has no such setting).
    let fresh = |kind: Kind| {
        servers
            .iter()
            .find(|s| s.id.kind == kind && s.id.runtime == Some(runtime) && s.id.new_instances)
            .map(|s| s.id.name.clone())
    };
    if let (Some(fresh_ours), Some(fresh_floor)) =
        (fresh(Kind::Ours { access_log: true }), fresh(Kind::Floor))
    {
        list.push(at_least(
            format!("1 MiB 304, a new instance per request, req/s vs floor ({runtime})"),
            ratio(rps(&fresh_ours, &large_inm), rps(&fresh_floor, &large_inm)),
            0.9,
        ));
        list.push(at_most(
            format!("1 MiB 304, a new instance per request, p99 vs floor ({runtime})"),
            ratio(p99(&fresh_ours, &large_inm), p99(&fresh_floor, &large_inm)),
            1.5,
        ));
    }
    list
}
