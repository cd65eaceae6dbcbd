//! Starting a component under a real runtime (wasmtime serve or spin up) on
//! a loopback port, with a directory mounted at `/` and environment
//! variables, and stopping it again.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools;

/// The runtimes that can serve the component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// The runtimes to test under: wasmtime always, and Spin too whenever a Spin
/// binary is named by `$SPIN` or found on PATH.
pub fn test_runtimes() -> Vec<Runtime> {
    let mut runtimes = vec![Runtime::Wasmtime];
    if tools::find_spin().is_some() {
        runtimes.push(Runtime::Spin);
    }
    runtimes
}

/// What to serve, and how.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub runtime: Runtime,
    pub component: PathBuf,
    /// Mounted at `/` inside the component.
    pub static_dir: PathBuf,
    pub env: Vec<(String, String)>,
    pub addr: SocketAddr,
    /// More arguments for the runtime's serve command.
    pub extra_args: Vec<String>,
    /// Ready at the first response of any status, not only 200 (for a
    /// component that never answers 200).
    pub ready_on_any_status: bool,
}

impl ServerSpec {
    pub fn new(runtime: Runtime, component: &Path, static_dir: &Path) -> Result<Self> {
        Ok(ServerSpec {
            runtime,
            component: component.to_path_buf(),
            static_dir: static_dir.to_path_buf(),
            env: Vec::new(),
            addr: free_loopback_addr()?,
            extra_args: Vec::new(),
            ready_on_any_status: false,
        })
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
    child: Child,
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
            Runtime::Spin => spin_command(&spec, work_dir.path())?,
        };
        let log = work_dir.path().join("runtime.log");
        let stdout = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&log)?;
        let stderr = stdout.try_clone()?;
        command.stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        let started = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("starting {}: {command:?}", spec.runtime))?;
        let mut server = RunningServer {
            spec,
            child,
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
        self.child.id()
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
        process_tree_kib(self.child.id(), "VmRSS:")
    }

    fn wait_until_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
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

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wasmtime_command(spec: &ServerSpec) -> Result<Command> {
    let mut command = Command::new(tools::wasmtime()?);
    command
        .arg("serve")
        .args(["-Sp3", "-Scli"])
        .arg("--dir")
        .arg(format!("{}::/", spec.static_dir.display()))
        .arg("--addr")
        .arg(spec.addr.to_string());
    for (name, value) in &spec.env {
        command.arg("--env").arg(format!("{name}={value}"));
    }
    command.args(&spec.extra_args).arg(&spec.component);
    Ok(command)
}

/// A manifest like the project's spin.toml, with absolute paths and the
/// spec's environment, written to `work_dir`.
fn spin_command(spec: &ServerSpec, work_dir: &Path) -> Result<Command> {
    let spin = tools::find_spin().context("no Spin binary: set $SPIN or put spin on PATH")?;
    let environment: Vec<String> = spec
        .env
        .iter()
        .map(|(name, value)| format!("{name} = {}", toml_string(value)))
        .collect();
    let manifest = format!(
        "spin_manifest_version = 2\n\n\
         [application]\nname = \"http-caching-server-test\"\nversion = \"0.1.0\"\n\n\
         [[trigger.http]]\nroute = \"/...\"\ncomponent = \"page\"\n\n\
         [component.page]\nsource = {}\nfiles = [{{ source = {}, destination = \"/\" }}]\n\
         environment = {{ {} }}\n",
        toml_string(&spec.component.display().to_string()),
        toml_string(&spec.static_dir.display().to_string()),
        environment.join(", "),
    );
    let manifest_path = work_dir.join("spin.toml");
    std::fs::write(&manifest_path, manifest)?;
    let mut command = Command::new(spin);
    command
        .current_dir(work_dir)
        .arg("up")
        .arg("--from")
        .arg(&manifest_path)
        .arg("--listen")
        .arg(spec.addr.to_string())
        // Keep the files' real modification times (see README).
        .arg("--direct-mounts")
        .args(&spec.extra_args);
    Ok(command)
}

fn toml_string(value: &str) -> String {
    let escaped: String = value
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// A loopback address with a port that was free a moment ago.
pub fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

/// One `GET /` with `Connection: close`; returns the status code.
pub fn probe(addr: SocketAddr) -> Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let status = std::str::from_utf8(&head[9..12])?.parse()?;
    Ok(status)
}

/// The ETag and Last-Modified a server sends for `HEAD /`.
pub fn validators_of(addr: SocketAddr) -> Result<(Option<String>, Option<String>)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let field = |name: &str| {
        response.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
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
