//! The files of the site, remembered between requests, so that a request
//! re-reads and re-hashes a file only when it has changed.
//!
//! How a change is detected:
//! - At most once per `check_interval`, a request looks at the file's metadata
//!   (length and modification time, with the nanoseconds the runtime gives).
//!   Between checks the remembered snapshot is served: a change becomes
//!   visible at most `check_interval` late. Zero checks on every request.
//! - When the metadata differs, the file is read and hashed again, by
//!   [`crate::site::mounted::file_read`], which never returns a read that crossed a write.
//! - Metadata cannot tell two writes of the same length apart when they fall
//!   in the same tick of the file system's clock. So, as git does with its
//!   "racily clean" entries, a file modified less than
//!   [`crate::site::mounted::file_read::RACY_WINDOW`] before
//!   it was read is read and hashed again at every check until its time is
//!   older than that window.
//! - The ETag is always the MD5 of the very bytes that are kept and sent: a
//!   snapshot holds both, and is replaced whole.
//! - Last-Modified is the time the site manifest recorded for exactly these
//!   bytes, when it has one (see [`crate::site::mounted::manifest`]), else the file's.
//!
//! What is kept is bounded in bytes: past `max_cached_bytes`, the files used
//! least recently are forgotten (and read again when asked for). A file larger
//! than the bound is served but never kept. A file larger than
//! `max_kept_file_bytes` is never read whole: it is hashed in pieces
//! ([`file_read::hash_settled`]), once per version as long as the instance
//! lives, and its body is sent from the file ([`file_stream`]). A name found
//! missing is remembered for one check interval, up to `REMEMBERED_MISSES`
//! names, so requests for names that do not exist cannot grow an instance's
//! memory.

pub mod confined_path;
pub mod file_read;
pub mod file_stream;
pub mod manifest;

use std::cell::{OnceCell, RefCell};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use lru::LruCache;

use crate::clock::Clock;
use crate::decision::validators::{Validators, md5_hex};
use crate::log_lines::LogLines;
use crate::site::mounted::confined_path::resolve_under;
use crate::site::mounted::file_read::{Fingerprint, READ_ATTEMPTS, hash_settled, read_settled};
use crate::site::mounted::file_stream::OpenedVersion;
use crate::site::{FileError, OpenedFile, SiteSource, Snapshot};
use manifest::SiteManifest;

/// Limits of a store.
#[derive(Debug, Clone, Copy)]
pub struct StoreLimits {
    /// How long a file's snapshot is served before its metadata is looked at again.
    pub check_interval: Duration,
    /// The largest file that is read whole and may be kept; a larger one is
    /// hashed in pieces and sent from the file.
    pub max_kept_file_bytes: u64,
    /// The most bytes of content kept between requests.
    pub max_cached_bytes: u64,
}

/// How many names found missing are remembered (each for one check interval).
const REMEMBERED_MISSES: usize = 1024;

struct Entry {
    snapshot: Arc<Snapshot>,
    fingerprint: Fingerprint,
    checked_at: Instant,
    /// Modified too recently for its metadata to be trusted.
    racy: bool,
    /// For a file sent from the file: the handle opened for this version,
    /// kept for the next request ([`SiteSource::open`]).
    opened: Option<Arc<fs::File>>,
}

impl Entry {
    /// The entry of `snapshot`, made from the version `fingerprint`
    /// describes, looked at `checked_at`; no handle opened yet.
    fn new(
        snapshot: Arc<Snapshot>,
        fingerprint: Fingerprint,
        checked_at: Instant,
        racy: bool,
    ) -> Entry {
        Entry {
            snapshot,
            fingerprint,
            checked_at,
            racy,
            opened: None,
        }
    }

    fn bytes(&self) -> u64 {
        self.snapshot.content.as_ref().map_or(0, |c| c.len() as u64)
    }
}

