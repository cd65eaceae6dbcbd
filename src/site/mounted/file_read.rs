//! Reading one whole version of a file that may be written while it is read.
//!
//! A read is trusted to be one version of the file when the opened file's
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
    /// The fingerprint of a regular file within `max_len` bytes.
    pub fn of_file(metadata: &fs::Metadata, max_len: u64) -> Result<Self, FileError> {
        if metadata.is_dir() {
            return Err(FileError::Directory);
        }
        if !metadata.is_file() {
            return Err(FileError::NotAFile);
        }
        if metadata.len() > max_len {
            return Err(FileError::TooLarge {
                len: metadata.len(),
                limit: max_len,
            });
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
/// trusted. Between attempts it waits a little longer each time (1 ms, 2 ms,
/// 4 ms, then 8 ms), for a writer to finish.
pub fn read_settled(
    path: &Path,
    max_len: u64,
    wall: SystemTime,
) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
    for attempt in 0..READ_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(1 << (attempt - 1).min(3)));
        }
        if let Some(settled) = read_once(path, max_len, wall)? {
            return Ok(Some(settled));
        }
    }
    Ok(None)
}

/// One attempt: opens the file and reads it, looking at the metadata of the
/// opened file (not of the path: a file renamed into place meanwhile does not
/// disturb a read of the one that was opened) before and after. A file
/// modified within the racy window is read a second time from the same
/// handle, and both reads must agree.
fn read_once(
    path: &Path,
    max_len: u64,
    wall: SystemTime,
) -> Result<Option<(Vec<u8>, Fingerprint)>, FileError> {
    let mut file = fs::File::open(path)?;
    let before = Fingerprint::of_file(&file.metadata()?, max_len)?;
    let content = read_to_end(&mut file, before.len, max_len)?;
    let unmoved = |file: &fs::File, content: &[u8]| -> Result<bool, FileError> {
        let after = Fingerprint::of_file(&file.metadata()?, max_len)?;
        Ok(after == before && content.len() as u64 == before.len)
    };
    if !unmoved(&file, &content)? {
        return Ok(None);
    }
    // A file last written before the racy window, whose metadata did not
    // move, was not written during the read: any write would have given it a
    // time within the window.
    if before.is_recent(wall) {
        file.seek(io::SeekFrom::Start(0))?;
        let again = read_to_end(&mut file, before.len, max_len)?;
        if again != content || !unmoved(&file, &again)? {
            return Ok(None);
        }
    }
    Ok(Some((content, before)))
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
                test_hook::after_a_piece();
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

    pub(super) fn after_a_piece() {
        if let Some(hook) = AFTER_A_PIECE.with(|h| h.borrow_mut().take()) {
            hook();
        }
    }
}
