//! The body of a reply, as the entry points send it: bytes at hand (a kept
//! or embedded file, a page, multipart framing around kept bytes), or parts
//! of a file too large to keep, read from the file a piece at a time while
//! they are sent ([`crate::site::OpenedFile`]).
//!
//! Either way the length is known before the first byte (it is the plan's
//! `Content-Length`), and an instance holds at most one piece of a file's
//! body ([`FILE_PIECE_BYTES`]) per response.

use bytes::Bytes;

use crate::site::{FileError, OpenedFile};

/// The most bytes of a body handed to the runtime at a time.
pub const PIECE_BYTES: usize = 64 * 1024;

/// The most bytes of a file read at a time, for a body sent from the file:
/// larger than [`PIECE_BYTES`] because each read costs calls to the host
/// (a seek, the read, the check of the file's metadata), which under Spin
/// cost more than the bytes.
pub const FILE_PIECE_BYTES: usize = 1024 * 1024;

/// The body of a reply.
#[derive(Debug)]
pub enum ReplyBody {
    /// The bytes, shared with the snapshot they come from.
    Bytes(Bytes),
    /// Parts of an opened file, with any framing between them.
    File(FileBody),
}

/// The parts of a file to send, in order.
#[derive(Debug)]
pub struct FileBody {
    file: Box<dyn OpenedFile>,
    parts: Vec<Part>,
    /// Where the file is, escaped, for the log line of a body cut short.
    path: String,
}

/// One part of a body.
#[derive(Debug, Clone)]
pub enum Part {
    /// Bytes at hand: a multipart boundary and part fields, or a whole body.
    Bytes(Bytes),
    /// The file's bytes from `first` to `last`, inclusive (RFC 9110 section
    /// 14.1.2 counts them so).
    Range { first: u64, last: u64 },
}

impl Part {
    fn len(&self) -> u64 {
        match self {
            Part::Bytes(bytes) => bytes.len() as u64,
            Part::Range { first, last } => last - first + 1,
        }
    }
}

/// Why a body could not be sent whole: the line for the error log. The
/// entry points end the response before its `Content-Length`.
#[derive(Debug)]
pub struct CutShort(String);

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FileBody {
    /// The `parts` of `file` (at `path`, escaped, for the log).
    pub(crate) fn new(file: Box<dyn OpenedFile>, parts: Vec<Part>, path: String) -> FileBody {
        FileBody { file, parts, path }
    }
}

impl ReplyBody {
    /// The empty body (HEAD, 204, 304).
    pub fn empty() -> ReplyBody {
        ReplyBody::Bytes(Bytes::new())
    }

    /// The length in bytes: the Content-Length sent.
    pub fn len(&self) -> u64 {
        match self {
            ReplyBody::Bytes(bytes) => bytes.len() as u64,
            ReplyBody::File(body) => body.parts.iter().map(Part::len).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body in pieces of at most [`PIECE_BYTES`] (bytes at hand) or
    /// [`FILE_PIECE_BYTES`] (read from the file as they are taken): a piece
    /// that cannot be read as the version the validators name ends the
    /// pieces with the reason.
    pub fn pieces(self) -> Pieces {
        let (file, parts) = match self {
            ReplyBody::Bytes(bytes) => (None, vec![Part::Bytes(bytes)]),
            ReplyBody::File(body) => (Some((body.file, body.path)), body.parts),
        };
        Pieces {
            file,
            parts: parts.into_iter(),
            current: None,
        }
    }

    /// The whole body in memory: for the tests, and for a caller that holds
    /// it whole anyway.
    pub fn into_bytes(self) -> Result<Bytes, CutShort> {
        let mut pieces = self.pieces();
        let mut whole = Vec::new();
        for piece in &mut pieces {
            whole.extend_from_slice(&piece?);
        }
        Ok(Bytes::from(whole))
    }
}

/// The pieces of a [`ReplyBody`] ([`ReplyBody::pieces`]).
pub struct Pieces {
    file: Option<(Box<dyn OpenedFile>, String)>,
    parts: std::vec::IntoIter<Part>,
    /// What is left of the part being sent.
    current: Option<Part>,
}

impl Iterator for Pieces {
    type Item = Result<Bytes, CutShort>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let part = match self.current.take() {
                Some(part) => part,
                None => self.parts.next()?,
            };
            match part {
                Part::Bytes(mut bytes) => {
                    if bytes.is_empty() {
                        continue;
                    }
                    let piece = bytes.split_to(bytes.len().min(PIECE_BYTES));
                    self.current = Some(Part::Bytes(bytes));
                    return Some(Ok(piece));
                }
                Part::Range { first, last } => {
                    let (file, path) = self.file.as_mut()?;
                    let len = (last - first + 1).min(FILE_PIECE_BYTES as u64);
                    return Some(match file.read_at(first, len as usize) {
                        Ok(piece) => {
                            if first + len <= last {
                                let first = first + len;
                                self.current = Some(Part::Range { first, last });
                            }
                            Ok(piece)
                        }
                        Err(err) => {
                            let line = cut_short_line(path, &err);
                            // Nothing more is sent: the body stays short.
                            self.parts = Vec::new().into_iter();
                            self.file = None;
                            Err(CutShort(line))
                        }
                    });
                }
            }
        }
    }
}

fn cut_short_line(path: &str, err: &FileError) -> String {
    format!("error: {path}: {err}; the response was ended before its Content-Length")
}
