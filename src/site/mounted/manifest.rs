//! The site manifest: what the build step (`cargo xtask build`) recorded of
//! each file of the site: its MD5, its length and its modification time in
//! the source tree. The component reads it once per instance, when a request
//! first needs it.
//!
//! Spin copies `files` into a temporary directory when it starts, so every
//! file's modification time there is the start time: two replicas of the same
//! bytes, or one replica after a restart, would send different Last-Modified
//! values and answer each other's If-Modified-Since with 200. The manifest
//! travels with the files (it is one of them), so every copy of the site
//! agrees on the times.
//!
//! It is trusted in two ways, each only as far as it can be checked:
//! - For a time: the component uses a recorded time when the content it read
//!   hashes to the recorded MD5 (the time those bytes had in the source tree
//!   when the build ran), and the file's own time otherwise.
//! - For an MD5 without reading: a file whose length and modification time,
//!   to the nanosecond, are the recorded ones (and whose time is not within
//!   the racy window) is taken to hold the recorded bytes, so that a new
//!   instance answers a 304 without reading it. That holds where the runtime
//!   shows the real files (wasmtime, Spin's `--direct-mounts`); Spin's copy
//!   gives every file the copy's time, so there files are read. A body that
//!   is sent is always read, and its ETag computed from the bytes sent.
//!
//! - For a precompressed variant (`app.js.br` beside `app.js`): the build
//!   decodes it and records the MD5 of the source bytes it decodes to, when
//!   those are the source's bytes. The component sends a variant only when
//!   the manifest records it, with exactly its bytes, as made from exactly
//!   the source's current bytes: a variant that is stale, hand-made from
//!   other bytes, or not recorded (no build step ran) is never sent; the
//!   source is (see `crate::resolve`). Times cannot prove this: Spin's copy
//!   gives every file the same time.
//!
//! Format, one file a line, `#` starts a comment:
//! `<md5 in hex> <length> <mtime> <made-from> <path>`, the mtime in seconds
//! since the epoch, with `.` and nine digits of nanoseconds (whole seconds
//! alone are read too); `<made-from>` the MD5 of the source a variant
//! decodes to, or `-`; the path relative to the site root with `/` between
//! segments.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The manifest's file name, at the root of the site.
pub const FILE_NAME: &str = ".site-manifest";

const HEADER: &str = "# http-caching-server site manifest, written by `cargo xtask build`: md5 length mtime(secs.nanos) made-from(md5|-) path\n";

/// What the build step recorded of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The MD5 of the content, 32 lower-case hex digits.
    pub md5: String,
    pub len: u64,
    /// The modification time in the source tree, whole seconds since the epoch.
    pub modified_secs: u64,
    /// The nanoseconds of that time.
    pub modified_nanos: u32,
    /// For a precompressed variant: the MD5 of the source bytes the build
    /// decoded it to (32 lower-case hex digits). None for every other file.
    pub made_from: Option<String>,
}

impl Recorded {
    /// The modification time to the nanosecond.
    pub fn modified(&self) -> SystemTime {
        UNIX_EPOCH + Duration::new(self.modified_secs, self.modified_nanos)
    }
}

/// The recorded files by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteManifest {
    files: HashMap<String, Recorded>,
}

impl SiteManifest {
    /// Parses a manifest; a line that is not valid is skipped, with a
    /// message in the returned list.
    pub fn parse(text: &str) -> (SiteManifest, Vec<String>) {
        let mut manifest = SiteManifest::default();
        let mut problems = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Some((path, recorded)) => {
                    manifest.files.insert(path.to_string(), recorded);
                }
                None => problems.push(format!(
                    "{FILE_NAME}: line {} is not `md5 length mtime made-from path`; ignored \
                     (run the build step again)",
                    number + 1
                )),
            }
        }
        (manifest, problems)
    }

    pub fn insert(&mut self, path: &str, recorded: Recorded) {
        self.files.insert(path.to_string(), recorded);
    }

    /// Every recorded file, in no particular order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &Recorded)> {
        self.files
            .iter()
            .map(|(path, recorded)| (path.as_str(), recorded))
    }

    pub fn get(&self, path: &str) -> Option<&Recorded> {
        self.files.get(path)
    }

    /// The recorded modification time of `path`, if the manifest has one for
    /// exactly the content whose MD5 is `md5_hex`.
    pub fn time_for(&self, path: &str, md5_hex: &str) -> Option<SystemTime> {
        self.files
            .get(path)
            .filter(|recorded| recorded.md5.eq_ignore_ascii_case(md5_hex))
            .map(Recorded::modified)
    }

    /// The MD5 of the source that the variant at `path` encodes, if the
    /// manifest recorded the variant with exactly the content whose MD5 is
    /// `md5_hex`, and proved at build time that it decodes to that source.
    pub fn source_of_variant(&self, path: &str, md5_hex: &str) -> Option<&str> {
        self.files
            .get(path)
            .filter(|recorded| recorded.md5.eq_ignore_ascii_case(md5_hex))
            .and_then(|recorded| recorded.made_from.as_deref())
    }

    /// The recorded length of a variant at `path` made from the source
    /// whose MD5 is `source_md5_hex`, whatever bytes the variant's file
    /// holds now (see [`SiteManifest::source_of_variant`] for those); None
    /// when the manifest records no such variant.
    pub fn variant_len_of(&self, path: &str, source_md5_hex: &str) -> Option<u64> {
        self.files
            .get(path)
            .filter(|recorded| {
                recorded
                    .made_from
                    .as_deref()
                    .is_some_and(|made_from| made_from.eq_ignore_ascii_case(source_md5_hex))
            })
            .map(|recorded| recorded.len)
    }

    /// What the manifest recorded of `path`, if its length and modification
    /// time are exactly `len` and `modified`: the file is then taken to hold
    /// the recorded bytes (see the module's documentation).
    pub fn vouches_for(&self, path: &str, len: u64, modified: SystemTime) -> Option<&Recorded> {
        self.files
            .get(path)
            .filter(|recorded| recorded.len == len && recorded.modified() == modified)
    }

    /// The manifest as text, sorted by path so that a rebuild of the same
    /// files writes the same bytes.
    pub fn render(&self) -> String {
        let mut paths: Vec<&String> = self.files.keys().collect();
        paths.sort();
        let mut text = HEADER.to_string();
        for path in paths {
            let r = &self.files[path];
            text.push_str(&format!(
                "{} {} {}.{:09} {} {path}\n",
                r.md5,
                r.len,
                r.modified_secs,
                r.modified_nanos,
                r.made_from.as_deref().unwrap_or("-")
            ));
        }
        text
    }
}

