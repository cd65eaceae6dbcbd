//! File access: reads a file from the mounted directory and remembers its
//! bytes and validators, so that a request re-reads and re-hashes it only when
//! it has changed.
//!
//! How a change is detected:
//! - At most once per `check_interval`, a request looks at the file's metadata
//!   (length and modification time, with the nanoseconds the runtime gives).
//!   Between checks the remembered snapshot is served: a change becomes
//!   visible at most `check_interval` late. Zero checks on every request.
//! - When the metadata differs, the file is read and hashed again.
//! - Metadata cannot tell two writes of the same length apart when they fall
//!   in the same tick of the file system's clock. So, as git does with its
//!   "racily clean" entries, a file modified less than [`RACY_WINDOW`] before
//!   it was read is read and hashed again at every check until its time is
//!   older than that window.
//! - A read is trusted to be one version of the file when the opened file's
//!   metadata did not move during it and, for a file modified within
//!   [`RACY_WINDOW`], when a second read from the same handle gives the same
//!   bytes: a writer that rewrites the file in place within one tick of the
//!   clock leaves the metadata as it was, and a read that crossed its write
//!   would be a mix of two versions. A read that cannot be trusted is never
//!   kept.
//! - The ETag is always the MD5 of the very bytes that are kept and sent: a
//!   snapshot holds both, and is replaced whole.
//! - Last-Modified is the time the site manifest recorded for exactly these
//!   bytes, when it has one (see [`crate::site_manifest`]), else the file's.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use crate::site_manifest::{self, SiteManifest};
use crate::validators::{Validators, md5_hex};

/// How many reads a file that is being written gets before the component
/// stops trying to read one whole version of it for this request.
const READ_ATTEMPTS: u32 = 8;

/// The most one read asks for.
const READ_PIECE_BYTES: usize = 64 * 1024;

/// A file modified this recently is never trusted by its metadata alone.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// The bytes of a file as read at one moment, and their validators.
#[derive(Debug)]
pub struct Snapshot {
    pub content: Bytes,
    pub validators: Validators,
}

/// Why a file could not be served.
#[derive(Debug)]
pub enum FileError {
    /// There is no such file in the mounted directory.
    NotFound,
    /// The path names something that is not a regular file.
    NotAFile,
    /// The file is larger than the configured limit.
    TooLarge { len: u64, limit: u64 },
    /// Reading failed (permissions, I/O).
    Unreadable(io::Error),
    /// The file changed during every read: no read was one whole version.
    Unsettled,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotFound => write!(f, "no such file"),
            FileError::NotAFile => write!(f, "not a regular file"),
            FileError::TooLarge { len, limit } => {
                write!(f, "{len} bytes is over the limit of {limit} bytes")
            }
            FileError::Unreadable(err) => write!(f, "cannot be read: {err}"),
            FileError::Unsettled => write!(
                f,
                "changed during each of {READ_ATTEMPTS} reads (written in place?)"
            ),
        }
    }
}

impl From<io::Error> for FileError {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::NotFound => FileError::NotFound,
            io::ErrorKind::IsADirectory => FileError::NotAFile,
            _ => FileError::Unreadable(err),
        }
    }
}

/// What the metadata says of a file's content, for change detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    len: u64,
    modified: Option<SystemTime>,
}

impl Fingerprint {
    fn of(metadata: &fs::Metadata) -> Self {
        Fingerprint {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }

    /// Modified within [`RACY_WINDOW`] of `wall` (or at an unknown time).
    fn is_recent(&self, wall: SystemTime) -> bool {
        self.modified
            .is_none_or(|m| wall.duration_since(m).map_or(true, |age| age < RACY_WINDOW))
    }
}

struct Entry {
    snapshot: Arc<Snapshot>,
    fingerprint: Fingerprint,
    checked_at: Instant,
    /// Modified too recently for its metadata to be trusted.
    racy: bool,
}

/// The files of one directory, remembered between requests.
pub struct FileStore {
    root: PathBuf,
    check_interval: Duration,
    max_len: u64,
    entries: HashMap<&'static str, Entry>,
    manifest: SiteManifest,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>, check_interval: Duration, max_len: u64) -> Self {
        FileStore {
            root: root.into(),
            check_interval,
            max_len,
            entries: HashMap::new(),
            manifest: SiteManifest::default(),
        }
    }

