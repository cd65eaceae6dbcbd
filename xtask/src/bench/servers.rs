//! The servers measured: the component and the floor component under each
//! runtime, and nginx; starting them, building the floor.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use harness::nginx::Nginx;
use harness::runtime::{RunningServer, Runtime, ServerSpec, Wasi};
use harness::tools;
use serde::Serialize;

use http_caching_server::Encoding;

use super::workloads::{Dataset, Validator, Workload};

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(super) enum Kind {
    Ours { access_log: bool },
    Floor,
    Nginx,
}

/// Which server a figure belongs to: the typed key of every row (compared
/// as a whole; `name` is derived from the other fields, for display).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct ServerId {
    /// The label in tables and the chart, from the fields below.
    #[serde(rename = "server")]
    pub(super) name: String,
    pub(super) kind: Kind,
    /// None for nginx.
    pub(super) runtime: Option<Runtime>,
    /// Run with a new instance for every request (wasmtime
    /// `--max-instance-reuse-count=1`): what a new instance's first
    /// request costs.
    pub(super) new_instances: bool,
    /// The WASI version of the artifact (nginx: WASIp3, meaning none).
    pub(super) wasi: Wasi,
    /// The artifact carries the site (`build --embed`); nothing is mounted.
    pub(super) embedded: bool,
    /// wasmtime reuses instances (`--max-instance-reuse-count`) for the
    /// WASIp2 artifact, which it otherwise gives a new one per request.
    pub(super) reused: bool,
}

impl ServerId {
    /// The id of a server, its label made from its parts.
    pub(super) fn new(
        kind: Kind,
        runtime: Option<Runtime>,
        wasi: Wasi,
        new_instances: bool,
    ) -> Self {
        Self::of(kind, runtime, wasi, new_instances, false, false)
    }

    /// [`ServerId::new`] for every setting.
    pub(super) fn of(
        kind: Kind,
        runtime: Option<Runtime>,
        wasi: Wasi,
        new_instances: bool,
        embedded: bool,
        reused: bool,
    ) -> Self {
        let mut name = match kind {
            Kind::Ours { access_log: true } => "http-caching-server".to_string(),
            Kind::Ours { access_log: false } => "http-caching-server, ACCESS_LOG=off".to_string(),
            Kind::Floor => "floor: fixed 304 or 200".to_string(),
            Kind::Nginx => "nginx 1.22 (Debian), etag on".to_string(),
        };
        if wasi == Wasi::P2 {
            name.push_str(if kind == Kind::Floor {
                ", WASIp2"
            } else {
                " WASIp2"
            });
        }
        if embedded {
            name.push_str(", embedded");
        }
        if new_instances {
            name.push_str(", a new instance per request");
        }
        if reused {
            name.push_str(", instances reused");
        }
        if let Some(runtime) = runtime {
            name.push_str(&format!(" ({runtime})"));
        }
        ServerId {
            name,
            kind,
            runtime,
            new_instances,
            wasi,
            embedded,
            reused,
        }
    }
}

/// A server process serving one dataset.
pub(super) struct BenchServer {
    pub(super) id: ServerId,
    pub(super) dataset: Dataset,
    pub(super) process: Process,
    pub(super) etag: Option<String>,
    pub(super) last_modified: Option<String>,
    /// The ETag of each precompressed variant, as the server sends it.
    pub(super) coded_etags: Vec<(Encoding, String)>,
}

pub(super) enum Process {
    Runtime(RunningServer),
    Nginx(Nginx),
}

impl Process {
    pub(super) fn addr(&self) -> SocketAddr {
        match self {
            Process::Runtime(server) => server.addr(),
            Process::Nginx(nginx) => nginx.addr,
        }
    }

    pub(super) fn pid(&self) -> u32 {
        match self {
            Process::Runtime(server) => server.pid(),
            Process::Nginx(nginx) => nginx.pid(),
        }
    }

    pub(super) fn startup(&self) -> Duration {
        match self {
            Process::Runtime(server) => server.time_to_first_200,
            Process::Nginx(nginx) => nginx.startup,
        }
    }
}