/// The files of one directory tree, remembered between requests.
pub struct FileStore {
    root: PathBuf,
    limits: StoreLimits,
    entries: LruCache<String, Entry>,
    cached_bytes: u64,
    /// Names found missing, and when: within a check interval they are
    /// answered missing without a look (a site's variants that do not exist
    /// are asked for on every request).
    misses: LruCache<String, Instant>,
    /// The site manifest, read when a request first needs it.
    manifest: OnceCell<SiteManifest>,
    /// What was wrong with the manifest, for the log of the request that
    /// read it ([`SiteSource::take_log_lines`]).
    log_lines: RefCell<LogLines>,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>, limits: StoreLimits) -> Self {
        FileStore {
            root: root.into(),
            limits,
            entries: LruCache::unbounded(),
            cached_bytes: 0,
            // Unbounded in the map, bounded in `look_up` (REMEMBERED_MISSES): a bounded
            // LruCache allocates all of its room up front, and an instance
            // (one per request for the WASIp2 artifact) rarely needs it.
            misses: LruCache::unbounded(),
            manifest: OnceCell::new(),
            log_lines: RefCell::new(LogLines::default()),
        }
    }

    /// The site manifest written by the build step, read (once) when a
    /// request first needs it, not when the instance starts; an empty one
    /// when the site has none, whose files are then served with their own
    /// times. What is wrong with it waits in [`SiteSource::take_log_lines`].
    fn manifest(&self) -> &SiteManifest {
        self.manifest.get_or_init(|| {
            let (manifest, problems) = match self.read_site_file(manifest::FILE_NAME) {
                Ok(Some(text)) => SiteManifest::parse(&text),
                Ok(None) => (SiteManifest::default(), Vec::new()),
                Err(problem) => (SiteManifest::default(), vec![problem]),
            };
            self.log_lines.borrow_mut().extend(problems);
            manifest
        })
    }

    /// The text of a file of the site's own (the manifest)
    /// at the root: None when the site has none, the line for the log when
    /// it cannot be read.
    fn read_site_file(&self, name: &str) -> Result<Option<String>, String> {
        let path = self.root.join(name);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(format!("{}: cannot be read: {err}", path.display())),
        }
    }

    fn check(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        let (now, wall) = (clock.monotonic, clock.wall);
        let (path, metadata) = resolve_under(&self.root, relative)?;
        let fingerprint = Fingerprint::of_file(&metadata)?;
        if let Some(entry) = self.entries.get_mut(relative)
            && entry.fingerprint == fingerprint
            && !entry.racy
        {
            entry.checked_at = now;
            return Ok(entry.snapshot.clone());
        }
        if !fingerprint.is_recent(wall)
            && let Some(modified) = fingerprint.modified
            && let Some(recorded) = self
                .manifest()
                .vouches_for(relative, fingerprint.len, modified)
        {
            let snapshot = snapshot_of(
                relative,
                &recorded.md5,
                Some(recorded.modified()),
                recorded.len,
                None,
            );
            let entry = Entry::new(snapshot.clone(), fingerprint, now, false);
            self.remember(relative, entry);
            return Ok(snapshot);
        }
        self.read_and_keep(relative, &path, clock)
    }

    /// Reads the file at `path` (see [`crate::site::mounted::file_read`]) and keeps the
    /// snapshot of what was read; a file larger than `max_kept_file_bytes`
    /// is hashed instead ([`FileStore::hash_and_keep`]).
    fn read_and_keep(
        &mut self,
        relative: &str,
        path: &Path,
        clock: Clock,
    ) -> Result<Arc<Snapshot>, FileError> {
        let (now, wall) = (clock.monotonic, clock.wall);
        let (content, fingerprint) = match read_settled(path, self.limits.max_kept_file_bytes, wall)
        {
            Err(FileError::TooLarge { .. }) => return self.hash_and_keep(relative, path, clock),
            Err(err) => return Err(err),
            Ok(Some(settled)) => settled,
            // Every read crossed a write. Serve the last whole version kept,
            // looked at again next time; without one, say so (503).
            Ok(None) => match self.entries.get_mut(relative) {
                Some(entry) if entry.snapshot.content.is_some() => {
                    entry.racy = true;
                    return Ok(entry.snapshot.clone());
                }
                _ => {
                    return Err(FileError::Unsettled {
                        reads: READ_ATTEMPTS,
                    });
                }
            },
        };
        let recent = fingerprint.is_recent(wall);
        let snapshot = match self.entries.peek(relative) {
            // A re-check of a racy entry found the same bytes and time: keep
            // the snapshot and skip the hash.
            Some(entry)
                if entry.fingerprint == fingerprint
                    && entry.snapshot.content.as_deref() == Some(&content[..]) =>
            {
                entry.snapshot.clone()
            }
            _ => {
                let md5 = md5_hex(&content);
                let modified = self
                    .manifest()
                    .time_for(relative, &md5)
                    .or(fingerprint.modified);
                let len = content.len() as u64;
                snapshot_of(relative, &md5, modified, len, Some(Bytes::from(content)))
            }
        };
        self.remember(
            relative,
            Entry::new(snapshot.clone(), fingerprint, now, recent),
        );
        Ok(snapshot)
    }

    /// Hashes the file at `path` in pieces, never holding it whole, and keeps
    /// the snapshot of its validators without its bytes: the body is sent
    /// from the file ([`SiteSource::open`]). 503 when no hash was of one
    /// whole version.
    fn hash_and_keep(
        &mut self,
        relative: &str,
        path: &Path,
        clock: Clock,
    ) -> Result<Arc<Snapshot>, FileError> {
        let Some((md5, fingerprint)) = hash_settled(path, clock.wall)? else {
            return Err(FileError::Unsettled {
                reads: READ_ATTEMPTS,
            });
        };
        let modified = self
            .manifest()
            .time_for(relative, &md5)
            .or(fingerprint.modified);
        let snapshot = snapshot_of(relative, &md5, modified, fingerprint.len, None);
        let racy = fingerprint.is_recent(clock.wall);
        let entry = Entry::new(snapshot.clone(), fingerprint, clock.monotonic, racy);
        self.remember(relative, entry);
        Ok(snapshot)
    }

    /// Whether the file of `snapshot` is sent from the file, not from
    /// memory: it is larger than what is kept.
    fn is_sent_from_file(&self, snapshot: &Snapshot) -> bool {
        snapshot.content.is_none() && snapshot.len > self.limits.max_kept_file_bytes
    }

    /// Keeps `entry`, forgetting the least recently used files while the
    /// bytes kept would pass the bound. An entry larger than the bound is not
    /// kept at all.
    fn remember(&mut self, relative: &str, entry: Entry) {
        self.forget(relative);
        let bytes = entry.bytes();
        if bytes > self.limits.max_cached_bytes {
            return;
        }
        while self.cached_bytes + bytes > self.limits.max_cached_bytes {
            match self.entries.pop_lru() {
                Some((_, old)) => self.cached_bytes -= old.bytes(),
                None => break,
            }
        }
        self.cached_bytes += bytes;
        self.entries.put(relative.to_string(), entry);
    }

    fn forget(&mut self, relative: &str) {
        if let Some(old) = self.entries.pop(relative) {
            self.cached_bytes -= old.bytes();
        }
    }
}

