//! A site mounted as a directory (`files` in spin.toml, `--dir` for
//! wasmtime): its files read and kept by the [`FileStore`], with change
//! detection, and the site manifest the build step wrote, read when a
//! request first needs it: a new instance (one per request for the WASIp2
//! artifact under Spin) that answers a 404 or a redirect does not read it.

use std::sync::Arc;

use crate::clock::Clock;
use crate::file_read::FileError;
use crate::file_store::{FileStore, Snapshot, StoreLimits};
use crate::site_source::SiteSource;

/// A mounted directory as a site source.
pub struct MountedSite {
    store: FileStore,
}

impl MountedSite {
    /// The site under `root`; nothing is read yet.
    pub fn new(root: &str, limits: StoreLimits) -> MountedSite {
        MountedSite {
            store: FileStore::new(root, limits),
        }
    }
}

impl SiteSource for MountedSite {
    fn look_up(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        self.store.look_up(relative, clock)
    }

    fn read(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        self.store.read(relative, clock)
    }

    fn recorded_variant_len(&self, variant_name: &str, source: &Snapshot) -> Option<u64> {
        self.store.recorded_variant_len(variant_name, source)
    }

    fn proves_variant(&self, variant_name: &str, variant: &Snapshot, source: &Snapshot) -> bool {
        self.store.proves_variant(variant_name, variant, source)
    }

    fn path_of(&self, relative: &str) -> String {
        self.store.path_of(relative).to_string_lossy().into_owned()
    }

    fn cached_bytes(&self) -> u64 {
        self.store.cached_bytes()
    }

    fn take_problems(&mut self) -> Vec<String> {
        self.store.take_problems()
    }
}