fn parse_line(line: &str) -> Option<(&str, Recorded)> {
    let mut parts = line.splitn(5, ' ');
    let md5 = parts.next().filter(|md5| is_md5_hex(md5))?;
    let len = parts.next()?.parse().ok()?;
    let (modified_secs, modified_nanos) = parse_time(parts.next()?)?;
    let made_from = match parts.next()? {
        "-" => None,
        source if is_md5_hex(source) => Some(source.to_ascii_lowercase()),
        _ => return None,
    };
    let path = parts.next().filter(|path| !path.is_empty())?;
    let recorded = Recorded {
        md5: md5.to_ascii_lowercase(),
        len,
        modified_secs,
        modified_nanos,
        made_from,
    };
    Some((path, recorded))
}

fn is_md5_hex(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `secs` or `secs.nnnnnnnnn` (up to nine digits after the point).
fn parse_time(text: &str) -> Option<(u64, u32)> {
    let (secs, nanos) = match text.split_once('.') {
        Some((secs, digits)) => {
            if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let scale = 10u32.pow(9 - digits.len() as u32);
            (secs, digits.parse::<u32>().ok()? * scale)
        }
        None => (text, 0),
    };
    Some((secs.parse().ok()?, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD5_A: &str = "0cc175b9c0f1b6a831c399e269772661";

    #[test]
    fn render_then_parse_gives_the_same_manifest() {
        let mut manifest = SiteManifest::default();
        for (path, secs) in [("index.html", 1_700_000_000), ("dir/a b.css", 5)] {
            manifest.insert(
                path,
                Recorded {
                    md5: MD5_A.to_string(),
                    len: 1,
                    modified_secs: secs,
                    modified_nanos: 123_456_789,
                    made_from: (secs == 5).then(|| MD5_A.to_string()),
                },
            );
        }
        let (parsed, problems) = SiteManifest::parse(&manifest.render());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed, manifest);
        assert_eq!(parsed.get("dir/a b.css").map(|r| r.modified_secs), Some(5));
        assert_eq!(
            parsed.source_of_variant("dir/a b.css", MD5_A),
            Some(MD5_A),
            "made from"
        );
        assert_eq!(parsed.source_of_variant("index.html", MD5_A), None);
    }

    #[test]
    fn a_time_is_given_only_for_the_recorded_bytes() {
        let (manifest, _) = SiteManifest::parse(&format!("{MD5_A} 1 1700000000 - index.html\n"));
        assert_eq!(
            manifest.time_for("index.html", MD5_A),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert_eq!(
            manifest.time_for("index.html", "d41d8cd98f00b204e9800998ecf8427e"),
            None
        );
        assert_eq!(manifest.time_for("other.html", MD5_A), None);
    }

    #[test]
    fn a_file_is_vouched_for_by_its_exact_length_and_time() {
        let (manifest, problems) = SiteManifest::parse(&format!(
            "{MD5_A} 1 1700000000.000000500 - a.js\n{MD5_A} 1 7.5 - b.js\n"
        ));
        assert!(problems.is_empty(), "{problems:?}");
        let at = |secs, nanos| UNIX_EPOCH + Duration::new(secs, nanos);
        assert!(
            manifest
                .vouches_for("a.js", 1, at(1_700_000_000, 500))
                .is_some()
        );
        assert!(
            manifest
                .vouches_for("a.js", 1, at(1_700_000_000, 501))
                .is_none()
        );
        assert!(
            manifest
                .vouches_for("a.js", 2, at(1_700_000_000, 500))
                .is_none()
        );
        assert!(
            manifest
                .vouches_for("b.js", 1, at(7, 500_000_000))
                .is_some()
        );
        assert!(manifest.vouches_for("c.js", 1, at(7, 0)).is_none());
    }

    #[test]
    fn bad_lines_are_skipped_and_reported() {
        let text = format!(
            "# comment\n\nnot-a-hash 1 2 - x\n{MD5_A} many 2 - x\n{MD5_A} 1 2 -\n{MD5_A} 1 2.x - y\n{MD5_A} 1 2. - z\n{MD5_A} 1 2 x z\n{MD5_A} 1 2 old-format.html\n{MD5_A} 1 2 - ok.html\n"
        );
        let (manifest, problems) = SiteManifest::parse(&text);
        assert_eq!(problems.len(), 7, "{problems:?}");
        assert!(manifest.get("ok.html").is_some());
    }
}