/// The snapshot of the file at `relative` whose bytes have the MD5 `md5`
/// (hex) and `len`, modified at `modified`, with `content` when it is kept;
/// its type from its name.
fn snapshot_of(
    relative: &str,
    md5: &str,
    modified: Option<std::time::SystemTime>,
    len: u64,
    content: Option<Bytes>,
) -> Arc<Snapshot> {
    let named = crate::decision::content_type::for_file_name(relative);
    Arc::new(Snapshot {
        validators: Validators::from_md5_hex(md5, modified),
        len,
        content_type: named.content_type,
        content_encoding: named.content_encoding,
        content,
    })
}

/// A mounted directory (`files` in spin.toml, `--dir` for wasmtime) as
/// the site's source.
impl SiteSource for FileStore {
    /// Whether `variant`, the precompressed variant at `variant_name`, is
    /// proven to encode exactly the bytes of `source`: the site manifest
    /// records the variant's bytes as made from the source's bytes (see
    /// [`crate::site::mounted::manifest`]). Without a manifest nothing is proven.
    fn proves_variant(&self, variant_name: &str, variant: &Snapshot, source: &Snapshot) -> bool {
        self.manifest()
            .source_of_variant(variant_name, variant.validators.md5_hex())
            .is_some_and(|made_from| made_from.eq_ignore_ascii_case(source.validators.md5_hex()))
    }

    /// The recorded length of a variant at `variant_name` made from
    /// `source`'s bytes, if the site manifest records one: a candidate,
    /// known without any I/O, that [`FileStore::proves_variant`] must still
    /// prove before it is sent.
    fn recorded_variant_len(&self, variant_name: &str, source: &Snapshot) -> Option<u64> {
        self.manifest()
            .variant_len_of(variant_name, source.validators.md5_hex())
    }

