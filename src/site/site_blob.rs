//! An embedded site as one run of bytes (a "site blob"), for the embedded
//! component that is built once, without a site, and given one afterwards:
//! `http-caching-site embed` writes the blob into the component's reserved
//! region (the `embedded/` crate's `region.rs`), with no compiler.
//!
//! The same table as a generated one ([`EmbeddedFile`]s sorted by path, and
//! the directories), every string and file's bytes borrowed from the blob:
//! nothing is copied when an instance starts, only the table of entries is
//! built (one allocation for the files' entries, one for the directories).
//!
//! Format, integers little-endian: `HCSBLOB1`; the file count and the
//! directory count (u32 each); each file: its path, MD5 (hex), modification
//! time (u64 seconds), Content-Type, content coding (optional), the MD5 it
//! was made from (optional), then its bytes (u64 length, the bytes); each
//! directory. A string is a u32 length and UTF-8; an optional one a byte
//! (0 none, 1 some) before it.

use crate::site::embedded::{EmbeddedFile, EmbeddedSite};

/// The first bytes of a site blob.
pub const MAGIC: &[u8; 8] = b"HCSBLOB1";

/// The blob of `files` (sorted by path) and `directories` (sorted).
pub fn encode(files: &[EmbeddedFile<'_>], directories: &[&str]) -> Vec<u8> {
    let mut writer = BlobWriter::new(files.len(), directories.len());
    for file in files {
        writer.file(file);
    }
    for directory in directories {
        writer.directory(directory);
    }
    writer.finish()
}

/// A blob written a file at a time, so that a tool holds one file's bytes
/// besides the blob: the counts first, then each file in path order, then
/// each directory.
pub struct BlobWriter {
    blob: Vec<u8>,
}

impl BlobWriter {
    pub fn new(file_count: usize, directory_count: usize) -> BlobWriter {
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&(file_count as u32).to_le_bytes());
        blob.extend_from_slice(&(directory_count as u32).to_le_bytes());
        BlobWriter { blob }
    }

    /// The next file (its `bytes` copied in).
    pub fn file(&mut self, file: &EmbeddedFile<'_>) {
        self.str(file.path);
        self.str(file.md5);
        self.blob
            .extend_from_slice(&file.modified_secs.to_le_bytes());
        self.str(file.content_type);
        self.opt(file.content_encoding);
        self.opt(file.made_from);
        self.blob
            .extend_from_slice(&(file.bytes.len() as u64).to_le_bytes());
        self.blob.extend_from_slice(file.bytes);
    }

    pub fn directory(&mut self, directory: &str) {
        self.str(directory);
    }

    pub fn finish(self) -> Vec<u8> {
        self.blob
    }

    fn str(&mut self, text: &str) {
        self.blob
            .extend_from_slice(&(text.len() as u32).to_le_bytes());
        self.blob.extend_from_slice(text.as_bytes());
    }

    fn opt(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.blob.push(1);
                self.str(text);
            }
            None => self.blob.push(0),
        }
    }
}

/// Reads a blob written by [`encode`]; what is wrong with it, if anything
/// (never a panic: a damaged component serves nothing and says why).
pub fn decode(blob: &'static [u8]) -> Result<EmbeddedSite, String> {
    let mut reader = Reader { blob, at: 0 };
    if reader.take(MAGIC.len())? != MAGIC {
        return Err("not a site blob (no HCSBLOB1)".to_string());
    }
    let file_count = reader.u32()? as usize;
    let directory_count = reader.u32()? as usize;
    // Each file takes at least 30 bytes (its lengths, time and flags), a
    // directory 4: a count beyond that is damage.
    if file_count > blob.len() / 30 || directory_count > blob.len() / 4 {
        return Err("counts larger than the blob".to_string());
    }
    let mut files = Vec::with_capacity(file_count);
    for _ in 0..file_count {
        let path = reader.str()?;
        let md5 = reader.str()?;
        let modified_secs = reader.u64()?;
        let content_type = reader.str()?;
        let content_encoding = reader.opt_str()?;
        let made_from = reader.opt_str()?;
        let len = usize::try_from(reader.u64()?).map_err(|_| "a length too large")?;
        let bytes = reader.take(len)?;
        files.push(EmbeddedFile {
            path,
            bytes,
            md5,
            modified_secs,
            content_type,
            content_encoding,
            made_from,
        });
    }
    let mut directories = Vec::with_capacity(directory_count);
    for _ in 0..directory_count {
        directories.push(reader.str()?);
    }
    if !files.is_sorted_by(|a, b| a.path < b.path) || !directories.is_sorted() {
        return Err("the files or directories are not sorted".to_string());
    }
    Ok(EmbeddedSite::new(Vec::leak(files), Vec::leak(directories)))
}

struct Reader {
    blob: &'static [u8],
    at: usize,
}

impl Reader {
    fn take(&mut self, len: usize) -> Result<&'static [u8], String> {
        let end = self
            .at
            .checked_add(len)
            .filter(|end| *end <= self.blob.len())
            .ok_or_else(|| format!("cut short at byte {}", self.at))?;
        let bytes = &self.blob[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let bytes = self.take(8)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }

    fn str(&mut self) -> Result<&'static str, String> {
        let len = self.u32()? as usize;
        let at = self.at;
        std::str::from_utf8(self.take(len)?).map_err(|_| format!("not UTF-8 at byte {at}"))
    }

    fn opt_str(&mut self) -> Result<Option<&'static str>, String> {
        match self.take(1)?[0] {
            0 => Ok(None),
            1 => self.str().map(Some),
            other => Err(format!("{other} is no option flag at byte {}", self.at - 1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &'static str, bytes: &'static [u8]) -> EmbeddedFile<'static> {
        EmbeddedFile {
            path,
            bytes,
            md5: "00112233445566778899aabbccddeeff",
            modified_secs: 1_600_000_000,
            content_type: "text/html; charset=utf-8",
            content_encoding: None,
            made_from: None,
        }
    }

    #[test]
    fn a_blob_reads_back_as_written() {
        let mut coded = file("index.html.br", b"\x1b\x00");
        coded.made_from = Some("ffeeddccbbaa99887766554433221100");
        coded.content_encoding = Some("br");
        let files = [
            file("docs/a.txt", b"a"),
            file("index.html", b"<p>hi"),
            coded,
        ];
        let blob: &'static [u8] = Vec::leak(encode(&files, &["docs"]));
        let site = decode(blob).unwrap();
        let direct = EmbeddedSite::new(Vec::leak(files.to_vec()), Vec::leak(vec!["docs"]));
        assert_eq!(format!("{site:?}"), format!("{direct:?}"));
    }

    /// Every cut of a blob, and a flipped option flag, is refused with a
    /// reason, never a panic.
    #[test]
    fn a_damaged_blob_is_refused() {
        let files = [file("index.html", b"<p>hi")];
        let blob = encode(&files, &[]);
        for len in 0..blob.len() {
            let cut: &'static [u8] = Vec::leak(blob[..len].to_vec());
            assert!(decode(cut).is_err(), "cut at {len}");
        }
        let mut flag = blob.clone();
        let at = flag.len() - 5 - 8 - 1 - 1; // content coding's flag
        flag[at] = 7;
        assert!(decode(Vec::leak(flag)).is_err());
        let unsorted = encode(&[file("b", b""), file("a", b"")], &[]);
        assert!(decode(Vec::leak(unsorted)).is_err());
    }
}
