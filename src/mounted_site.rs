//! A site mounted as a directory (`files` in spin.toml, `--dir` for
//! wasmtime): its files read and kept by the [`FileStore`], with change
//! detection, the site manifest the build step wrote, and the cache rules of
//! `.cache-rules`, both read when the instance starts.

use std::sync::Arc;

use http::HeaderValue;

use crate::cache_rules::{self, CacheRules};
use crate::clock::Clock;
use crate::file_read::FileError;
use crate::file_store::{FileStore, Snapshot, StoreLimits};
use crate::site_source::SiteSource;

/// A mounted directory as a site source.
pub struct MountedSite {
    store: FileStore,
    cache_rules: CacheRules,
}

impl MountedSite {
    /// The site under `root`, with its manifest and cache rules loaded.
    /// Returns what is wrong with them, for the log.
    pub fn new(root: &str, limits: StoreLimits) -> (MountedSite, Vec<String>) {
        let mut store = FileStore::new(root, limits);
        let mut problems = store.load_manifest();
        let mut cache_rules = CacheRules::default();
        match store.read_site_file(cache_rules::FILE_NAME) {
            Ok(Some(text)) => problems.extend(cache_rules.parse(&text)),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
        (MountedSite { store, cache_rules }, problems)
    }
}

impl SiteSource for MountedSite {
    fn head(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        self.store.head(relative, clock)
    }

    fn get(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        self.store.get(relative, clock)
    }

    fn records_variant(&self, variant_name: &str, source: &Snapshot) -> bool {
        self.store.records_variant(variant_name, source)
    }

    fn proves_variant(&self, variant_name: &str, variant: &Snapshot, source: &Snapshot) -> bool {
        self.store.proves_variant(variant_name, variant, source)
    }

    fn cache_control(
        &self,
        relative: &str,
        content_type: &HeaderValue,
        default: &HeaderValue,
    ) -> HeaderValue {
        self.cache_rules
            .for_file(relative, content_type)
            .unwrap_or(default)
            .clone()
    }

    fn path_of(&self, relative: &str) -> String {
        self.store.path_of(relative).to_string_lossy().into_owned()
    }

    fn cached_bytes(&self) -> u64 {
        self.store.cached_bytes()
    }
}
