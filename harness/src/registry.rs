//! A real OCI registry on loopback: Debian's `docker-registry` (the CNCF
//! distribution registry), with its storage in a directory of the caller's,
//! stopped when dropped. The deployment test pushes the app to it with
//! `spin registry push` and runs it back with `spin up --from`.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::process::ProcessGroup;

/// Where Debian installs the registry.
pub const PROGRAM: &str = "/usr/bin/docker-registry";

pub struct Registry {
    _process: ProcessGroup,
    pub addr: SocketAddr,
}

impl Registry {
    /// Whether the registry program is installed.
    pub fn available() -> bool {
        Path::new(PROGRAM).is_file()
    }

    /// Starts a registry storing under `dir`; returns once it answers.
    pub fn start(dir: &Path) -> Result<Registry> {
        let addr = crate::spec::free_loopback_addr()?;
        let storage = dir.join("storage");
        std::fs::create_dir_all(&storage)?;
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
                 http:\n  addr: {addr}\n",
                storage.display()
            ),
        )?;
        let log = std::fs::File::create(dir.join("registry.log"))?;
        let mut process = ProcessGroup::spawn(
            Command::new(PathBuf::from(PROGRAM))
                .arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log),
        )
        .context("starting docker-registry (Debian: apt-get install docker-registry)")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline || process.try_wait()?.is_some() {
                bail!(
                    "docker-registry did not start; see {}",
                    dir.join("registry.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Registry {
            _process: process,
            addr,
        })
    }
}
