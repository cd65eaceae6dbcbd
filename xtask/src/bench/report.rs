//! The report: what was measured, on what machine, as JSON and Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;

use harness::runtime::Runtime;
use harness::tools;
use serde::Serialize;

use super::servers::Kind;
use super::stats::Measured;
use super::targets::Target;
use super::workloads::Dataset;

#[derive(Debug, Clone, Serialize)]
pub(super) struct ServerFacts {
    pub(super) server: String,
    pub(super) dataset: Dataset,
    pub(super) startup_ms: f64,
    pub(super) peak_rss_kib: Option<u64>,
}

#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) date: String,
    pub(super) machine: BTreeMap<String, String>,
    pub(super) options: BTreeMap<String, String>,
    pub(super) component_bytes: u64,
    pub(super) floor_bytes: u64,
    pub(super) servers: Vec<ServerFacts>,
    pub(super) results: Vec<Measured>,
    pub(super) ratios: Vec<Target>,
}

pub(super) fn command_output(program: &str, args: &[&str]) -> String {
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

pub(super) fn machine() -> BTreeMap<String, String> {
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

pub(super) fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmark, {}\n", report.date);
    let _ = writeln!(md, "Machine: {}.\n", describe(&report.machine));
    let _ = writeln!(md, "Settings: {}.\n", describe(&report.options));
    let _ = writeln!(
        md,
        "| server | workload | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | vs floor | vs nginx |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for m in &report.results {
        // Each row against the floor of its own runtime (run the same way: a
        // new instance per request or not), and against nginx.
        let same = |kind: Kind, runtime: Option<Runtime>| {
            report
                .results
                .iter()
                .find(|o| {
                    o.workload == m.workload
                        && o.server.kind == kind
                        && o.server.runtime == runtime
                        && (kind == Kind::Nginx
                            || (o.server.new_instances == m.server.new_instances
                                && o.server.wasi == m.server.wasi
                                && o.server.reused == m.server.reused))
                })
                .map(|o| o.requests_per_sec)
        };
        let ratio = |other: Option<f64>| {
            other.filter(|o| *o > 0.0).map_or("-".to_string(), |o| {
                format!("{:.2}", m.requests_per_sec / o)
            })
        };
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
            m.server.name,
            m.workload.name(),
            m.requests_per_sec,
            m.p50_ms,
            m.p90_ms,
            m.p99_ms,
            m.p999_ms,
            m.socket_errors + m.non_2xx_3xx,
            ratio(m.server.runtime.and_then(|r| same(Kind::Floor, Some(r)))),
            ratio(same(Kind::Nginx, None)),
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

pub(super) fn describe(map: &BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::servers::ServerId;
    use super::*;

    pub(in crate::bench) fn row(kind: Kind, runtime: Option<Runtime>, rps: f64) -> Measured {
        Measured {
            server: ServerId::new(kind, runtime, harness::runtime::Wasi::P3, false),
            workload: super::super::workloads::WORKLOADS[0],
            requests_per_sec: rps,
            p50_ms: 1.0,
            p90_ms: 1.5,
            p99_ms: 2.0,
            p999_ms: 3.0,
            socket_errors: 0,
            non_2xx_3xx: 0,
            runs: Vec::new(),
        }
    }

    pub(in crate::bench) fn report(results: Vec<Measured>) -> Report {
        Report {
            date: "2026-11-25 12:00 UTC".to_string(),
            machine: BTreeMap::new(),
            options: BTreeMap::new(),
            component_bytes: 1,
            floor_bytes: 1,
            servers: Vec::new(),
            results,
            ratios: Vec::new(),
        }
    }

    #[test]
    fn each_row_is_compared_with_the_floor_of_its_own_runtime() {
        let ours = Kind::Ours { access_log: true };
        let md = markdown(&report(vec![
            row(Kind::Floor, Some(Runtime::Wasmtime), 100.0),
            row(Kind::Floor, Some(Runtime::Spin), 50.0),
            row(ours, Some(Runtime::Spin), 40.0),
            row(ours, Some(Runtime::Wasmtime), 90.0),
            row(Kind::Nginx, None, 200.0),
        ]));
        let line = |server: &str| {
            md.lines()
                .find(|l| l.starts_with(&format!("| {server} |")))
                .unwrap_or_else(|| panic!("no row for {server} in\n{md}"))
                .to_string()
        };
        // 40 against Spin's floor of 50, not wasmtime's 100; 40 against nginx's 200.
        assert!(line("http-caching-server (spin)").ends_with("| 0.80 | 0.20 |"));
        assert!(line("http-caching-server (wasmtime)").ends_with("| 0.90 | 0.45 |"));
        assert!(line("nginx 1.22 (Debian), etag on").ends_with("| - | 1.00 |"));
    }
}
