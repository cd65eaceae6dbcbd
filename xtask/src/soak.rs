//! `cargo xtask soak`: a long load test of the component under wasmtime serve.
//!
//! Options: `--seconds N` (default 60), `--connections N` (default 256),
//! `--warmup N` seconds (default 10), `--wasip2` for the WASIp2 artifact
//! (served with `-Sp3=n`). A mix of 200, 304, 206 and 404 requests
//! in turn on each connection; it prints the figures and fails when there was
//! a socket error, an unexpected status, or the runtime's memory at the end is
//! more than 20 percent above its memory after warm-up.

use anyhow::{Context, Result, bail};
use harness::runtime::{self, RunningServer, Runtime, ServerSpec, Wasi};
use harness::tools;

use crate::install::{self, Tool};

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
    /// Soak the WASIp2 artifact (wasmtime serve -Sp3=n).
    #[arg(long)]
    wasip2: bool,
}

pub fn run(options: Options) -> Result<()> {
    let Options {
        seconds,
        connections,
        warmup,
        wasip2,
    } = options;
    let wasi = if wasip2 { Wasi::P2 } else { Wasi::P3 };
    install::ensure(&[Tool::Wasmtime, Tool::Wrk])?;
    let component = tools::build_artifact(wasi)?;
    let dir = tempfile::tempdir()?;
    // The demo site, so that the 404s get its 404 page as users' would.
    harness::trees::copy_tree(&tools::workspace_root().join("static"), dir.path())?;
    let spec = ServerSpec::new(Runtime::Wasmtime, &component, dir.path())?.wasi(wasi);
    let server = RunningServer::start(spec)?;
    let (etag, _) = runtime::validators_of(server.addr())?;
    let etag = etag.context("no ETag from the server")?;
    let script = dir.path().join("mix.lua");
    std::fs::write(
        &script,
        MIX_SCRIPT.replace("ETAG", &etag.replace('"', "\\\"")) + load::REPORT_LUA,
    )?;

    eprintln!("soak: warm-up, {warmup} s with {connections} connections");
    let _ = mixed(&server, &script, connections, warmup)?;
    let rss_warm = server.rss_kib().context("reading the runtime's memory")?;
    eprintln!("soak: {seconds} s with {connections} connections: 200, 304, 206, 404 in turn");
    let result = mixed(&server, &script, connections, seconds)?;
    let rss_end = server.rss_kib().context("reading the runtime's memory")?;
    let growth = rss_end as f64 / rss_warm as f64 - 1.0;

    println!(
        "soak: {connections} connections for {seconds} s against wasmtime serve, the {wasi} artifact"
    );
    println!(
        "  requests:          {} ({:.0}/s)",
        result.requests, result.requests_per_sec
    );
    println!(
        "  latency:           p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms",
        result.p50_ms, result.p90_ms, result.p99_ms, result.p999_ms
    );
    println!("  statuses:          {:?}", result.statuses);
    println!("  socket errors:     {}", result.socket_errors);
    println!(
        "  runtime memory:    {:.1} MiB after warm-up, {:.1} MiB at the end ({:+.1}%)",
        rss_warm as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        growth * 100.0
    );
    if result.statuses.is_empty() {
        bail!("the status counts are missing");
    }
    let unexpected: u64 = result
        .statuses
        .iter()
        .filter(|(status, _)| !["200", "304", "206", "404"].contains(&status.as_str()))
        .map(|(_, n)| n)
        .sum();
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

/// Runs the Lua mix (its exit status checked) and returns wrk's figures.
fn mixed(
    server: &RunningServer,
    script: &std::path::Path,
    connections: u32,
    seconds: u32,
) -> Result<LoadResult> {
    load::Wrk {
        url: format!("http://{}/", server.addr()),
        fields: &[],
        connections,
        seconds,
        timeout_secs: 10,
        script,
    }
    .run()
}

/// 200, 304, 206 and 404 in turn; counts statuses per thread (the report
/// hook adds them up).
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
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"#;
