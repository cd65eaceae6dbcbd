//! A file opened to send its bytes from it, a part at a time, for a file
//! too large to keep in memory (`MAX_KEPT_FILE_BYTES`).
//!
//! The validators were made from one version of the file (its MD5, hashed
//! or recorded by the build's site manifest, and its metadata). Every piece
//! is read from the handle opened for that version, and the handle's
//! metadata is looked at after each piece: when the length or modification
//! time moved, the file is being rewritten and the bytes read may be of
//! another version than the ETag names, so the piece is refused
//! ([`FileError::Changed`]) and the entry points end the response before its
//! `Content-Length`, which no client or cache keeps as complete.

use std::fs;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use crate::site::mounted::file_read::Fingerprint;
use crate::site::{FileError, OpenedFile};

/// A file open for reading, known to be the version `version` when opened.
/// The handle may be shared with the store, which keeps it for the next
/// request of the same version (fewer calls to the host per request); each
/// read seeks first, and no read awaits between its seek and its end, so
/// bodies sharing a handle never read at another's position.
#[derive(Debug)]
pub struct OpenedVersion {
    file: Arc<fs::File>,
    version: Fingerprint,
}

impl OpenedVersion {
    /// Opens the file at `path`; [`FileError::Changed`] when it is no longer
    /// the version `version` its validators were made from.
    pub fn open(path: &Path, version: Fingerprint) -> Result<Self, FileError> {
        Self::reopen(Arc::new(fs::File::open(path)?), version)
    }

    /// The file of a handle opened before, checked to be the version
    /// `version` still.
    pub fn reopen(file: Arc<fs::File>, version: Fingerprint) -> Result<Self, FileError> {
        let opened = OpenedVersion { file, version };
        opened.check()?;
        Ok(opened)
    }

    /// The handle, for the store to keep.
    pub fn handle(&self) -> Arc<fs::File> {
        self.file.clone()
    }

    fn check(&self) -> Result<(), FileError> {
        match Fingerprint::of_file(&self.file.metadata()?)? == self.version {
            true => Ok(()),
            false => Err(FileError::Changed),
        }
    }
}

impl OpenedFile for OpenedVersion {
    /// The `len` bytes at `offset`, read and then checked to be of the
    /// version opened: [`FileError::Changed`] when the file's metadata moved
    /// or it ended early (truncated), an I/O error as
    /// [`FileError::Unreadable`].
    fn read_at(&mut self, offset: u64, len: usize) -> Result<Bytes, FileError> {
        let mut file = &*self.file;
        file.seek(io::SeekFrom::Start(offset))?;
        let mut piece = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            match file.read(&mut piece[filled..]) {
                Ok(0) => return Err(FileError::Changed),
                Ok(n) => filled += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
        #[cfg(test)]
        crate::site::mounted::file_read::test_hook::after_a_piece();
        self.check()?;
        Ok(Bytes::from(piece))
    }
}