    /// The full path of `relative` under the root, for error messages.
    fn path_of(&self, relative: &str) -> String {
        self.root.join(relative).to_string_lossy().into_owned()
    }

    /// The bytes of content kept now.
    fn cached_bytes(&self) -> u64 {
        self.cached_bytes
    }

    /// The current snapshot of the file at `relative` (segments joined with
    /// `/`, from a checked `SitePath` of the resolve step), with its bytes.
    /// `clock` is the request's (see [`Clock`]).
    fn read(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        let snapshot = self.look_up(relative, clock)?;
        if snapshot.content.is_some() || self.is_sent_from_file(&snapshot) {
            return Ok(snapshot);
        }
        // Vouched for by the manifest, never read: read it now. Its ETag
        // comes from the bytes read, whatever the manifest said.
        let result = resolve_under(&self.root, relative)
            .and_then(|(path, _)| self.read_and_keep(relative, &path, clock));
        if result.is_err() {
            self.forget(relative);
        }
        result
    }

    /// Like [`FileStore::read`], but a file the site manifest vouches for
    /// (same length and time to the nanosecond as recorded, not modified
    /// within the racy window) comes back without its bytes, its validators
    /// taken from the manifest: enough for a 304, without reading the file.
    fn look_up(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError> {
        let now = clock.monotonic;
        let within_interval =
            |at: &Instant| now.saturating_duration_since(*at) < self.limits.check_interval;
        if let Some(entry) = self.entries.get(relative)
            && within_interval(&entry.checked_at)
        {
            return Ok(entry.snapshot.clone());
        }
        if self.misses.get(relative).is_some_and(within_interval) {
            return Err(FileError::NotFound);
        }
        let result = self.check(relative, clock);
        match &result {
            Ok(_) => {
                self.misses.pop(relative);
            }
            Err(err) => {
                // Never serve a file that is known to be gone or unreadable.
                self.forget(relative);
                if matches!(err, FileError::NotFound) {
                    if self.misses.len() >= REMEMBERED_MISSES {
                        self.misses.pop_lru();
                    }
                    self.misses.put(relative.to_string(), now);
                }
            }
        }
        result
    }

    /// The file opened for the version `snapshot` was made from (the entry
    /// it is kept in); a file that is no longer that version is forgotten.
    fn open(
        &mut self,
        relative: &str,
        snapshot: &Arc<Snapshot>,
    ) -> Result<Box<dyn OpenedFile>, FileError> {
        let entry = self
            .entries
            .peek_mut(relative)
            .filter(|entry| Arc::ptr_eq(&entry.snapshot, snapshot));
        let opened = match entry {
            // The handle of this version, opened for an earlier request: a
            // file renamed over it is seen at the next check of the path.
            Some(Entry {
                opened: Some(handle),
                fingerprint,
                ..
            }) => OpenedVersion::reopen(handle.clone(), *fingerprint),
            Some(entry) => resolve_under(&self.root, relative)
                .and_then(|(path, _)| OpenedVersion::open(&path, entry.fingerprint))
                .inspect(|opened| entry.opened = Some(opened.handle())),
            None => Err(FileError::Changed),
        };
        if opened.is_err() {
            self.forget(relative);
        }
        Ok(Box::new(opened?))
    }

    /// The lines for the log that wait since the manifest was read.
    fn take_log_lines(&mut self) -> LogLines {
        std::mem::take(&mut self.log_lines.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::mounted::file_read::{READ_PIECE_BYTES, test_hook};
    use std::time::SystemTime;

    /// The clock of a request at `monotonic` and `wall`.
    fn at(monotonic: Instant, wall: SystemTime) -> Clock {
        Clock { monotonic, wall }
    }

    /// A rewrite in place in the middle of a read, with the file's time put
    /// back, as a second write within one tick of a coarse file-system clock
    /// leaves it: the read is half one version and half the other, and the
    /// metadata says nothing moved. The second read of a recent file tells.
    #[test]
    fn a_read_crossed_by_a_same_tick_rewrite_is_never_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        rewritten_in_the_same_tick_during_a_read(&path);
        let mut store = store(dir.path(), Duration::ZERO);
        let snapshot = store
            .read("index.html", at(Instant::now(), SystemTime::now()))
            .unwrap();
        assert!(test_hook::has_run(), "the rewrite happened during the read");
        assert!(
            content_of(&snapshot).iter().all(|&b| b == b'b'),
            "a torn read was kept: {} bytes of 'a', {} of 'b'",
            content_of(&snapshot).iter().filter(|&&b| b == b'a').count(),
            content_of(&snapshot).iter().filter(|&&b| b == b'b').count()
        );
        assert_eq!(
            snapshot.validators.etag(),
            crate::decision::validators::strong_etag(content_of(&snapshot))
        );
    }

    /// Writes three pieces of `a` to `path`, now, and has the next read on
    /// this thread, after its first piece, rewrite the file in place with
    /// three pieces of `b` and put its time back, as a second write within
    /// one tick of a coarse file-system clock leaves it. Returns the new
    /// bytes.
    fn rewritten_in_the_same_tick_during_a_read(path: &Path) -> Vec<u8> {
        let (old, new) = (
            vec![b'a'; 3 * READ_PIECE_BYTES],
            vec![b'b'; 3 * READ_PIECE_BYTES],
        );
        let tick = SystemTime::now();
        write_with_time(path, &old, tick);
        let (writer_path, written) = (path.to_path_buf(), new.clone());
        test_hook::set_after_a_piece(move || {
            // In place: the open handle keeps reading the same file.
            let mut file = fs::File::options().write(true).open(&writer_path).unwrap();
            std::io::Write::write_all(&mut file, &written).unwrap();
            file.set_modified(tick).unwrap();
        });
        new
    }

    const HOUR: Duration = Duration::from_secs(3600);

    fn content_of(snapshot: &Snapshot) -> &[u8] {
        snapshot.content.as_deref().expect("the bytes were read")
    }

    fn limits(check_interval: Duration) -> StoreLimits {
        StoreLimits {
            check_interval,
            max_kept_file_bytes: 1 << 20,
            max_cached_bytes: 1 << 20,
        }
    }

    fn store(dir: &Path, interval: Duration) -> FileStore {
        FileStore::new(dir, limits(interval))
    }

    /// Writes `content` in place and sets the file's time to `mtime`.
    fn write_with_time(path: &Path, content: &[u8], mtime: SystemTime) {
        fs::write(path, content).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(mtime).unwrap();
    }

    fn etag(store: &mut FileStore, now: Instant) -> String {
        let snapshot = store
            .read("index.html", at(now, SystemTime::now()))
            .unwrap();
        assert_eq!(
            snapshot.validators.etag(),
            crate::decision::validators::strong_etag(content_of(&snapshot))
        );
        snapshot.validators.etag().to_string()
    }

    #[test]
    fn a_change_in_metadata_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let old = SystemTime::now() - HOUR;
        write_with_time(&path, b"one", old);
        let mut store = store(dir.path(), Duration::ZERO);
        let now = Instant::now();
        assert_eq!(
            etag(&mut store, now),
            crate::decision::validators::strong_etag(b"one")
        );
        write_with_time(&path, b"two!", old);
        assert_eq!(
            etag(&mut store, now),
            crate::decision::validators::strong_etag(b"two!")
        );
    }

    #[test]
    fn same_size_and_same_time_is_seen_while_the_file_is_recent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let recent = SystemTime::now() - Duration::from_millis(200);
        write_with_time(&path, b"AAAA", recent);
        let mut store = store(dir.path(), Duration::ZERO);
        let now = Instant::now();
        assert_eq!(
            etag(&mut store, now),
            crate::decision::validators::strong_etag(b"AAAA")
        );
        write_with_time(&path, b"BBBB", recent);
        assert_eq!(
            etag(&mut store, now),
            crate::decision::validators::strong_etag(b"BBBB")
        );
    }

