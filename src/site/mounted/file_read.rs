//! Reading, or hashing, one whole version of a file that may be written while
//! it is read.
//!
//! A read (or a hash, which is a read that keeps only the MD5) is trusted to be one version of the file when the opened file's
//! metadata did not move during it and, for a file modified within
//! [`RACY_WINDOW`], when a second read from the same handle gives the same
//! bytes: a writer that rewrites the file in place within one tick of the
//! clock leaves the metadata as it was, and a read that crossed its write
//! would be a mix of two versions. A read that cannot be trusted is never
//! returned.

use std::fs;
use std::io::{self, Read, Seek};
use std::path::Path;
use std::time::{Duration, SystemTime};

use md5::{Digest, Md5};

use crate::decision::validators::hex;
use crate::site::FileError;

/// How many reads a file that is being written gets before the component
/// stops trying to read one whole version of it for this request.
pub const READ_ATTEMPTS: u32 = 8;

/// The most one read asks for.
pub const READ_PIECE_BYTES: usize = 64 * 1024;

/// A file modified this recently is never trusted by its metadata alone.
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// What the metadata says of a file's content, for change detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl Fingerprint {
    /// The fingerprint of a regular file, of any length.
    pub fn of_file(metadata: &fs::Metadata) -> Result<Self, FileError> {
        if metadata.is_dir() {
            return Err(FileError::Directory);
        }
        if !metadata.is_file() {
            return Err(FileError::NotAFile);
        }
        Ok(Fingerprint {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }

    /// Modified within [`RACY_WINDOW`] of `wall` (or at an unknown time).
    pub fn is_recent(&self, wall: SystemTime) -> bool {
        self.modified
            .is_none_or(|m| wall.duration_since(m).map_or(true, |age| age < RACY_WINDOW))
    }
}

/// Reads the file at `path` until one read can be trusted to be one whole
/// version of it (see the module's documentation). Returns that read and the
/// metadata it goes with; None when no read of [`READ_ATTEMPTS`] could be
/// trusted. A file longer than `max_len` is not read:
/// [`FileError::TooLarge`], for the caller to hash it instead.
pub fn read_settled(
    path: &Path,
    max_len: u64,
    wall: SystemTime,
) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
    settled(|| read_once(path, max_len, wall))
}

/// Hashes the file at `path` until one hash can be trusted to be of one
/// whole version of it, as [`read_settled`] reads, in constant memory (one
/// piece at a time). Returns the MD5 in lower-case hex and the metadata it
/// goes with; None when no attempt of [`READ_ATTEMPTS`] could be trusted.
pub fn hash_settled(
    path: &Path,
    wall: SystemTime,
) -> Result<Option<(String, Fingerprint)>, FileError> {
    settled(|| hash_once(path, wall))
}

/// Runs `attempt` until it gives a trusted result, at most [`READ_ATTEMPTS`]
/// times. Between attempts it waits a little longer each time (1 ms, 2 ms,
/// 4 ms, then 8 ms), for a writer to finish.
fn settled<T>(
    mut attempt: impl FnMut() -> Result<Option<T>, FileError>,
) -> Result<Option<T>, FileError> {
    for n in 0..READ_ATTEMPTS {
        if n > 0 {
            std::thread::sleep(Duration::from_millis(1 << (n - 1).min(3)));
        }
        if let Some(settled) = attempt()? {
            return Ok(Some(settled));
        }
    }
    Ok(None)
}

/// One attempt of [`read_settled`]: the bytes, read as [`attempt`] says.
fn read_once(
    path: &Path,
    max_len: u64,
    wall: SystemTime,
) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
    attempt(path, max_len, wall, |file, expected| {
        let mut content = Vec::with_capacity(expected as usize);
        for_each_piece(file, expected, |piece| content.extend_from_slice(piece))?;
        let len = content.len() as u64;
        Ok((content, len))
    })
}

