//! `cargo xtask bench --large-file`: one large file (1 GiB by default) sent
//! from the file, under each runtime, WASI version and way of mounting,
//! against nginx on the same file: the instance's first request, a full
//! `GET` (time to the first byte, throughput), 1 KiB ranges at random
//! offsets (median and p99), and 16 full downloads at once (their
//! throughput, and the peak resident memory of the runtime's processes).
//! Figures, with the targets of issue 26 beside them; not a timed test.
//! curl is the client: it reads far faster than a client built in this
//! debug-built tool would, so that the figures are the servers'.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use harness::nginx::Nginx;
use harness::runtime::{self, Mounts, RunningServer, Runtime, ServerSpec, Wasi};
use harness::tools;
use serde::Serialize;

use super::report::{command_output, machine};
use super::stats::median;

/// The file's name in the site: a type no build step compresses.
const NAME: &str = "video.mp4";

/// How many 1 KiB ranges each server is asked for, at most, and for how
/// long at most (a server that hashes the file per request gets fewer).
const RANGES: usize = 200;
const RANGES_FOR_AT_MOST: Duration = Duration::from_secs(20);

/// Downloads at once for the memory figure.
const DOWNLOADS: usize = 16;

/// The targets: a range within this factor of nginx's median latency...
const RANGE_TARGET: f64 = 2.0;
/// ...the runtime under this many MiB with [`DOWNLOADS`] downloads...
const MEMORY_TARGET_MIB: f64 = 256.0;
/// ...and a full download at least this share of nginx's throughput.
const THROUGHPUT_TARGET: f64 = 0.5;

/// The floor of one runtime and WASI version: the benchmark's floor
/// component answering from memory, through the component's own response
/// code, a 200 of 1 KiB (the latency of a 1 KiB answer) and one of
/// [`FLOOR_BULK_MIB`] (the throughput of a body from memory).
#[derive(Debug, Serialize)]
struct Floor {
    server: String,
    runtime: Runtime,
    wasi: Wasi,
    /// 1 KiB answers on one connection: median and p99, in ms.
    small_p50_ms: f64,
    small_p99_ms: f64,
    /// A body of [`FLOOR_BULK_MIB`] from memory, in MB/s.
    bulk_mb_per_s: f64,
}

/// The size of the floor's large body, in MiB: it is made in memory per
/// instance (per request for WASIp2 under Spin), so not the whole file.
const FLOOR_BULK_MIB: u64 = 64;

/// The figures of one server.
#[derive(Debug, Serialize)]
struct Row {
    server: String,
    /// None for nginx.
    runtime: Option<Runtime>,
    wasi: Wasi,
    /// The instance's first request: a 1 KiB range, in ms (it hashes the
    /// file where no site manifest vouches for it).
    first_request_ms: f64,
    /// A full GET after that: time to the first byte, in ms, and MB/s.
    full_ttfb_ms: f64,
    full_mb_per_s: f64,
    /// 1 KiB ranges at random offsets, one connection: how many, and the
    /// median and p99 latency in ms.
    ranges: usize,
    range_p50_ms: f64,
    range_p99_ms: f64,
    /// [`DOWNLOADS`] full downloads at once: MB/s in all, and the peak
    /// resident memory of the server's processes meanwhile, in MiB.
    concurrent_mb_per_s: f64,
    peak_rss_mib: f64,
    /// The ETag was the MD5 of the file, and every length its
    /// Content-Length (nginx: its own ETag, not checked).
    checked: bool,
}

/// Where a server answers, and what it must send.
#[derive(Debug, Clone)]
struct Endpoint {
    name: String,
    /// None for nginx (whose WASI version means nothing).
    runtime: Option<Runtime>,
    wasi: Wasi,
    addr: SocketAddr,
    /// The ETag it must send (None: nginx's own).
    etag: Option<String>,
}

/// One server of the large-file run.
struct Server {
    endpoint: Endpoint,
    pid: u32,
    /// The runtime or nginx, held to be stopped when dropped.
    _process: Box<dyn std::any::Any>,
}

