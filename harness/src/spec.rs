//! What to serve and how: the runtime, the artifact's WASI version, the
//! mounted directory, the environment and the address. Shared by the
//! launchers (`runtime`, `spin`) and the tools, which depend on it and not
//! on each other.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use anyhow::Result;

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
    /// The component carries its site (an embedded build): nothing is
    /// mounted, no `--dir` for wasmtime and no `files` for Spin.
    pub embedded: bool,
    /// A Spin app of its own instead of the project's spin.toml, for Spin.
    pub app: Option<SpinApp>,
}

/// A Spin app manifest run as it is, in a directory that holds the spec's
/// site linked as `site` and each of `dirs` linked under its name, so that
/// the manifest's `files` can name them.
#[derive(Debug, Clone)]
pub struct SpinApp {
    pub manifest: String,
    pub dirs: Vec<(String, PathBuf)>,
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
            embedded: false,
            app: None,
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

/// A loopback address with a port that was free a moment ago.
pub fn free_loopback_addr() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}