    #[test]
    fn same_size_and_same_old_time_is_the_documented_limit() {
        // A rewrite that keeps both length and an old modification time is
        // invisible to metadata: the README names this limit.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let old = SystemTime::now() - HOUR;
        write_with_time(&path, b"AAAA", old);
        let mut store = store(dir.path(), Duration::ZERO);
        let now = Instant::now();
        let first = etag(&mut store, now);
        write_with_time(&path, b"BBBB", old);
        assert_eq!(etag(&mut store, now), first);
    }

    #[test]
    fn within_the_check_interval_nothing_is_looked_at() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        write_with_time(&path, b"one", SystemTime::now() - HOUR);
        let mut store = store(dir.path(), Duration::from_secs(1));
        let start = Instant::now();
        let first = etag(&mut store, start);
        write_with_time(&path, b"other", SystemTime::now() - HOUR);
        assert_eq!(etag(&mut store, start + Duration::from_millis(999)), first);
        assert_eq!(
            etag(&mut store, start + Duration::from_secs(1)),
            crate::decision::validators::strong_etag(b"other")
        );
    }

    /// A file larger than what is kept: hashed, not kept, and opened for
    /// the version hashed; its body is read from the file, and a rewrite
    /// while it is read is refused.
    #[test]
    fn a_large_file_is_hashed_not_kept_and_opened_while_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.mp4");
        let content: Vec<u8> = (0..3 * READ_PIECE_BYTES).map(|i| (i % 251) as u8).collect();
        write_with_time(&path, &content, SystemTime::now() - HOUR);
        let mut store = FileStore::new(
            dir.path(),
            StoreLimits {
                max_kept_file_bytes: 1000,
                ..limits(Duration::ZERO)
            },
        );
        let (now, wall) = (Instant::now(), SystemTime::now());
        let snapshot = store.read("video.mp4", at(now, wall)).unwrap();
        assert!(
            snapshot.content.is_none(),
            "a large file is never held whole"
        );
        assert_eq!(snapshot.len, content.len() as u64);
        assert_eq!(
            snapshot.validators.etag(),
            crate::decision::validators::strong_etag(&content)
        );
        assert_eq!(store.cached_bytes(), 0);
        // Looked at again, the same version is not hashed again: the same
        // snapshot comes back.
        let again = store.read("video.mp4", at(now, wall)).unwrap();
        assert!(Arc::ptr_eq(&snapshot, &again));
        let mut file = store.open("video.mp4", &again).unwrap();
        let offset = READ_PIECE_BYTES as u64 + 7;
        assert_eq!(
            &file.read_at(offset, 100).unwrap()[..],
            &content[offset as usize..offset as usize + 100]
        );
        // Rewritten in place while a piece is read: the piece is refused.
        let writer_path = path.clone();
        test_hook::set_after_a_piece(move || {
            fs::write(&writer_path, b"shorter").unwrap();
        });
        assert!(matches!(file.read_at(0, 100), Err(FileError::Changed)));
        assert!(test_hook::has_run());
        // The old version can no longer be opened, and is forgotten.
        assert!(matches!(
            store.open("video.mp4", &again),
            Err(FileError::Changed)
        ));
        let now_small = store.read("video.mp4", at(now, wall)).unwrap();
        assert_eq!(content_of(&now_small), b"shorter");
    }

    /// A large recent file rewritten in place in the middle of its hash,
    /// with its time put back: the second hash tells, and the hash kept is
    /// of one version.
    #[test]
    fn a_hash_crossed_by_a_rewrite_is_never_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.bin");
        let new = rewritten_in_the_same_tick_during_a_read(&path);
        let mut store = FileStore::new(
            dir.path(),
            StoreLimits {
                max_kept_file_bytes: 1000,
                ..limits(Duration::ZERO)
            },
        );
        let snapshot = store
            .read("data.bin", at(Instant::now(), SystemTime::now()))
            .unwrap();
        assert!(test_hook::has_run(), "the rewrite happened during the hash");
        assert_eq!(
            snapshot.validators.etag(),
            crate::decision::validators::strong_etag(&new)
        );
    }

    #[test]
    fn missing_directory_and_unreadable_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::new(dir.path(), limits(Duration::ZERO));
        let wall = SystemTime::now();
        let now = Instant::now();
        assert!(matches!(
            store.read("index.html", at(now, wall)),
            Err(FileError::NotFound)
        ));
        fs::create_dir(dir.path().join("index.html")).unwrap();
        assert!(matches!(
            store.read("index.html", at(now, wall)),
            Err(FileError::Directory)
        ));
        fs::remove_dir(dir.path().join("index.html")).unwrap();
        // A symbolic link to itself cannot be opened, even by root.
        std::os::unix::fs::symlink("index.html", dir.path().join("index.html")).unwrap();
        let err = store.read("index.html", at(now, wall)).unwrap_err();
        assert!(matches!(err, FileError::Unreadable(_)), "{err:?}");
    }

    #[test]
    fn a_deleted_file_is_never_served_from_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        fs::write(&path, b"here").unwrap();
        let mut store = store(dir.path(), Duration::ZERO);
        let now = Instant::now();
        etag(&mut store, now);
        fs::remove_file(&path).unwrap();
        assert!(matches!(
            store.read("index.html", at(now, SystemTime::now())),
            Err(FileError::NotFound)
        ));
        fs::write(&path, b"back").unwrap();
        assert_eq!(
            etag(&mut store, now),
            crate::decision::validators::strong_etag(b"back")
        );
    }

    #[test]
    fn the_manifest_time_is_used_only_for_the_recorded_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        fs::write(&path, b"recorded").unwrap();
        let recorded_secs = 1_600_000_000;
        let manifest = format!(
            "{} 8 {recorded_secs} - index.html\n",
            crate::decision::validators::md5_hex(b"recorded")
        );
        fs::write(dir.path().join(manifest::FILE_NAME), manifest).unwrap();
        let mut store = store(dir.path(), Duration::ZERO);
        store.manifest();
        assert!(store.take_log_lines().is_empty());
        let wall = SystemTime::now();
        let last_modified = |store: &mut FileStore| {
            let snapshot = store.read("index.html", at(Instant::now(), wall)).unwrap();
            snapshot.validators.last_modified_at(wall)
        };
        assert_eq!(last_modified(&mut store), Some(recorded_secs));
        // Other bytes: the file's own time, never the recorded one.
        fs::write(&path, b"changed!").unwrap();
        let own = crate::decision::validators::whole_seconds(
            fs::metadata(&path).unwrap().modified().unwrap(),
        );
        assert_eq!(last_modified(&mut store), own);
    }

    #[test]
    fn what_is_kept_stays_within_the_byte_bound() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b", "c"] {
            fs::write(dir.path().join(name), vec![b'x'; 400]).unwrap();
        }
        fs::write(dir.path().join("big"), vec![b'x'; 1001]).unwrap();
        let mut store = FileStore::new(
            dir.path(),
            StoreLimits {
                max_cached_bytes: 1000,
                ..limits(Duration::from_secs(60))
            },
        );
        let (now, wall) = (Instant::now(), SystemTime::now());
        store.read("a", at(now, wall)).unwrap();
        store.read("b", at(now, wall)).unwrap();
        assert_eq!(store.cached_bytes(), 800);
        store.read("a", at(now, wall)).unwrap(); // a is now the most recently used
        store.read("c", at(now, wall)).unwrap(); // b goes
        assert_eq!(store.cached_bytes(), 800);
        // Within the check interval a kept file is not looked at: a and c
        // are still served after their files are gone; b is read again.
        for name in ["a", "b", "c"] {
            fs::remove_file(dir.path().join(name)).unwrap();
        }
        assert!(store.read("a", at(now, wall)).is_ok());
        assert!(store.read("c", at(now, wall)).is_ok());
        assert!(matches!(
            store.read("b", at(now, wall)),
            Err(FileError::NotFound)
        ));
        // Larger than the bound: served, never kept.
        let big = store.read("big", at(now, wall)).unwrap();
        assert_eq!(content_of(&big).len(), 1001);
        assert_eq!(store.cached_bytes(), 800);
    }

    #[test]
    fn nested_files_get_their_type_and_links_out_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("site");
        fs::create_dir_all(root.join("css")).unwrap();
        fs::write(root.join("css/site.css"), b"body{}").unwrap();
        fs::write(outer.path().join("secret.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink("../../secret.txt", root.join("css/up.css")).unwrap();
        let mut store = store(&root, Duration::ZERO);
        let (now, wall) = (Instant::now(), SystemTime::now());
        let css = store.read("css/site.css", at(now, wall)).unwrap();
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert!(matches!(
            store.read("css/up.css", at(now, wall)),
            Err(FileError::OutsideRoot)
        ));
        assert!(matches!(
            store.read("css", at(now, wall)),
            Err(FileError::Directory)
        ));
    }
}