/// Runs the large-file measurements on a file of `mib` MiB and writes the
/// report under `out/DAY/large-file.{md,json}`.
pub(super) fn run(mib: u64, out: &Path) -> Result<()> {
    crate::install::ensure(&[crate::install::Tool::Nginx, crate::install::Tool::Curl])?;
    eprintln!("bench: building both artifacts");
    let p3 = tools::build_artifact(Wasi::P3)?;
    let p2 = tools::build_artifact(Wasi::P2)?;
    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    std::fs::create_dir_all(&site)?;
    eprintln!("bench: writing a file of {mib} MiB and building the site");
    let len = mib << 20;
    let md5 = write_file(&site.join(NAME), len)?;
    std::fs::write(
        site.join("index.html"),
        b"<!doctype html><title>large</title>\n",
    )?;
    harness::trees::build_aged_site(&site)?;
    let etag = Some(format!("\"{md5}\""));

    let mut rows = Vec::new();
    let mut setups = vec![
        (Runtime::Wasmtime, Wasi::P3, Mounts::Direct, &p3, "--dir"),
        (Runtime::Wasmtime, Wasi::P2, Mounts::Direct, &p2, "--dir"),
    ];
    if tools::find_spin().is_some() {
        for (wasi, wasm) in [(Wasi::P3, &p3), (Wasi::P2, &p2)] {
            setups.push((Runtime::Spin, wasi, Mounts::Direct, wasm, "--direct-mounts"));
            setups.push((Runtime::Spin, wasi, Mounts::Copied, wasm, "files copied"));
        }
    } else {
        eprintln!("bench: no Spin found; its rows are left out");
    }
    let nginx_prefix = work.path().join("nginx");
    let servers = std::iter::once(start_nginx(&site, &nginx_prefix)).chain(setups.into_iter().map(
        |(runtime, wasi, mounts, wasm, how)| {
            let spec = ServerSpec::new(runtime, wasm, &site)?
                .wasi(wasi)
                .mounts(mounts)
                .env("ACCESS_LOG", "off");
            // The instance's first request is measured, not the probe's:
            // the probe asks for the page.
            let server = RunningServer::start(spec)?;
            Ok::<_, anyhow::Error>(Server {
                endpoint: Endpoint {
                    name: format!("http-caching-server {wasi:?} ({runtime}, {how})"),
                    runtime: Some(runtime),
                    wasi,
                    addr: server.addr(),
                    etag: etag.clone(),
                },
                pid: server.pid(),
                _process: Box::new(server),
            })
        },
    ));
    for server in servers {
        let server = server?;
        eprintln!("bench: {}", server.endpoint.name);
        rows.push(measure(&server, len)?);
        // One server at a time: each has the machine to itself.
        drop(server);
    }
    let mut floors = Vec::new();
    for (runtime, wasi) in floor_runs() {
        eprintln!("bench: the floor, {wasi:?} ({runtime})");
        floors.push(measure_floor(runtime, wasi, &site)?);
    }
    let report = Report {
        date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: machine(),
        file_bytes: len,
        rows,
        floors,
    };
    let markdown = markdown(&report);
    let day = report.date.split(' ').next().unwrap_or("run").to_string();
    let out = out.join(day);
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("large-file.md"), &markdown)?;
    std::fs::write(
        out.join("large-file.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    println!("{markdown}");
    println!("Written to {}", out.display());
    Ok(())
}

#[derive(Debug, Serialize)]
struct Report {
    date: String,
    machine: std::collections::BTreeMap<String, String>,
    file_bytes: u64,
    rows: Vec<Row>,
    floors: Vec<Floor>,
}

/// The runtimes and WASI versions with a floor: wasmtime, and Spin when found.
fn floor_runs() -> Vec<(Runtime, Wasi)> {
    let mut runs = vec![(Runtime::Wasmtime, Wasi::P3), (Runtime::Wasmtime, Wasi::P2)];
    if tools::find_spin().is_some() {
        runs.extend([(Runtime::Spin, Wasi::P3), (Runtime::Spin, Wasi::P2)]);
    }
    runs
}

/// Starts the floor of `runtime` and `wasi` twice (a 1 KiB body, then a
/// large one) and measures each.
fn measure_floor(runtime: Runtime, wasi: Wasi, site: &Path) -> Result<Floor> {
    let wasm = super::servers::build_floor(wasi)?;
    let start = |bytes: u64| -> Result<(RunningServer, Endpoint)> {
        let mut spec = ServerSpec::new(runtime, &wasm, site)?
            .wasi(wasi)
            .env("FLOOR_BODY_BYTES", &bytes.to_string());
        spec.ready_on_any_status = true;
        let server = RunningServer::start(spec)?;
        let endpoint = Endpoint {
            name: format!("floor {wasi:?} ({runtime})"),
            runtime: Some(runtime),
            wasi,
            addr: server.addr(),
            etag: None,
        };
        Ok((server, endpoint))
    };
    let (server, endpoint) = start(1024)?;
    let requests = (0..RANGES).map(|_| request_args(&endpoint, None));
    let (seen, _) = curl(&on_one_connection(requests))?;
    drop(server);
    let (p50, p99) = p50_and_p99(&seen);
    let (server, endpoint) = start(FLOOR_BULK_MIB << 20)?;
    let mut bulk: Vec<f64> = Vec::new();
    for _ in 0..3 {
        let (seen, _) = curl(&request_args(&endpoint, None))?;
        let seen = seen.first().context("curl printed nothing")?;
        bulk.push(mb_per_s(seen.bytes, seen.total));
    }
    drop(server);
    Ok(Floor {
        server: endpoint.name,
        runtime,
        wasi,
        small_p50_ms: p50,
        small_p99_ms: p99,
        bulk_mb_per_s: median(bulk),
    })
}

fn start_nginx(site: &Path, prefix: &Path) -> Result<Server> {
    let nginx = Nginx::start(
        prefix,
        &format!(
            "sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n  \
             access_log off;\n  etag on;\n  \
             server {{\n    listen {{listen}};\n    root {};\n    location / {{ }}\n  }}",
            site.display()
        ),
    )?;
    Ok(Server {
        endpoint: Endpoint {
            name: "nginx 1.22 (Debian), sendfile on".to_string(),
            runtime: None,
            wasi: Wasi::P3,
            addr: nginx.addr,
            etag: None,
        },
        pid: nginx.pid(),
        _process: Box::new(nginx),
    })
}

/// Writes `len` bytes that do not compress (xorshift) to `path`, 1 MiB at a
/// time; returns their MD5 in hex.
fn write_file(path: &Path, len: u64) -> Result<String> {
    use md5::{Digest, Md5};
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut md5 = Md5::new();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut piece = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        for chunk in piece.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(piece.len() as u64) as usize;
        file.write_all(&piece[..n])?;
        md5.update(&piece[..n]);
        left -= n as u64;
    }
    file.flush()?;
    Ok(format!("{:x}", md5.finalize()))
}

