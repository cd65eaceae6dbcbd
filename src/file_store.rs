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
//! - The ETag is always the MD5 of the very bytes that are kept and sent: a
//!   snapshot holds both, and is replaced whole.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use crate::validators::Validators;

/// How many times a file whose metadata moves while it is read is read again.
const READ_ATTEMPTS: u32 = 3;

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
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>, check_interval: Duration, max_len: u64) -> Self {
        FileStore {
            root: root.into(),
            check_interval,
            max_len,
            entries: HashMap::new(),
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
        // Read, then look again: if the metadata moved while reading, the bytes
        // may be a mix of two versions (a writer rewriting the file in place),
        // so read again, a few times at most. What is kept is always hashed
        // from the bytes kept; an entry read while the file moved is checked
        // again next time.
        let mut fingerprint = fingerprint;
        let mut attempts = 1;
        let (content, stable) = loop {
            let content = read_to_end(&path, fingerprint.len, self.max_len)?;
            let after = self.stat(&path)?;
            let stable = after == fingerprint && content.len() as u64 == fingerprint.len;
            if stable || attempts == READ_ATTEMPTS {
                break (content, stable);
            }
            fingerprint = after;
            attempts += 1;
        };
        let recent = fingerprint
            .modified
            .is_none_or(|m| wall.duration_since(m).map_or(true, |age| age < RACY_WINDOW));
        let snapshot = match self.entries.get(name) {
            // A re-check of a racy entry found the same bytes and time: keep
            // the snapshot and skip the hash.
            Some(entry)
                if entry.fingerprint == fingerprint && entry.snapshot.content == content =>
            {
                entry.snapshot.clone()
            }
            _ => Arc::new(Snapshot {
                validators: Validators::of_content(&content, fingerprint.modified),
                content: Bytes::from(content),
            }),
        };
        self.entries.insert(
            name,
            Entry {
                snapshot: snapshot.clone(),
                fingerprint,
                checked_at: now,
                racy: !stable || recent,
            },
        );
        Ok(snapshot)
    }

    fn stat(&self, path: &Path) -> Result<Fingerprint, FileError> {
        let metadata = fs::metadata(path)?;
        if !metadata.is_file() {
            return Err(FileError::NotAFile);
        }
        if metadata.len() > self.max_len {
            return Err(FileError::TooLarge {
                len: metadata.len(),
                limit: self.max_len,
            });
        }
        Ok(Fingerprint::of(&metadata))
    }
}

/// Reads the whole file, refusing to grow past `max_len` even if the file
/// grows while it is read.
fn read_to_end(path: &Path, expected: u64, max_len: u64) -> Result<Vec<u8>, FileError> {
    let file = fs::File::open(path)?;
    let mut content = Vec::with_capacity(expected.min(max_len) as usize);
    file.take(max_len + 1).read_to_end(&mut content)?;
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
    use super::*;

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
}
