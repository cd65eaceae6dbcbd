//! Starting a component under a real runtime (wasmtime serve or spin up) on
//! a loopback port, with a directory mounted at `/` and environment
//! variables, and stopping it again.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ProcessGroup;

/// The runtimes that can serve the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    Wasmtime,
    Spin,
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Runtime::Wasmtime => "wasmtime",
            Runtime::Spin => "spin",
        })
    }
}

/// The WASI version of an artifact: which of the component's two builds a
/// runtime serves (see docs/runtimes.md, "Runtimes and artifacts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Wasi {
    /// `wasi:http/handler@0.3.0` (spin-sdk 7): Spin 4.1+, wasmtime serve -Sp3.
    P3,
    /// `wasi:http/incoming-handler@0.2.0`: also Spin 2.x/3.x and SpinKube;
    /// served by wasmtime with `-Sp3=n`, which proves it needs no WASIp3.
    P2,
}

impl fmt::Display for Wasi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Wasi::P3 => "WASIp3",
            Wasi::P2 => "WASIp2",
        })
    }
}

/// How Spin gives the component its files. Wasmtime's `--dir` always mounts
/// the directory itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mounts {
    /// Spin's default, as users run it: `files` are copied when Spin starts,
    /// so a later change is not seen and every file's mtime is the copy time.
    Copied,
    /// `spin up --direct-mounts`: the directory itself, with its real mtimes,
    /// for tests that change files while the server runs.
    Direct,
}

/// What to serve, and how.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub runtime: Runtime,
    pub component: PathBuf,
    /// The WASI version of `component`: wasmtime serves a WASIp2 one with
    /// WASIp3 switched off (`-Sp3=n`).
    pub wasi: Wasi,
    /// Mounted at `/` inside the component.
    pub static_dir: PathBuf,
    pub mounts: Mounts,
    pub env: Vec<(String, String)>,
    pub addr: SocketAddr,
    /// More arguments for the runtime's serve command.
    pub extra_args: Vec<String>,
    /// Ready at the first response of any status, not only 200 (for a
    /// component that never answers 200).
    pub ready_on_any_status: bool,
    /// The Spin binary, when not the one `$SPIN` or PATH names (an older
    /// Spin, such as 4.0.x, for the WASIp2 artifact).
    pub spin: Option<PathBuf>,
}

impl ServerSpec {
    pub fn new(runtime: Runtime, component: &Path, static_dir: &Path) -> Result<Self> {
        Ok(ServerSpec {
            runtime,
            component: component.to_path_buf(),
            wasi: Wasi::P3,
            static_dir: static_dir.to_path_buf(),
            mounts: Mounts::Copied,
            env: Vec::new(),
            addr: free_loopback_addr()?,
            extra_args: Vec::new(),
            ready_on_any_status: false,
            spin: None,
        })
    }

    /// The WASI version of the component (WASIp3 unless said).
    pub fn wasi(mut self, wasi: Wasi) -> Self {
        self.wasi = wasi;
        self
    }

    pub fn mounts(mut self, mounts: Mounts) -> Self {
        self.mounts = mounts;
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }
}

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
    let mut command = Command::new(crate::install::wasmtime()?);
    command
        .arg("serve")
        .arg(match spec.wasi {
            Wasi::P3 => "-Sp3",
            Wasi::P2 => "-Sp3=n",
        })
        .arg("-Scli")
        .arg("--dir")
        .arg(format!("{}::/", spec.static_dir.display()))
        .arg("--addr")
        .arg(spec.addr.to_string());
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

/// A loopback address with a port that was free a moment ago.
pub fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
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
