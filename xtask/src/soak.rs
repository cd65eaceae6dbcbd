//! `cargo xtask soak`: a long load test of the component under wasmtime serve.
//!
//! Options: `--seconds N` (default 60), `--connections N` (default 256),
//! `--warmup N` seconds (default 10). A mix of 200, 304, 206 and 404 requests
//! in turn on each connection; it prints the figures and fails when there was
//! a socket error, an unexpected status, or the runtime's memory at the end is
//! more than 20 percent above its memory after warm-up.

use std::process::Command;

use anyhow::{Context, Result, bail};
use xtask::runtime::{self, RunningServer, Runtime, ServerSpec};
use xtask::tools;

use crate::load::{self, LoadResult};

/// `cargo xtask soak`: a long mixed load against the component.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// Seconds measured.
    #[arg(long, default_value_t = 60)]
    seconds: u32,
    /// wrk connections.
    #[arg(long, default_value_t = 256)]
    connections: u32,
    /// Seconds of load before memory is first read.
    #[arg(long, default_value_t = 10)]
    warmup: u32,
}

pub fn run(options: Options) -> Result<()> {
    let Options {
        seconds,
        connections,
        warmup,
    } = options;
    load::ensure_debian_program("wrk", &["wrk"])?;
    let component = tools::build_component()?;
    let dir = tempfile::tempdir()?;
    std::fs::copy(
        tools::workspace_root().join("static/index.html"),
        dir.path().join("index.html"),
    )?;
    let server = RunningServer::start(ServerSpec::new(Runtime::Wasmtime, &component, dir.path())?)?;
    let (etag, _) = runtime::validators_of(server.addr())?;
    let etag = etag.context("no ETag from the server")?;
    let script = dir.path().join("mix.lua");
    std::fs::write(
        &script,
        MIX_SCRIPT.replace("ETAG", &etag.replace('"', "\\\"")),
    )?;

    eprintln!("soak: warm-up, {warmup} s with {connections} connections");
    let _ = mixed(&server, &script, connections, warmup)?;
    let rss_warm = server.rss_kib().context("reading the runtime's memory")?;
    eprintln!("soak: {seconds} s with {connections} connections: 200, 304, 206, 404 in turn");
    let (result, statuses) = mixed(&server, &script, connections, seconds)?;
    let rss_end = server.rss_kib().context("reading the runtime's memory")?;
    let growth = rss_end as f64 / rss_warm as f64 - 1.0;

    println!("soak: {connections} connections for {seconds} s against wasmtime serve");
    println!(
        "  requests:          {} ({:.0}/s)",
        result.requests, result.requests_per_sec
    );
    println!(
        "  latency:           p50 {:.2} ms, p99 {:.2} ms",
        result.p50_ms, result.p99_ms
    );
    println!("  statuses:          {statuses}");
    println!("  socket errors:     {}", result.socket_errors);
    println!(
        "  runtime memory:    {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1}%)",
        rss_warm as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        growth * 100.0
    );
    let unexpected = statuses
        .split_whitespace()
        .find_map(|part| part.strip_prefix("other="))
        .and_then(|n| n.parse::<u64>().ok())
        .context("the status counts are missing")?;
    let mut failures = Vec::new();
    if result.socket_errors > 0 {
        failures.push(format!("{} socket errors", result.socket_errors));
    }
    if unexpected > 0 {
        failures.push(format!("{unexpected} unexpected statuses"));
    }
    if growth > 0.2 {
        failures.push(format!("memory grew by {:.1}%", growth * 100.0));
    }
    if !failures.is_empty() {
        bail!("soak failed: {}", failures.join(", "));
    }
    println!("soak: passed");
    Ok(())
}

/// Runs the Lua mix and returns wrk's figures and the status counts line.
fn mixed(
    server: &RunningServer,
    script: &std::path::Path,
    connections: u32,
    seconds: u32,
) -> Result<(LoadResult, String)> {
    let output = Command::new("wrk")
        .args(["--threads", "2", "--timeout", "10s", "--latency"])
        .arg("--connections")
        .arg(connections.to_string())
        .arg("--duration")
        .arg(format!("{seconds}s"))
        .arg("--script")
        .arg(script)
        .arg(format!("http://{}/", server.addr()))
        .output()
        .context("running wrk")?;
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    let statuses = report
        .lines()
        .find_map(|l| l.strip_prefix("statuses: "))
        .unwrap_or("other=unknown")
        .to_string();
    Ok((load::parse_wrk(&report)?, statuses))
}

/// 200, 304, 206 and 404 in turn; counts statuses per thread and adds them up.
const MIX_SCRIPT: &str = r#"
local n = 0
request = function()
  n = n + 1
  local k = n % 4
  if k == 0 then return wrk.format("GET", "/")
  elseif k == 1 then return wrk.format("GET", "/", { ["If-None-Match"] = "ETAG" })
  elseif k == 2 then return wrk.format("GET", "/", { ["Range"] = "bytes=0-99" })
  else return wrk.format("GET", "/nope") end
end
s200, s206, s304, s404, other = 0, 0, 0, 0, 0
response = function(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 206 then s206 = s206 + 1
  elseif status == 304 then s304 = s304 + 1
  elseif status == 404 then s404 = s404 + 1
  else other = other + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local c = { 0, 0, 0, 0, 0 }
  for _, t in ipairs(threads) do
    c[1] = c[1] + t:get("s200"); c[2] = c[2] + t:get("s304")
    c[3] = c[3] + t:get("s206"); c[4] = c[4] + t:get("s404")
    c[5] = c[5] + t:get("other")
  end
  io.write(string.format("statuses: 200=%d 304=%d 206=%d 404=%d other=%d\n", c[1], c[2], c[3], c[4], c[5]))
end
"#;
