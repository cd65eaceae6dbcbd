//! A site mounted as a directory (`files` in spin.toml, `--dir` for
//! wasmtime): its files read and kept by the [`FileStore`], with change
//! detection, the site manifest the build step wrote, and the cache rules of
//! `.cache-rules`, each read when a request first needs it: a new instance
//! (one per request for the WASIp2 artifact under Spin) that answers a 404
//! or a redirect reads neither.

use std::cell::{OnceCell, RefCell};
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
    /// Read when a request first needs a Cache-Control.
    cache_rules: OnceCell<CacheRules>,
    /// What was wrong with the rules, for the log of the request that read
    /// them.
    problems: RefCell<Vec<String>>,
}

impl MountedSite {
    /// The site under `root`; nothing is read yet.
    pub fn new(root: &str, limits: StoreLimits) -> MountedSite {
        MountedSite {
            store: FileStore::new(root, limits),
            cache_rules: OnceCell::new(),
            problems: RefCell::new(Vec::new()),
        }
    }

    fn cache_rules(&self) -> &CacheRules {
        self.cache_rules.get_or_init(|| {
            let mut rules = CacheRules::default();
            let problems = match self.store.read_site_file(cache_rules::FILE_NAME) {
                Ok(Some(text)) => rules.parse(&text),
                Ok(None) => Vec::new(),
                Err(problem) => vec![problem],
            };
            self.problems.borrow_mut().extend(problems);
            rules
        })
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
        self.cache_rules()
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

    fn take_problems(&mut self) -> Vec<String> {
        let mut problems = self.store.take_problems();
        problems.append(&mut self.problems.borrow_mut());
        problems
    }
}