    /// Reads the site manifest written by the build step, if the site has
    /// one. Returns what is wrong with it, for the log; a site without one is
    /// served with the files' own times.
    pub fn load_manifest(&mut self) -> Vec<String> {
        let path = self.root.join(site_manifest::FILE_NAME);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let (manifest, problems) = SiteManifest::parse(&text);
                self.manifest = manifest;
                problems
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(err) => vec![format!("{}: cannot be read: {err}", path.display())],
        }
    }

    /// The full path of `name` in the mounted directory, for error messages.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The current snapshot of the file `name`, a name the component chose.
    /// `now` is the monotonic clock, `wall` the wall clock, both of the request.
    pub fn get(
        &mut self,
        name: &'static str,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Arc<Snapshot>, FileError> {
        if let Some(entry) = self.entries.get(name)
            && now.saturating_duration_since(entry.checked_at) < self.check_interval
        {
            return Ok(entry.snapshot.clone());
        }
        let result = self.check(name, now, wall);
        if result.is_err() {
            // Never serve a file that is known to be gone or unreadable.
            self.entries.remove(name);
        }
        result
    }

    fn check(
        &mut self,
        name: &'static str,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Arc<Snapshot>, FileError> {
        let path = self.root.join(name);
        let fingerprint = self.stat(&path)?;
        if let Some(entry) = self.entries.get_mut(name)
            && entry.fingerprint == fingerprint
            && !entry.racy
        {
            entry.checked_at = now;
            return Ok(entry.snapshot.clone());
        }
        let (content, fingerprint) = match self.read_settled(&path, wall)? {
            Some(settled) => settled,
            // Every read crossed a write. Serve the last whole version kept,
            // looked at again next time; without one, say so (503).
            None => match self.entries.get_mut(name) {
                Some(entry) => {
                    entry.racy = true;
                    return Ok(entry.snapshot.clone());
                }
                None => return Err(FileError::Unsettled),
            },
        };
        let recent = fingerprint.is_recent(wall);
        let snapshot = match self.entries.get(name) {
            // A re-check of a racy entry found the same bytes and time: keep
            // the snapshot and skip the hash.
            Some(entry)
                if entry.fingerprint == fingerprint && entry.snapshot.content == content =>
            {
                entry.snapshot.clone()
            }
            _ => {
                let md5 = md5_hex(&content);
                let modified = self.manifest.time_for(name, &md5).or(fingerprint.modified);
                Arc::new(Snapshot {
                    validators: Validators::from_md5_hex(&md5, modified),
                    content: Bytes::from(content),
                })
            }
        };
        self.entries.insert(
            name,
            Entry {
                snapshot: snapshot.clone(),
                fingerprint,
                checked_at: now,
                racy: recent,
            },
        );
        Ok(snapshot)
    }

    /// Reads the file until one read can be trusted to be one whole version
    /// of it (see the module's documentation). Returns that read and the
    /// metadata it goes with; None when no read of [`READ_ATTEMPTS`] could be
    /// trusted. Between attempts it waits a little longer each time (1 ms,
    /// 2 ms, 4 ms, then 8 ms), for a writer to finish.
    fn read_settled(
        &self,
        path: &Path,
        wall: SystemTime,
    ) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
        for attempt in 0..READ_ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(1 << (attempt - 1).min(3)));
            }
            if let Some(settled) = self.read_once(path, wall)? {
                return Ok(Some(settled));
            }
        }
        Ok(None)
    }

    /// One attempt: opens the file and reads it, looking at the metadata of
    /// the opened file (not of the path: a file renamed into place meanwhile
    /// does not disturb a read of the one that was opened) before and after.
    /// A file modified within the racy window is read a second time from the
    /// same handle, and both reads must agree.
    fn read_once(
        &self,
        path: &Path,
        wall: SystemTime,
    ) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
        let mut file = fs::File::open(path)?;
        let before = self.checked(&file.metadata()?)?;
        let content = read_to_end(&mut file, before.len, self.max_len)?;
        let unmoved = |file: &fs::File, content: &[u8]| -> Result<bool, FileError> {
            let after = self.checked(&file.metadata()?)?;
            Ok(after == before && content.len() as u64 == before.len)
        };
        if !unmoved(&file, &content)? {
            return Ok(None);
        }
        // A file last written before the racy window, whose metadata did not
        // move, was not written during the read: any write would have given
        // it a time within the window.
        if before.is_recent(wall) {
            file.seek(io::SeekFrom::Start(0))?;
            let again = read_to_end(&mut file, before.len, self.max_len)?;
            if again != content || !unmoved(&file, &again)? {
                return Ok(None);
            }
        }
        Ok(Some((content, before)))
    }

    fn stat(&self, path: &Path) -> Result<Fingerprint, FileError> {
        self.checked(&fs::metadata(path)?)
    }

    /// The fingerprint of a regular file within the size limit.
    fn checked(&self, metadata: &fs::Metadata) -> Result<Fingerprint, FileError> {
        if !metadata.is_file() {
            return Err(FileError::NotAFile);
        }
        if metadata.len() > self.max_len {
            return Err(FileError::TooLarge {
                len: metadata.len(),
                limit: self.max_len,
            });
        }
        Ok(Fingerprint::of(metadata))
    }
}

