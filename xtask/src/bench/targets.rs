//! The targets: ratios of the component's figures to the floor of its own
//! runtime, measured in the same run.

use harness::runtime::{Runtime, Wasi};
use serde::Serialize;

use super::servers::{BenchServer, Kind, ServerId};
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
    list.extend(embedded_targets(runtime, results, servers));
    list
}

/// The embedded artifacts (issue 17's targets), each against the floor of
/// its own runtime and WASI version run the same way: the 20 KB 304 and the
/// 20 KB 200 (against the floor's fixed 200 from memory), the 1 MiB 304
/// against the 20 KB one, the p99 of 304s; for WASIp2 under wasmtime also
/// with instances reused.
fn embedded_targets(
    runtime: Runtime,
    results: &[Measured],
    servers: &[BenchServer],
) -> Vec<Target> {
    let figures = Figures { results };
    let ours = Kind::Ours { access_log: true };
    let mut list = Vec::new();
    for (wasi, reused) in [(Wasi::P3, false), (Wasi::P2, false), (Wasi::P2, true)] {
        let id = |kind, embedded| ServerId::of(kind, Some(runtime), wasi, false, embedded, reused);
        let (server, floor) = (
            server_with(servers, &id(ours, true)),
            server_with(servers, &id(Kind::Floor, false)),
        );
        if server.is_none() || floor.is_none() {
            continue;
        }
        let label = format!(
            " ({runtime}, embedded {wasi}{})",
            if reused { ", instances reused" } else { "" }
        );
        list.extend(against_the_floor(&figures, server, floor, &label, EMBEDDED));
    }
    list
}

/// The server of `kind` with the artifact of `wasi` under `runtime`, one
/// instance for many requests (`new_instances` false) or a new one per
/// request (true).
fn server_of(
    servers: &[BenchServer],
    runtime: Runtime,
    wasi: Wasi,
    kind: Kind,
    new_instances: bool,
) -> Option<&ServerId> {
    servers.iter().map(|s| &s.id).find(|id| {
        id.kind == kind
            && id.runtime == Some(runtime)
            && id.new_instances == new_instances
            && id.wasi == wasi
            && !id.embedded
    })
}

/// The server whose id is `id`, if it ran.
fn server_with<'a>(servers: &'a [BenchServer], id: &ServerId) -> Option<&'a ServerId> {
    servers.iter().map(|s| &s.id).find(|s| *s == id)
}

/// The figures of one run, looked up by typed keys.
struct Figures<'a> {
    results: &'a [Measured],
}

