//! Driving load with wrk (Debian's package, installed when missing) and
//! reading its figures.

use std::net::SocketAddr;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Serialize;

/// One measured run of wrk.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadResult {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub socket_errors: u64,
    /// Responses that were neither 2xx nor 3xx.
    pub non_2xx_3xx: u64,
}

/// Installs a Debian package when `program` is not on PATH.
pub fn ensure_debian_program(program: &str, packages: &[&str]) -> Result<()> {
    if xtask::tools::find_program(program).is_some() {
        return Ok(());
    }
    eprintln!(
        "xtask: installing {} from Debian's packages",
        packages.join(" or ")
    );
    let _ = Command::new("apt-get").arg("update").arg("-qq").status();
    for package in packages {
        let ok = Command::new("apt-get")
            .args(["install", "-y", "-qq", package])
            .status()
            .is_ok_and(|s| s.success());
        if ok && xtask::tools::find_program(program).is_some() {
            return Ok(());
        }
    }
    bail!("could not install {program} (tried {packages:?}): run as root on Debian")
}

/// Runs wrk against `addr` and `path` with the given request fields.
pub fn wrk(
    addr: SocketAddr,
    path: &str,
    fields: &[(String, String)],
    connections: u32,
    seconds: u32,
) -> Result<LoadResult> {
    let mut command = Command::new("wrk");
    command
        .arg("--threads")
        .arg("2")
        .arg("--connections")
        .arg(connections.to_string())
        .arg("--duration")
        .arg(format!("{seconds}s"))
        .arg("--timeout")
        .arg("5s")
        .arg("--latency");
    for (name, value) in fields {
        command.arg("--header").arg(format!("{name}: {value}"));
    }
    command.arg(format!("http://{addr}{path}"));
    let output = command.output().context("running wrk")?;
    if !output.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    parse_wrk(&String::from_utf8_lossy(&output.stdout))
}

/// Reads the figures from wrk's report.
pub fn parse_wrk(report: &str) -> Result<LoadResult> {
    let mut result = LoadResult::default();
    for line in report.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            result.requests_per_sec = rest.trim().parse()?;
        } else if let Some(rest) = line.strip_prefix("50%") {
            result.p50_ms = duration_ms(rest.trim())?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            result.p99_ms = duration_ms(rest.trim())?;
        } else if line.contains(" requests in ") {
            result.requests = line.split_whitespace().next().unwrap_or("0").parse()?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            result.socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().nth(1))
                .filter_map(|n| n.parse::<u64>().ok())
                .sum();
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            result.non_2xx_3xx = rest.trim().parse()?;
        }
    }
    if result.requests_per_sec == 0.0 {
        bail!("no requests were measured:\n{report}");
    }
    Ok(result)
}

/// `1.23ms`, `456.00us`, `2.00s` in milliseconds.
fn duration_ms(text: &str) -> Result<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        bail!("unknown duration {text:?}")
    };
    Ok(number.parse::<f64>()? * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 5s test @ http://127.0.0.1:9001/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   530.12us  300.00us   9.82ms   82.99%
  Latency Distribution
     50%  457.00us
     75%  600.00us
     90%  800.00us
     99%    1.86ms
  308813 requests in 5.00s, 40.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  61762.67
Transfer/sec:      8.00MB
";
        let r = parse_wrk(report).unwrap();
        assert_eq!(r.requests_per_sec, 61762.67);
        assert!((r.p50_ms - 0.457).abs() < 1e-9);
        assert!((r.p99_ms - 1.86).abs() < 1e-9);
        assert_eq!((r.requests, r.socket_errors, r.non_2xx_3xx), (308813, 3, 7));
    }
}