/// One attempt of [`hash_settled`]: the MD5 (hex) of the bytes instead of
/// the bytes, read as [`attempt`] says.
fn hash_once(path: &Path, wall: SystemTime) -> Result<Option<(String, Fingerprint)>, FileError> {
    attempt(path, u64::MAX, wall, |file, expected| {
        let mut md5 = Md5::new();
        let mut len = 0;
        for_each_piece(file, expected, |piece| {
            md5.update(piece);
            len += piece.len() as u64;
        })?;
        Ok((hex(&md5.finalize()), len))
    })
}

/// One attempt: opens the file and takes what `take` makes of its bytes
/// (and how many it read), looking at the metadata of the opened file (not
/// of the path: a file renamed into place meanwhile does not disturb a read
/// of the one that was opened) before and after. A file modified within the
/// racy window is taken a second time from the same handle, and both must
/// agree. A file longer than `max_len` is not read: [`FileError::TooLarge`].
fn attempt<T: PartialEq>(
    path: &Path,
    max_len: u64,
    wall: SystemTime,
    mut take: impl FnMut(&mut fs::File, u64) -> Result<(T, u64), FileError>,
) -> Result<Option<(T, Fingerprint)>, FileError> {
    let mut file = fs::File::open(path)?;
    let before = Fingerprint::of_file(&file.metadata()?)?;
    if before.len > max_len {
        return Err(FileError::TooLarge {
            len: before.len,
            limit: max_len,
        });
    }
    let (taken, len) = take(&mut file, before.len)?;
    if !unmoved(&file, before, len)? {
        return Ok(None);
    }
    // A file last written before the racy window, whose metadata did not
    // move, was not written during the read: any write would have given it a
    // time within the window.
    if before.is_recent(wall) {
        file.seek(io::SeekFrom::Start(0))?;
        let (again, len) = take(&mut file, before.len)?;
        if again != taken || !unmoved(&file, before, len)? {
            return Ok(None);
        }
    }
    Ok(Some((taken, before)))
}

/// Whether the opened `file` still has the metadata `before` and `len`
/// bytes were read from it: one version was read whole.
fn unmoved(file: &fs::File, before: Fingerprint, len: u64) -> Result<bool, FileError> {
    let after = Fingerprint::of_file(&file.metadata()?)?;
    Ok(after == before && len == before.len)
}

/// Hands the file, from where it is, to `each` in pieces of at most
/// [`READ_PIECE_BYTES`], as a WASI host hands a file to a component (so
/// that a test can act between two pieces), up to one byte past `expected`:
/// a file that grew is seen to have moved without being read to its end.
fn for_each_piece(
    file: &mut fs::File,
    expected: u64,
    mut each: impl FnMut(&[u8]),
) -> Result<(), FileError> {
    let mut file = file.take(expected.saturating_add(1));
    let mut piece = vec![0u8; READ_PIECE_BYTES.min(expected as usize + 1)];
    loop {
        match file.read(&mut piece) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                each(&piece[..n]);
                #[cfg(test)]
                test_hook::after_a_piece();
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err.into()),
        }
    }
}

/// A hook that lets a test act as a writer would, between two pieces of a read.
#[cfg(test)]
pub mod test_hook {
    use std::cell::RefCell;

    thread_local! {
        static AFTER_A_PIECE: RefCell<Option<Box<dyn FnOnce()>>> = RefCell::new(None);
    }

    /// Runs `hook` once, after the next piece of a read on this thread.
    pub fn set_after_a_piece(hook: impl FnOnce() + 'static) {
        AFTER_A_PIECE.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    /// Whether the hook has run.
    pub fn has_run() -> bool {
        AFTER_A_PIECE.with(|h| h.borrow().is_none())
    }

    pub(in crate::site::mounted) fn after_a_piece() {
        if let Some(hook) = AFTER_A_PIECE.with(|h| h.borrow_mut().take()) {
            hook();
        }
    }
}
