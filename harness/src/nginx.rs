//! nginx from Debian's packages, started with a configuration written for the
//! occasion, on a loopback port, and stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ProcessGroup;

/// A running nginx; stopped (SIGTERM to its process group, master and
/// workers) when dropped.
pub struct Nginx {
    process: ProcessGroup,
    pub addr: SocketAddr,
    /// Where its configuration, logs and cache are.
    pub prefix: PathBuf,
    pub startup: Duration,
}

impl Nginx {
    /// Starts nginx under `prefix` with `http_body` inside its `http` block;
    /// `{listen}` in it is replaced by the address it listens on. Returns once
    /// it accepts connections.
    pub fn start(prefix: &Path, http_body: &str) -> Result<Nginx> {
        let addr = crate::spec::free_loopback_addr()?;
        std::fs::create_dir_all(prefix.join("logs"))?;
        std::fs::create_dir_all(prefix.join("tmp"))?;
        let p = prefix.display();
        let config = format!(
            "daemon off;\nworker_processes auto;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  client_body_temp_path {p}/tmp;\n  proxy_temp_path {p}/tmp;\n  \
             fastcgi_temp_path {p}/tmp;\n  uwsgi_temp_path {p}/tmp;\n  scgi_temp_path {p}/tmp;\n  \
             {}\n}}\n",
            http_body.replace("{listen}", &addr.to_string())
        );
        let config_path = prefix.join("nginx.conf");
        std::fs::write(&config_path, config)?;
        let program = crate::tools::find_program("nginx")
            .or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()))
            .context("nginx is not installed (Debian: apt-get install nginx-light)")?;
        let started = Instant::now();
        let process = ProcessGroup::spawn(
            Command::new(program)
                .arg("-p")
                .arg(prefix)
                .arg("-c")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit()),
        )
        .context("starting nginx")?;
        let mut nginx = Nginx {
            process,
            addr,
            prefix: prefix.to_path_buf(),
            startup: Duration::ZERO,
        };
        // Ready once it accepts connections; a request here would go through
        // (and fill) a cache the caller configured.
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline || nginx.process.try_wait()?.is_some() {
                bail!("nginx did not start; see {p}/logs/error.log");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx.startup = started.elapsed();
        Ok(nginx)
    }

    /// A shared cache: `proxy_cache` with `proxy_cache_revalidate on` in
    /// front of `origins` (round robin when there are several), its cache
    /// under `prefix`, and the cache's verdict in `X-Cache-Status`.
    pub fn shared_cache(prefix: &Path, origins: &[SocketAddr]) -> Result<Nginx> {
        let servers: String = origins.iter().map(|o| format!("server {o}; ")).collect();
        Nginx::start(
            prefix,
            &format!(
                "proxy_cache_path {cache} levels=1 keys_zone=site:1m max_size=10m inactive=10m use_temp_path=off;\n  \
                 access_log off;\n  \
                 upstream origins {{ {servers}}}\n  \
                 server {{\n    listen {{listen}};\n    location / {{\n      \
                 proxy_pass http://origins;\n      proxy_http_version 1.1;\n      \
                 proxy_cache site;\n      proxy_cache_revalidate on;\n      \
                 add_header X-Cache-Status $upstream_cache_status always;\n    }}\n  }}",
                cache = prefix.join("cache").display(),
            ),
        )
    }

    /// Whether nginx is installed.
    pub fn available() -> bool {
        crate::tools::find_program("nginx").is_some() || Path::new("/usr/sbin/nginx").is_file()
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}