impl Figures<'_> {
    fn find(&self, server: Option<&ServerId>, workload: Workload) -> Option<&Measured> {
        let server = server?;
        self.results
            .iter()
            .find(|m| &m.server == server && m.workload == workload)
    }

    fn rps(&self, server: Option<&ServerId>, workload: Workload) -> f64 {
        self.find(server, workload)
            .map_or(0.0, |m| m.requests_per_sec)
    }

    fn p99(&self, server: Option<&ServerId>, workload: Workload) -> f64 {
        self.find(server, workload)
            .map_or(f64::INFINITY, |m| m.p99_ms)
    }

    fn errors(&self, server: Option<&ServerId>) -> u64 {
        self.results
            .iter()
            .filter(|m| Some(&m.server) == server)
            .map(|m| m.socket_errors + m.non_2xx_3xx)
            .sum()
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn at_least(name: String, value: f64, min: f64) -> Target {
    Target {
        name,
        value,
        threshold: format!(">= {min}"),
        met: value >= min,
    }
}

fn at_most(name: String, value: f64, max: f64) -> Target {
    Target {
        name,
        value,
        threshold: format!("<= {max}"),
        met: value <= max,
    }
}

// The workloads by name, in WORKLOADS' order.
const SMALL_200: Workload = WORKLOADS[0];
const SMALL_INM: Workload = WORKLOADS[1];
const SMALL_IMS: Workload = WORKLOADS[2];
const LARGE_INM: Workload = WORKLOADS[4];
const LARGE_INM_BR: Workload = WORKLOADS[6];
const LARGE_INM_GZIP: Workload = WORKLOADS[8];

fn targets_of_artifact(
    runtime: Runtime,
    wasi: Wasi,
    results: &[Measured],
    servers: &[BenchServer],
) -> Vec<Target> {
    let figures = Figures { results };
    let of = |kind: Kind| server_of(servers, runtime, wasi, kind, false);
    let ours = of(Kind::Ours { access_log: true });
    let floor = of(Kind::Floor);
    // The WASIp2 artifact runs with the log on only.
    let variants = match wasi {
        Wasi::P3 => vec![
            ("", ours),
            (", ACCESS_LOG=off", of(Kind::Ours { access_log: false })),
        ],
        Wasi::P2 => vec![(", WASIp2", ours)],
    };
    let mut list = Vec::new();
    for (log, server) in variants {
        let label = format!(" ({runtime}{log})");
        list.extend(against_the_floor(&figures, server, floor, &label, MOUNTED));
    }
    match wasi {
        Wasi::P2 => {
            let p3 = server_of(
                servers,
                runtime,
                Wasi::P3,
                Kind::Ours { access_log: true },
                false,
            );
            list.extend(wasip2_against_wasip3(&figures, ours, p3, runtime));
        }
        Wasi::P3 => {
            list.extend(encodings_against_identity(&figures, ours, runtime));
            let fresh = |kind: Kind| server_of(servers, runtime, wasi, kind, true);
            let (fresh_ours, fresh_floor) =
                (fresh(Kind::Ours { access_log: true }), fresh(Kind::Floor));
            if fresh_ours.is_some() && fresh_floor.is_some() {
                list.extend(new_instances_against_the_floor(
                    &figures,
                    fresh_ours,
                    fresh_floor,
                    runtime,
                ));
            }
        }
    }
    list
}

/// The thresholds of [`against_the_floor`]: the 20 KB 200's, and the 1 MiB
/// 304's against the 20 KB one.
#[derive(Debug, Clone, Copy)]
struct Wanted {
    small_200: f64,
    large_304: f64,
}

/// The mounted artifacts' thresholds.
const MOUNTED: Wanted = Wanted {
    small_200: 0.75,
    large_304: 0.9,
};

/// The embedded artifacts' thresholds (issue 17).
const EMBEDDED: Wanted = Wanted {
    small_200: 0.85,
    large_304: 0.95,
};

/// A component's rate, 304 scaling and p99 against the floor of its own
/// runtime and WASI version, and its errors under load.
fn against_the_floor(
    figures: &Figures<'_>,
    server: Option<&ServerId>,
    floor: Option<&ServerId>,
    label: &str,
    wanted: Wanted,
) -> Vec<Target> {
    let worst_p99 = [SMALL_INM, SMALL_IMS, LARGE_INM]
        .into_iter()
        .map(|w| ratio(figures.p99(server, w), figures.p99(floor, w)))
        .fold(0.0, f64::max);
    vec![
        at_least(
            format!("20 KB 304 If-None-Match, req/s vs floor{label}"),
            ratio(
                figures.rps(server, SMALL_INM),
                figures.rps(floor, SMALL_INM),
            ),
            0.9,
        ),
        at_least(
            format!("20 KB 200, req/s vs floor{label}"),
            ratio(
                figures.rps(server, SMALL_200),
                figures.rps(floor, SMALL_200),
            ),
            wanted.small_200,
        ),
        at_least(
            format!("1 MiB 304 vs 20 KB 304, req/s{label}"),
            ratio(
                figures.rps(server, LARGE_INM),
                figures.rps(server, SMALL_INM),
            ),
            wanted.large_304,
        ),
        at_most(
            format!("p99 of 304s vs floor, worst workload{label}"),
            worst_p99,
            1.5,
        ),
        at_most(
            format!("errors under load{label}"),
            figures.errors(server) as f64,
            0.0,
        ),
    ]
}

/// WASIp2 against WASIp3, each the component with the log on.
fn wasip2_against_wasip3(
    figures: &Figures<'_>,
    p2: Option<&ServerId>,
    p3: Option<&ServerId>,
    runtime: Runtime,
) -> Vec<Target> {
    [SMALL_INM, SMALL_200, LARGE_INM]
        .into_iter()
        .map(|workload| {
            at_least(
                format!("WASIp2 vs WASIp3, {}, req/s ({runtime})", workload.name()),
                ratio(figures.rps(p2, workload), figures.rps(p3, workload)),
                0.9,
            )
        })
        .collect()
}

/// The 1 MiB file's precompressed variants revalidate as cheaply as the
/// file itself.
fn encodings_against_identity(
    figures: &Figures<'_>,
    ours: Option<&ServerId>,
    runtime: Runtime,
) -> Vec<Target> {
    [("br", LARGE_INM_BR), ("gzip", LARGE_INM_GZIP)]
        .into_iter()
        .map(|(coding, workload)| {
            at_least(
                format!("1 MiB 304 {coding} vs 1 MiB 304 identity, req/s ({runtime})"),
                ratio(figures.rps(ours, workload), figures.rps(ours, LARGE_INM)),
                0.9,
            )
        })
        .collect()
}

/// A new instance's first 304 of the 1 MiB file, against the floor's first
/// answer in a new instance (wasmtime only: Spin has no such setting).
fn new_instances_against_the_floor(
    figures: &Figures<'_>,
    ours: Option<&ServerId>,
    floor: Option<&ServerId>,
    runtime: Runtime,
) -> Vec<Target> {
    vec![
        at_least(
            format!("1 MiB 304, a new instance per request, req/s vs floor ({runtime})"),
            ratio(figures.rps(ours, LARGE_INM), figures.rps(floor, LARGE_INM)),
            0.9,
        ),
        at_most(
            format!("1 MiB 304, a new instance per request, p99 vs floor ({runtime})"),
            ratio(figures.p99(ours, LARGE_INM), figures.p99(floor, LARGE_INM)),
            1.5,
        ),
    ]
}
