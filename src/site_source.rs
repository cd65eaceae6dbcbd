//! Where a site's files come from, as the resolve step asks for them: a
//! mounted directory ([`crate::mounted_site::MountedSite`]: the file store,
//! reading and hashing files and noticing changes) or a table the build put
//! inside the component ([`crate::embedded_site::EmbeddedSite`]: every
//! validator and decision made at build time, no I/O). The HTTP decision is
//! the same code for both.

use std::sync::Arc;

use crate::clock::Clock;
use crate::file_read::FileError;
use crate::file_store::Snapshot;

/// The files of a site, looked up by their path relative to the root
/// (segments joined with `/`, from a checked `SitePath`).
pub trait SiteSource {
    /// The file at `relative`, its bytes possibly not at hand yet (a mounted
    /// file the site manifest vouches for): enough for a 304.
    /// `FileError::Directory` for a directory, `NotFound` for nothing.
    fn look_up(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError>;

    /// The file at `relative` with its bytes.
    fn read(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError>;

    /// The length of a precompressed variant at `variant_name` recorded as
    /// made from `source`'s bytes, if there is one: a candidate, known
    /// without I/O.
    fn recorded_variant_len(&self, variant_name: &str, source: &Snapshot) -> Option<u64>;

    /// Whether `variant`, at `variant_name`, is proven to encode exactly
    /// `source`'s bytes.
    fn proves_variant(&self, variant_name: &str, variant: &Snapshot, source: &Snapshot) -> bool;

    /// Where `relative` is, for the error log.
    fn path_of(&self, relative: &str) -> String;

    /// The bytes of file content kept in memory beyond the component's own
    /// data (zero for an embedded site, whose bytes are the component's).
    fn cached_bytes(&self) -> u64;

    /// Lines for the log about the site's own files (its manifest) that were
    /// read while answering, once each.
    fn take_problems(&mut self) -> Vec<String> {
        Vec::new()
    }
}
