//! The build step's precompressed variants: for each file of the site worth
//! compressing, `NAME.br` (brotli, quality 11), `NAME.zst` (zstd, level 19)
//! and `NAME.gz` (gzip, level 9) beside it, each kept only when it saves at
//! least a tenth. A variant gets
//! its source's modification time, so that the component, which never sends
//! a variant older than its source, sends it until the source changes; a
//! rebuild writes again only the variants whose source changed.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use http_caching_server::Encoding;
use http_caching_server::is_compressible;
use http_caching_server::is_rules_file;

/// The zstd level: high, as the work is done once, at build time.
const ZSTD_LEVEL: i32 = 19;

/// Smaller files are not worth a variant: the headers dominate.
const MIN_BYTES: u64 = 256;

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Writes the variants of every file under `site` (but dot-files, which are
/// never served, and variants themselves). On a terminal, a progress line
/// counts the files as they are compressed (a large site's brotli takes
/// a while); elsewhere (a build log) it is not drawn.
pub fn write_variants(site: &Path) -> Result<Written> {
    let mut sources = Vec::new();
    visit(site, site, &mut sources)?;
    let progress = indicatif::ProgressBar::new(sources.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("compressing {pos}/{len} files {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut written = Written::default();
    for source in &sources {
        let name = source.strip_prefix(site).unwrap_or(source);
        progress.set_message(name.display().to_string());
        write_variants_of(source, &mut written)?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(written)
}

/// The files under `dir` worth compressing, in name order.
fn visit(site: &Path, dir: &Path, sources: &mut Vec<std::path::PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let kind = entry.file_type()?;
        // The site's rules files are never served, so never compressed.
        let rules_file = dir == site && is_rules_file(&name);
        if name.starts_with('.')
            || name.ends_with(crate::aside::ASIDE_SUFFIX)
            || kind.is_symlink()
            || rules_file
        {
            continue;
        }
        if kind.is_dir() {
            visit(site, &path, sources)?;
        } else if kind.is_file() && is_compressible(&name) {
            sources.push(path);
        }
    }
    Ok(())
}

/// Writes the variants of one file that are missing or older than it; the
/// source is looked at once and read at most once for all of them.
fn write_variants_of(source: &Path, written: &mut Written) -> Result<()> {
    let metadata = match fs::metadata(source) {
        Ok(metadata) => metadata,
        // Gone since the listing.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err.into()),
    };
    let mtime = metadata.modified()?;
    let name = source.file_name().unwrap_or_default().to_string_lossy();
    let mut content = None;
    for coding in Encoding::ALL {
        let variant = source.with_file_name(coding.variant_name(&name));
        if fs::metadata(&variant).and_then(|m| m.modified()).ok() == Some(mtime) {
            written.unchanged += 1;
            continue;
        }
        let content: &Vec<u8> = match &mut content {
            Some(content) => content,
            None => content
                .insert(fs::read(source).with_context(|| format!("reading {}", source.display()))?),
        };
        let compressed = compress(content, coding)?;
        let worth_it = metadata.len() >= MIN_BYTES && compressed.len() * 10 <= content.len() * 9;
        if !worth_it {
            if fs::remove_file(&variant).is_ok() {
                written.removed += 1;
            }
            continue;
        }
        // Written aside and renamed into place, so that a running server
        // never reads half a variant; the aside name is this build's own, as
        // two builds may run at once (two deployments, say).
        let aside = crate::aside::aside_path(&variant);
        fs::write(&aside, &compressed).with_context(|| format!("writing {}", aside.display()))?;
        fs::File::options()
            .write(true)
            .open(&aside)?
            .set_modified(mtime)?;
        fs::rename(&aside, &variant)?;
        written.written += 1;
    }
    Ok(())
}

/// The bytes of `content` in `coding`.
pub fn compress(content: &[u8], coding: Encoding) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match coding {
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &content[..], &mut out, &params)?;
        }
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(&mut out, flate2::Compression::best());
            encoder.write_all(content)?;
            encoder.finish()?;
        }
        Encoding::Zstd => {
            // Level 19, the highest without `--ultra`'s large windows, which
            // a browser's decoder may refuse (RFC 8878 section 3.1.1.1.2:
            // 8 MiB at most for HTTP); the content size goes in the frame.
            let mut encoder = zstd::stream::write::Encoder::new(&mut out, ZSTD_LEVEL)?;
            encoder.include_contentsize(true)?;
            encoder.set_pledged_src_size(Some(content.len() as u64))?;
            encoder.write_all(content)?;
            encoder.finish()?;
        }
    }
    Ok(out)
}

/// The bytes `coded` decodes to in `coding`, if they are at most `limit`
/// bytes (more is refused, so that a small file cannot expand without end);
/// None when it does not decode or is longer.
pub fn decode(coded: &[u8], coding: Encoding, limit: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let read = match coding {
        Encoding::Brotli => brotli::Decompressor::new(coded, 4096)
            .take(limit + 1)
            .read_to_end(&mut out),
        Encoding::Gzip => flate2::read::GzDecoder::new(coded)
            .take(limit + 1)
            .read_to_end(&mut out),
        Encoding::Zstd => zstd::stream::read::Decoder::new(coded)
            .and_then(|decoder| decoder.take(limit + 1).read_to_end(&mut out)),
    };
    (read.is_ok() && out.len() as u64 <= limit).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::tests::text;

    #[test]
    fn variants_decode_to_the_source_and_carry_its_time() {
        let site = tempfile::tempdir().unwrap();
        let css = site.path().join("site.css");
        fs::write(&css, text(4096)).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&css)
            .unwrap()
            .set_modified(old)
            .unwrap();
        fs::write(site.path().join("tiny.css"), b"a{}").unwrap();
        fs::write(site.path().join("photo.png"), text(4096)).unwrap();
        fs::write(site.path().join(".hidden.css"), text(4096)).unwrap();
        let first = write_variants(site.path()).unwrap();
        assert_eq!(
            first.written, 3,
            "site.css.br, .zst and .gz only: {first:?}"
        );
        let mut decoded = Vec::new();
        brotli::Decompressor::new(
            fs::File::open(site.path().join("site.css.br")).unwrap(),
            4096,
        )
        .read_to_end(&mut decoded)
        .unwrap();
        assert_eq!(decoded, text(4096));
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(site.path().join("site.css.gz")).unwrap())
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text(4096));
        let zst = fs::read(site.path().join("site.css.zst")).unwrap();
        assert_eq!(zstd::decode_all(&zst[..]).unwrap(), text(4096));
        assert_eq!(decode(&zst, Encoding::Zstd, 4096), Some(text(4096)));
        assert_eq!(decode(&zst, Encoding::Zstd, 4095), None, "over the limit");
        let variant_time = fs::metadata(site.path().join("site.css.br"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(variant_time, old);
        assert!(!site.path().join("tiny.css.br").exists());
        assert!(!site.path().join("photo.png.gz").exists());
        // Aside files of a build never stay behind.
        assert!(fs::read_dir(site.path()).unwrap().all(|e| {
            !e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(crate::aside::ASIDE_SUFFIX)
        }));
        // Again: nothing to do. After a change of the source: both again.
        let again = write_variants(site.path()).unwrap();
        assert_eq!((again.written, again.unchanged), (0, 3));
        fs::write(&css, text(5000)).unwrap();
        assert_eq!(write_variants(site.path()).unwrap().written, 3);
    }
}
