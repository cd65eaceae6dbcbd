//! The figures of each server and workload over the rounds: medians.

use serde::Serialize;

use super::servers::{BenchServer, ServerId};
use super::workloads::Workload;
use crate::load::LoadResult;

/// The figures of one server under one workload.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Measured {
    #[serde(flatten)]
    pub(super) server: ServerId,
    pub(super) workload: Workload,
    /// The medians over the rounds.
    pub(super) requests_per_sec: f64,
    pub(super) p50_ms: f64,
    pub(super) p90_ms: f64,
    pub(super) p99_ms: f64,
    pub(super) p999_ms: f64,
    /// Summed over the rounds.
    pub(super) socket_errors: u64,
    pub(super) non_2xx_3xx: u64,
    pub(super) runs: Vec<LoadResult>,
}

pub(super) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

pub(super) fn measured(server: &BenchServer, workload: Workload, runs: &[LoadResult]) -> Measured {
    Measured {
        server: server.id.clone(),
        workload,
        requests_per_sec: median(runs.iter().map(|r| r.requests_per_sec).collect()),
        p50_ms: median(runs.iter().map(|r| r.p50_ms).collect()),
        p90_ms: median(runs.iter().map(|r| r.p90_ms).collect()),
        p99_ms: median(runs.iter().map(|r| r.p99_ms).collect()),
        p999_ms: median(runs.iter().map(|r| r.p999_ms).collect()),
        socket_errors: runs.iter().map(|r| r.socket_errors).sum(),
        non_2xx_3xx: runs.iter().map(|r| r.non_2xx_3xx).sum(),
        runs: runs.to_vec(),
    }
}
