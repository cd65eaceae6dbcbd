//! Driving load with wrk (Debian's package) and reading its figures: a Lua
//! `done()` hook prints them as one JSON line, read with serde, for the
//! benchmark and the soak alike.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The prefix of the JSON line the Lua hook prints.
const JSON_PREFIX: &str = "WRK_JSON ";

/// A `done()` hook that prints wrk's summary and latency percentiles as JSON,
/// and the status counts when the script before it counted them (a
/// `response()` hook that sets `statuses[status]` in each thread).
pub const REPORT_LUA: &str = r#"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local counted = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then for code, n in pairs(s) do counted[code] = (counted[code] or 0) + n end end
  end
  local parts = {}
  for code, n in pairs(counted) do table.insert(parts, string.format('"%s":%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"non_2xx_3xx":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"p999_us":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), table.concat(parts, ",")))
end
"#;

/// What the Lua hook prints.
#[derive(Debug, Deserialize)]
struct WrkJson {
    requests: u64,
    duration_us: u64,
    connect_errors: u64,
    read_errors: u64,
    write_errors: u64,
    timeouts: u64,
    non_2xx_3xx: u64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    p999_us: f64,
    statuses: BTreeMap<String, u64>,
}

/// One measured run of wrk.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadResult {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub requests: u64,
    pub socket_errors: u64,
    /// Responses that were neither 2xx nor 3xx.
    pub non_2xx_3xx: u64,
    /// Responses by status, when the script counted them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub statuses: BTreeMap<String, u64>,
}

/// A wrk run: `connections` over 2 threads for `seconds`, against `url`,
/// with the Lua `script` (which must end with [`REPORT_LUA`]) and request
/// `fields`.
pub struct Wrk<'a> {
    pub url: String,
    pub fields: &'a [(String, String)],
    pub connections: u32,
    pub seconds: u32,
    pub timeout_secs: u32,
    pub script: &'a Path,
}

impl Wrk<'_> {
    pub fn run(&self) -> Result<LoadResult> {
        let mut command = Command::new("wrk");
        command
            .args(["--threads", "2"])
            .arg("--connections")
            .arg(self.connections.to_string())
            .arg("--duration")
            .arg(format!("{}s", self.seconds))
            .arg("--timeout")
            .arg(format!("{}s", self.timeout_secs))
            .arg("--script")
            .arg(self.script);
        for (name, value) in self.fields {
            command.arg("--header").arg(format!("{name}: {value}"));
        }
        let output = command.arg(&self.url).output().context("running wrk")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!(
                "wrk failed ({}): {}{}",
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        parse_report(&stdout)
    }
}

/// Writes [`REPORT_LUA`] alone to `dir`, for runs with no request script.
pub fn report_script(dir: &Path) -> Result<std::path::PathBuf> {
    let path = dir.join("report.lua");
    std::fs::write(&path, REPORT_LUA)?;
    Ok(path)
}

/// Runs wrk against `addr` and `path` with the given request fields.
pub fn wrk(
    addr: SocketAddr,
    path: &str,
    fields: &[(String, String)],
    connections: u32,
    seconds: u32,
    script: &Path,
) -> Result<LoadResult> {
    Wrk {
        url: format!("http://{addr}{path}"),
        fields,
        connections,
        seconds,
        timeout_secs: 5,
        script,
    }
    .run()
}

/// Reads the JSON line of [`REPORT_LUA`] from wrk's output.
pub fn parse_report(output: &str) -> Result<LoadResult> {
    let json = output
        .lines()
        .find_map(|line| line.strip_prefix(JSON_PREFIX))
        .with_context(|| format!("no {JSON_PREFIX}line in wrk's output:\n{output}"))?;
    let w: WrkJson = serde_json::from_str(json).context("reading wrk's JSON line")?;
    if w.requests == 0 || w.duration_us == 0 {
        bail!("no requests were measured:\n{output}");
    }
    Ok(LoadResult {
        requests_per_sec: w.requests as f64 / (w.duration_us as f64 / 1e6),
        p50_ms: w.p50_us / 1000.0,
        p90_ms: w.p90_us / 1000.0,
        p99_ms: w.p99_us / 1000.0,
        p999_ms: w.p999_us / 1000.0,
        requests: w.requests,
        socket_errors: w.connect_errors + w.read_errors + w.write_errors + w.timeouts,
        non_2xx_3xx: w.non_2xx_3xx,
        statuses: w.statuses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_json_line() {
        let output = "Running 5s test @ http://127.0.0.1:9001/\n  2 threads and 32 connections\n\
            \nWRK_JSON {\"requests\":300000,\"duration_us\":5000000,\"connect_errors\":0,\
            \"read_errors\":2,\"write_errors\":0,\"timeouts\":1,\"non_2xx_3xx\":7,\
            \"p50_us\":457,\"p90_us\":800,\"p99_us\":1860,\"p999_us\":9820,\
            \"statuses\":{\"200\":150000,\"304\":150000}}\n";
        let r = parse_report(output).unwrap();
        assert_eq!(r.requests_per_sec, 60000.0);
        assert!((r.p50_ms - 0.457).abs() < 1e-9);
        assert!((r.p999_ms - 9.82).abs() < 1e-9);
        assert_eq!((r.requests, r.socket_errors, r.non_2xx_3xx), (300000, 3, 7));
        assert_eq!(r.statuses.get("304"), Some(&150000));
    }

    #[test]
    fn output_without_the_line_is_an_error() {
        assert!(parse_report("Requests/sec: 1000\n").is_err());
    }
}
