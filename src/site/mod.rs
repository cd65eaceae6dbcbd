//! Where a site's files come from, as the resolve step asks for them: a
//! mounted directory ([`mounted::FileStore`]: reading and hashing files,
//! keeping them, noticing changes, the build's site manifest) or a table
//! the build put inside the component ([`embedded::EmbeddedSite`]: every
//! validator and decision made at build time, no I/O). The HTTP decision is
//! the same code for both.

pub mod embedded;
pub mod mounted;
pub mod site_blob;

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;

use crate::clock::Clock;
use crate::decision::validators::Validators;
use crate::log_lines::LogLines;

/// A file as it was at one moment: its validators, length and type, and its
/// bytes once they have been read.
#[derive(Debug)]
pub struct Snapshot {
    pub validators: Validators,
    pub len: u64,
    /// From the name the file was asked for.
    pub content_type: HeaderValue,
    /// The content coding the file's name says its bytes are in (`.svgz`:
    /// gzip), from [`crate::decision::content_type::for_file_name`].
    pub content_encoding: Option<&'static str>,
    /// The bytes, whose MD5 the ETag is. None when the site manifest vouched
    /// for the file and no body has been needed yet ([`SiteSource::look_up`]),
    /// and for a file too large to keep, whose body is sent from the file
    /// ([`SiteSource::open`]).
    pub content: Option<Bytes>,
}

/// Why a file could not be served.
#[derive(Debug)]
pub enum FileError {
    /// There is no such file under the document root.
    NotFound,
    /// The path names a directory.
    Directory,
    /// The path names something that is neither a file nor a directory.
    NotAFile,
    /// The path leads out of the document root through a symbolic link.
    OutsideRoot,
    /// The file is larger than what is kept in memory (`limit` bytes): it
    /// is hashed and sent from the file instead of read whole.
    TooLarge { len: u64, limit: u64 },
    /// The file is no longer the version its validators were made from: it
    /// changed since it was looked at, or while it was being sent.
    Changed,
    /// Reading failed (permissions, I/O).
    Unreadable(io::Error),
    /// The file changed during each of `reads` reads: no read was one
    /// whole version.
    Unsettled { reads: u32 },
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotFound => write!(f, "no such file"),
            FileError::Directory => write!(f, "a directory"),
            FileError::NotAFile => write!(f, "not a regular file"),
            FileError::OutsideRoot => write!(f, "a symbolic link out of the document root"),
            FileError::TooLarge { len, limit } => {
                write!(f, "{len} bytes is more than the {limit} bytes kept")
            }
            FileError::Changed => write!(f, "changed while it was being sent"),
            FileError::Unreadable(err) => write!(f, "cannot be read: {err}"),
            FileError::Unsettled { reads } => {
                write!(
                    f,
                    "changed during each of {reads} reads (written in place?)"
                )
            }
        }
    }
}

impl From<io::Error> for FileError {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::NotFound
            | io::ErrorKind::NotADirectory
            | io::ErrorKind::InvalidFilename => FileError::NotFound,
            io::ErrorKind::IsADirectory => FileError::Directory,
            _ => FileError::Unreadable(err),
        }
    }
}

/// A file opened to send a body from it, a piece at a time, for a file too
/// large to keep ([`mounted::file_stream::OpenedVersion`]). A trait object,
/// so that a build that never opens a file (the embedded one) links no code
/// of the file system, and imports none.
pub trait OpenedFile: std::fmt::Debug + Send {
    /// The `len` bytes at `offset`, of the version the validators were made
    /// from: [`FileError::Changed`] when the file is no longer that version.
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Bytes, FileError>;
}

/// The files of a site, looked up by their path relative to the root
/// (segments joined with `/`, from a checked `SitePath`).
pub trait SiteSource {
    /// The file at `relative`, its bytes possibly not at hand yet (a mounted
    /// file the site manifest vouches for): enough for a 304.
    /// `FileError::Directory` for a directory, `NotFound` for nothing.
    fn look_up(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError>;

    /// The file at `relative` with its bytes, or, for a file too large to
    /// keep, with its validators made from its bytes and no content: its
    /// body is then sent from [`SiteSource::open`].
    fn read(&mut self, relative: &str, clock: Clock) -> Result<Arc<Snapshot>, FileError>;

    /// The file at `relative` opened to send `snapshot`'s bytes from it, a
    /// snapshot without content from [`SiteSource::read`].
    /// [`FileError::Changed`] when the file is no longer that version: the
    /// snapshot is forgotten, and the next read looks at the file again.
    /// An embedded site has every file's bytes and is never asked.
    fn open(
        &mut self,
        relative: &str,
        snapshot: &Arc<Snapshot>,
    ) -> Result<Box<dyn OpenedFile>, FileError> {
        let _ = (relative, snapshot);
        Err(FileError::NotFound)
    }

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
    fn take_log_lines(&mut self) -> LogLines {
        LogLines::default()
    }
}