/// Reads the whole file, refusing to grow past `max_len` even if the file
/// grows while it is read. It reads in pieces of [`READ_PIECE_BYTES`], as a
/// WASI host hands a file to a component, so that a test can act between two
/// pieces.
fn read_to_end(file: &mut fs::File, expected: u64, max_len: u64) -> Result<Vec<u8>, FileError> {
    let mut file = file.take(max_len + 1);
    let mut content = Vec::with_capacity(expected.min(max_len) as usize);
    let mut piece = vec![0u8; READ_PIECE_BYTES];
    loop {
        match file.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => {
                content.extend_from_slice(&piece[..n]);
                #[cfg(test)]
                tests::after_a_piece();
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err.into()),
        }
    }
    if content.len() as u64 > max_len {
        return Err(FileError::TooLarge {
            len: content.len() as u64,
            limit: max_len,
        });
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    thread_local! {
        /// Run once after the next piece of a read, to act as a writer would
        /// at exactly that moment.
        static AFTER_A_PIECE: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
    }

    pub(super) fn after_a_piece() {
        if let Some(hook) = AFTER_A_PIECE.with(|h| h.borrow_mut().take()) {
            hook();
        }
    }

    /// A rewrite in place in the middle of a read, with the file's time put
    /// back, as a second write within one tick of a coarse file-system clock
    /// leaves it: the read is half one version and half the other, and the
    /// metadata says nothing moved. The second read of a recent file tells.
    #[test]
    fn a_read_crossed_by_a_same_tick_rewrite_is_never_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        let (old, new) = (
            vec![b'a'; 3 * READ_PIECE_BYTES],
            vec![b'b'; 3 * READ_PIECE_BYTES],
        );
        let tick = SystemTime::now();
        write_with_time(&path, &old, tick);
        let writer_path = path.clone();
        AFTER_A_PIECE.with(|h| {
            *h.borrow_mut() = Some(Box::new(move || {
                // In place: the open handle keeps reading the same file.
                let mut file = fs::File::options().write(true).open(&writer_path).unwrap();
                std::io::Write::write_all(&mut file, &new).unwrap();
                file.set_modified(tick).unwrap();
            }));
        });
        let mut store = store(dir.path(), Duration::ZERO);
        let snapshot = store
            .get("index.html", Instant::now(), SystemTime::now())
            .unwrap();
        assert!(
            AFTER_A_PIECE.with(|h| h.borrow().is_none()),
            "the rewrite happened during the read"
        );
        assert!(
            snapshot.content.iter().all(|&b| b == b'b'),
            "a torn read was kept: {} bytes of 'a', {} of 'b'",
            snapshot.content.iter().filter(|&&b| b == b'a').count(),
            snapshot.content.iter().filter(|&&b| b == b'b').count()
        );
        assert_eq!(
            snapshot.validators.etag(),
            crate::validators::strong_etag(&snapshot.content)
        );
    }

    const HOUR: Duration = Duration::from_secs(3600);

    fn store(dir: &Path, interval: Duration) -> FileStore {
        FileStore::new(dir, interval, 1 << 20)
    }

    /// Writes `content` in place and sets the file's time to `mtime`.
    fn write_with_time(path: &Path, content: &[u8], mtime: SystemTime) {
        fs::write(path, content).unwrap();
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(mtime).unwrap();
    }

    fn etag(store: &mut FileStore, now: Instant) -> String {
        let snapshot = store.get("index.html", now, SystemTime::now()).unwrap();
        assert_eq!(
            snapshot.validators.etag(),
            crate::validators::strong_etag(&snapshot.content)
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
            crate::validators::strong_etag(b"one")
        );
        write_with_time(&path, b"two!", old);
        assert_eq!(
            etag(&mut store, now),
            crate::validators::strong_etag(b"two!")
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
            crate::validators::strong_etag(b"AAAA")
        );
        write_with_time(&path, b"BBBB", recent);
        assert_eq!(
            etag(&mut store, now),
            crate::validators::strong_etag(b"BBBB")
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
            crate::validators::strong_etag(b"other")
        );
    }

    #[test]
    fn missing_directory_too_large_and_unreadable_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileStore::new(dir.path(), Duration::ZERO, 8);
        let wall = SystemTime::now();
        let now = Instant::now();
        assert!(matches!(
            store.get("index.html", now, wall),
            Err(FileError::NotFound)
        ));
        fs::create_dir(dir.path().join("index.html")).unwrap();
        assert!(matches!(
            store.get("index.html", now, wall),
            Err(FileError::NotAFile)
        ));
        fs::remove_dir(dir.path().join("index.html")).unwrap();
        fs::write(dir.path().join("index.html"), b"123456789").unwrap();
        assert!(matches!(
            store.get("index.html", now, wall),
            Err(FileError::TooLarge { len: 9, limit: 8 })
        ));
        // A symbolic link to itself cannot be opened, even by root.
        fs::remove_file(dir.path().join("index.html")).unwrap();
        std::os::unix::fs::symlink("index.html", dir.path().join("index.html")).unwrap();
        let err = store.get("index.html", now, wall).unwrap_err();
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
            store.get("index.html", now, SystemTime::now()),
            Err(FileError::NotFound)
        ));
        fs::write(&path, b"back").unwrap();
        assert_eq!(
            etag(&mut store, now),
            crate::validators::strong_etag(b"back")
        );
    }

    #[test]
    fn the_manifest_time_is_used_only_for_the_recorded_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.html");
        fs::write(&path, b"recorded").unwrap();
        let recorded_secs = 1_600_000_000;
        let manifest = format!(
            "{} 8 {recorded_secs} index.html\n",
            crate::validators::md5_hex(b"recorded")
        );
        fs::write(dir.path().join(site_manifest::FILE_NAME), manifest).unwrap();
        let mut store = store(dir.path(), Duration::ZERO);
        assert!(store.load_manifest().is_empty());
        let wall = SystemTime::now();
        let last_modified = |store: &mut FileStore| {
            let snapshot = store.get("index.html", Instant::now(), wall).unwrap();
            snapshot.validators.last_modified_at(wall)
        };
        assert_eq!(last_modified(&mut store), Some(recorded_secs));
        // Other bytes: the file's own time, never the recorded one.
        fs::write(&path, b"changed!").unwrap();
        let own =
            crate::validators::whole_seconds(fs::metadata(&path).unwrap().modified().unwrap());
        assert_eq!(last_modified(&mut store), own);
    }
}
