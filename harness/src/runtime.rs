//! Starting a component under a real runtime (wasmtime serve or spin up) on
//! a loopback port, with a directory mounted at `/` and environment
//! variables, and stopping it again.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ProcessGroup;
pub use crate::spec::{Mounts, Runtime, ServerSpec, Wasi, free_loopback_addr};

/// A runtime process serving the component; stopped when dropped. Its
/// stdout and stderr go to a log file, as in a deployment, and not through a
/// pipe to this process, which would add a wake-up per log line to what is
/// measured.
pub struct RunningServer {
    pub spec: ServerSpec,
    process: ProcessGroup,
    log: PathBuf,
    /// How long the runtime took from its start to its first 200.
    pub time_to_first_200: Duration,
    _work_dir: tempfile::TempDir,
}

impl RunningServer {
    /// Starts the runtime and waits (up to a minute) until `GET /` answers 200
    /// (or anything, with `ready_on_any_status`).
    pub fn start(spec: ServerSpec) -> Result<Self> {
        let work_dir = tempfile::tempdir()?;
        let mut command = match spec.runtime {
            Runtime::Wasmtime => wasmtime_command(&spec)?,
            Runtime::Spin => crate::spin::up_command(&spec, work_dir.path())?,
        };
        let log = work_dir.path().join("runtime.log");
        let stdout = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&log)?;
        let stderr = stdout.try_clone()?;
        command.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        let started = Instant::now();
        let process = ProcessGroup::spawn(&mut command)
            .with_context(|| format!("starting {}", spec.runtime))?;
        let mut server = RunningServer {
            spec,
            process,
            log,
            time_to_first_200: Duration::ZERO,
            _work_dir: work_dir,
        };
        server.wait_until_ready(Duration::from_secs(60))?;
        server.time_to_first_200 = started.elapsed();
        Ok(server)
    }

    pub fn addr(&self) -> SocketAddr {
        self.spec.addr
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Everything the runtime wrote to stdout and stderr so far.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    /// The output, once it contains `needle` or `timeout` has passed: the
    /// runtime may write its log line a little after its response.
    pub fn output_containing(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let output = self.output();
            if output.contains(needle) || Instant::now() > deadline {
                return output;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The output once it has stopped growing for `quiet` (at most 5 s).
    pub fn settled_output(&self, quiet: Duration) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = self.output();
        loop {
            thread::sleep(quiet);
            let now = self.output();
            if now.len() == last.len() || Instant::now() > deadline {
                return now;
            }
            last = now;
        }
    }

    /// The runtime's resident memory now, in KiB (Linux), with its children.
    pub fn rss_kib(&self) -> Option<u64> {
        process_tree_kib(self.process.id(), "VmRSS:")
    }

    fn wait_until_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.process.try_wait()? {
                bail!(
                    "{} exited with {status} before serving:\n{}",
                    self.spec.runtime,
                    self.output()
                );
            }
            if let Ok(status) = probe(self.spec.addr)
                && (status == 200 || self.spec.ready_on_any_status)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer 200 on {} within {timeout:?}:\n{}",
                    self.spec.runtime,
                    self.spec.addr,
                    self.output()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `wasmtime serve` of `spec`, as the tests and `cargo xtask serve` run it.
pub fn wasmtime_command(spec: &ServerSpec) -> Result<Command> {
    // Found, never installed here: a launcher must not start a long
    // `cargo install` from inside a test; the commands install it.
    let wasmtime = crate::tools::find_wasmtime().context(
        "no wasmtime CLI ($WASMTIME, PATH or ~/.cargo/bin): `cargo xtask test` and `cargo xtask \
         serve` install the pinned one",
    )?;
    let mut command = Command::new(wasmtime);
    command
        .arg("serve")
        .arg(match spec.wasi {
            Wasi::P3 => "-Sp3",
            Wasi::P2 => "-Sp3=n",
        })
        .arg("-Scli");
    if !spec.embedded {
        command
            .arg("--dir")
            .arg(format!("{}::/", spec.static_dir.display()));
    }
    command.arg("--addr").arg(spec.addr.to_string());
    // spin.toml's environment, as Spin gives it, with the spec's over it:
    // each name once, as a guest may read only the first of two.
    let mut environment = crate::spin::project_environment()?;
    for (name, value) in &spec.env {
        environment.retain(|(n, _)| n != name);
        environment.push((name.clone(), value.clone()));
    }
    for (name, value) in &environment {
        command.arg("--env").arg(format!("{name}={value}"));
    }
    command.args(&spec.extra_args).arg(&spec.component);
    Ok(command)
}

/// The HTTP client of the probes, the benchmark and the tests (ureq): no
/// redirects followed, no status treated as an error, at most `timeout` a
/// request.
pub fn http_client(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

/// One `GET /`; returns the status code.
pub fn probe(addr: SocketAddr) -> Result<u16> {
    let response = http_client(Duration::from_secs(10))
        .get(format!("http://{addr}/"))
        .call()?;
    Ok(response.status().as_u16())
}

/// The ETag and Last-Modified a server sends for `HEAD /`.
pub fn validators_of(addr: SocketAddr) -> Result<(Option<String>, Option<String>)> {
    validators_in(addr, None)
}

/// The ETag and Last-Modified a server sends for `HEAD /` with this
/// Accept-Encoding (the validators of that encoding's variant).
pub fn validators_in(
    addr: SocketAddr,
    accept_encoding: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let mut request = http_client(Duration::from_secs(10)).head(format!("http://{addr}/"));
    if let Some(coding) = accept_encoding {
        request = request.header("Accept-Encoding", coding);
    }
    let response = request.call()?;
    let field = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    Ok((field("etag"), field("last-modified")))
}

/// Sums a /proc/PID/status field (in kB) over a process and its descendants.
pub fn process_tree_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let own: u64 = status
        .lines()
        .find(|line| line.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let rest: u64 = children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .filter_map(|c| process_tree_kib(c, field))
        .sum();
    Some(own + rest)
}