/// Builds the floor component in a target directory of its own: it links
/// this crate without its export, and would otherwise overwrite the
/// component's .wasm with that build.
pub(super) fn build_floor(wasi: Wasi) -> Result<PathBuf> {
    let root = tools::workspace_root();
    let (dir, artifact) = match wasi {
        Wasi::P3 => ("floor", "floor"),
        Wasi::P2 => ("floor-wasip2", "floor_wasip2"),
    };
    tools::build_wasm(
        &[
            "--manifest-path".into(),
            root.join("bench").join(dir).join("Cargo.toml").into(),
            "--target-dir".into(),
            tools::target_dir()?.join(dir).into(),
        ],
        artifact,
    )
}

/// How to run one component for the benchmark.
#[derive(Debug, Clone, Copy)]
pub(super) struct Setup {
    pub(super) kind: Kind,
    pub(super) runtime: Runtime,
    pub(super) wasi: Wasi,
    pub(super) dataset: Dataset,
    /// `--max-instance-reuse-count` for wasmtime serve; its default when None.
    pub(super) reuse_count: Option<u32>,
    /// A new instance for every request (wasmtime only).
    pub(super) new_instances: bool,
    /// The artifact carries the site: nothing mounted.
    pub(super) embedded: bool,
}

/// Starts the component (`Kind::Ours`) or its floor on the site in `dir`,
/// as `setup` says; `[component, floor]` are the artifacts of its WASI
/// version.
pub(super) fn start_component(
    setup: Setup,
    dir: &Path,
    [component, floor]: [&Path; 2],
) -> Result<BenchServer> {
    let Setup {
        kind,
        runtime,
        wasi,
        dataset,
        reuse_count,
        new_instances,
        embedded,
    } = setup;
    let wasm = match kind {
        Kind::Ours { .. } => component,
        Kind::Floor => floor,
        Kind::Nginx => bail!("not a component"),
    };
    let mut spec = ServerSpec::new(runtime, wasm, dir)?.wasi(wasi);
    if kind == (Kind::Ours { access_log: false }) {
        spec = spec.env("ACCESS_LOG", "off");
    }
    spec.ready_on_any_status = kind == Kind::Floor;
    spec.embedded = embedded;
    if kind == Kind::Floor {
        spec = spec.env("FLOOR_BODY_BYTES", &dataset.bytes().to_string());
    }
    let reuse_count = if new_instances { Some(1) } else { reuse_count };
    if let (Some(count), Runtime::Wasmtime) = (reuse_count, runtime) {
        spec.extra_args = vec![format!("--max-instance-reuse-count={count}")];
    }
    let server = RunningServer::start(spec)?;
    Ok(BenchServer {
        id: ServerId::of(
            kind,
            Some(runtime),
            wasi,
            new_instances,
            embedded,
            reuse_count.is_some() && !new_instances && wasi == Wasi::P2,
        ),
        dataset,
        process: Process::Runtime(server),
        etag: None,
        last_modified: None,
        coded_etags: Vec::new(),
    })
}

pub(super) fn start_nginx(dataset: Dataset, dir: &Path, work: &Path) -> Result<BenchServer> {
    let prefix = work.join(format!("nginx-{dataset:?}"));
    let nginx = Nginx::start(
        &prefix,
        &format!(
            "sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n  \
             access_log {}/logs/access.log;\n  etag on;\n  types {{ text/html html; }}\n  \
             server {{\n    listen {{listen}};\n    root {};\n    location / {{ }}\n  }}",
            prefix.display(),
            dir.display()
        ),
    )?;
    Ok(BenchServer {
        id: ServerId::new(Kind::Nginx, None, Wasi::P3, false),
        dataset,
        process: Process::Nginx(nginx),
        etag: None,
        last_modified: None,
        coded_etags: Vec::new(),
    })
}

/// The request fields of `workload` to `server`: its Accept-Encoding, and
/// the validator of the variant that encoding selects.
pub(super) fn request_fields(server: &BenchServer, workload: Workload) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let etag = match workload.encoding {
        Some(coding) => {
            fields.push(("Accept-Encoding".to_string(), coding.token().to_string()));
            server
                .coded_etags
                .iter()
                .find(|(c, _)| *c == coding)
                .map(|(_, tag)| tag.clone())
        }
        None => server.etag.clone(),
    };
    let (name, value, otherwise) = match workload.validator {
        Validator::None => return fields,
        Validator::IfNoneMatch => ("If-None-Match", &etag, "\"none\""),
        Validator::IfModifiedSince => (
            "If-Modified-Since",
            &server.last_modified,
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
    };
    let value = value.clone().unwrap_or_else(|| otherwise.to_string());
    fields.push((name.to_string(), value));
    fields
}