/// What curl saw of one request: the status, the time to the first byte
/// and the whole time, and the bytes received.
struct Seen {
    status: u16,
    ttfb: Duration,
    total: Duration,
    bytes: u64,
}

/// `curl -w` of a [`Seen`], one line per request.
const WRITE_OUT: &str = "seen %{http_code} %{time_starttransfer} %{time_total} %{size_download}\\n";

/// Head fields as (lower-case name, value).
type HeadFields = Vec<(String, String)>;

/// Runs curl with `args` (requests separated by `--next`, on one
/// connection) and returns what it saw of each request, and the head
/// fields of them all (`-D -`), lower-case.
fn curl(args: &[String]) -> Result<(Vec<Seen>, HeadFields)> {
    let output = std::process::Command::new("curl")
        .args(args)
        .output()
        .context("running curl")?;
    if !output.status.success() {
        bail!("curl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut seen = Vec::new();
    let mut fields = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(rest) = line.strip_prefix("seen ") {
            let parts: Vec<&str> = rest.split(' ').collect();
            let secs = |i: usize| {
                parts
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .map(Duration::from_secs_f64)
                    .unwrap_or_default()
            };
            seen.push(Seen {
                status: parts.first().and_then(|v| v.parse().ok()).unwrap_or(0),
                ttfb: secs(1),
                total: secs(2),
                bytes: parts.get(3).and_then(|v| v.parse().ok()).unwrap_or(0),
            });
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok((seen, fields))
}

/// The curl arguments of one request of `NAME`, with `range` if any.
fn request_args(server: &Endpoint, range: Option<(u64, u64)>) -> Vec<String> {
    let mut args = vec!["-s".to_string(), "-o".into(), "/dev/null".into()];
    args.extend(["-w".to_string(), WRITE_OUT.to_string()]);
    if let Some((first, last)) = range {
        args.extend(["-r".to_string(), format!("{first}-{last}")]);
    }
    args.push(format!("http://{}/{NAME}", server.addr));
    args
}

/// One GET of `NAME` (with `range`), with its head: what curl saw, and
/// whether the ETag and Content-Length are as they must be.
fn get(server: &Endpoint, range: Option<(u64, u64)>) -> Result<(Seen, bool)> {
    let mut args = vec!["-D".to_string(), "-".to_string()];
    args.extend(request_args(server, range));
    let (mut seen, fields) = curl(&args)?;
    let seen = seen.pop().context("curl printed nothing")?;
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let want = if range.is_some() { 206 } else { 200 };
    let etag_ok = server.etag.is_none() || field("etag") == server.etag.as_ref();
    let length_ok = field("content-length").and_then(|v| v.parse().ok()) == Some(seen.bytes);
    let ok = seen.status == want && etag_ok && length_ok;
    Ok((seen, ok))
}

/// The curl arguments of `requests`, each an argument list of
/// [`request_args`], joined by `--next`: curl sends them on one connection.
fn on_one_connection(requests: impl Iterator<Item = Vec<String>>) -> Vec<String> {
    let mut args = Vec::new();
    for (i, request) in requests.enumerate() {
        if i > 0 {
            args.push("--next".to_string());
        }
        args.extend(request);
    }
    args
}

/// The median and the 99th percentile of what curl saw, whole times in ms.
fn p50_and_p99(seen: &[Seen]) -> (f64, f64) {
    let mut latencies: Vec<f64> = seen.iter().map(|r| ms(r.total)).collect();
    let p50 = median(latencies.clone());
    latencies.sort_by(|a, b| a.total_cmp(b));
    let p99 = latencies
        .get((latencies.len() * 99 / 100).min(latencies.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    (p50, p99)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mb_per_s(bytes: u64, duration: Duration) -> f64 {
    bytes as f64 / 1e6 / duration.as_secs_f64().max(1e-9)
}

/// A 1 KiB range at a random offset of a file of `len` bytes (xorshift,
/// the same offsets for every server).
fn next_range(state: &mut u64, len: u64) -> (u64, u64) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    let first = *state % (len - 1024);
    (first, first + 1023)
}

fn measure(served: &Server, len: u64) -> Result<Row> {
    let server = &served.endpoint;
    let mut checked = true;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let (first, ok) = get(server, Some(next_range(&mut state, len)))?;
    checked &= ok;
    let (whole, ok) = get(server, None)?;
    checked &= ok && whole.bytes == len;
    // As many ranges as fit in the time allowed, going by one of them, all
    // on one connection.
    let (probe, ok) = get(server, Some(next_range(&mut state, len)))?;
    checked &= ok;
    let fit = RANGES_FOR_AT_MOST.as_secs_f64() / probe.total.as_secs_f64().max(1e-6);
    let count = (fit as usize).clamp(5, RANGES);
    let requests = (0..count).map(|_| request_args(server, Some(next_range(&mut state, len))));
    let (ranges, _) = curl(&on_one_connection(requests))?;
    checked &= ranges.len() == count && ranges.iter().all(|r| r.status == 206 && r.bytes == 1024);
    let (p50, p99) = p50_and_p99(&ranges);

    // DOWNLOADS at once, the memory sampled meanwhile.
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (done, pid) = (done.clone(), served.pid);
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(runtime::process_tree_kib(pid, "VmRSS:").unwrap_or(0));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let started = Instant::now();
    let downloads: Vec<_> = (0..DOWNLOADS)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || get(&server, None))
        })
        .collect();
    let mut all = 0;
    for download in downloads {
        let (seen, ok) = download.join().expect("a download thread")?;
        checked &= ok && seen.bytes == len;
        all += seen.bytes;
    }
    let together = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak_kib = sampler.join().expect("the memory sampler");
    Ok(Row {
        server: server.name.clone(),
        runtime: server.runtime,
        wasi: server.wasi,
        first_request_ms: ms(first.total),
        full_ttfb_ms: ms(whole.ttfb),
        full_mb_per_s: mb_per_s(whole.bytes, whole.total),
        ranges: count,
        range_p50_ms: p50,
        range_p99_ms: p99,
        concurrent_mb_per_s: mb_per_s(all, together),
        peak_rss_mib: peak_kib as f64 / 1024.0,
        checked,
    })
}

/// The report as Markdown: one row per server, then each target against
/// nginx's figures of the same run.
fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# A file of {} MiB sent from the file\n\n{} on {}, loopback. One server at a time; \
         ranges on one keep-alive connection.\n",
        report.file_bytes >> 20,
        report.date,
        report
            .machine
            .get("cpu")
            .map_or("this machine", String::as_str)
    );
    md.push_str(
        "| server | first request (1 KiB range) | full GET: first byte | full GET | \
         1 KiB ranges: p50 / p99 (n) | 16 downloads | peak RSS | ETag and lengths |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n",
    );
    for row in &report.rows {
        let _ = writeln!(
            md,
            "| {} | {:.1} ms | {:.2} ms | {:.0} MB/s | {:.2} / {:.2} ms ({}) | {:.0} MB/s | \
             {:.0} MiB | {} |",
            row.server,
            row.first_request_ms,
            row.full_ttfb_ms,
            row.full_mb_per_s,
            row.range_p50_ms,
            row.range_p99_ms,
            row.ranges,
            row.concurrent_mb_per_s,
            row.peak_rss_mib,
            if row.checked { "right" } else { "WRONG" }
        );
    }
    md.push_str(&format!(
        "\nThe floors: the floor component answering from memory, through the \
         component's own response code, 1 KiB ({RANGES} requests on one connection) and \
         {FLOOR_BULK_MIB} MiB (median of 3).\n\n\
         | floor | 1 KiB: p50 / p99 | {FLOOR_BULK_MIB} MiB from memory |\n| --- | ---: | ---: |\n"
    ));
    for floor in &report.floors {
        let _ = writeln!(
            md,
            "| {} | {:.2} / {:.2} ms | {:.0} MB/s |",
            floor.server, floor.small_p50_ms, floor.small_p99_ms, floor.bulk_mb_per_s
        );
    }
    let Some(nginx) = report.rows.iter().find(|r| r.server.starts_with("nginx")) else {
        return md;
    };
    md.push_str(
        "\n| server | range p50 / nginx's (target <= 2) | range p50 / its floor's | \
         RSS, 16 downloads (target < 256 MiB) | full GET / nginx's (target >= 0.5) | \
         full GET / its floor's |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let met = |ok: bool| if ok { "met" } else { "missed" };
    for row in report
        .rows
        .iter()
        .filter(|r| !r.server.starts_with("nginx"))
    {
        let range = row.range_p50_ms / nginx.range_p50_ms;
        let throughput = row.full_mb_per_s / nginx.full_mb_per_s;
        let floor = report
            .floors
            .iter()
            .find(|f| Some(f.runtime) == row.runtime && f.wasi == row.wasi);
        let of_floor = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v:.2}"));
        let _ = writeln!(
            md,
            "| {} | {range:.2} ({}) | {} | {:.0} MiB ({}) | {throughput:.2} ({}) | {} |",
            row.server,
            met(range <= RANGE_TARGET),
            of_floor(floor.map(|f| row.range_p50_ms / f.small_p50_ms)),
            row.peak_rss_mib,
            met(row.peak_rss_mib < MEMORY_TARGET_MIB),
            met(throughput >= THROUGHPUT_TARGET),
            of_floor(floor.map(|f| row.full_mb_per_s / f.bulk_mb_per_s)),
        );
    }
    md
}
