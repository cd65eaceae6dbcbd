//! The path of a request target, checked and percent-decoded once, as a
//! value that can only name something under the document root.
//!
//! A path is refused in one of two ways (docs/serving.md, "Paths"):
//! - **400 Bad Request** when it is not a well-formed path at all: a bad
//!   percent-escape, bytes that are not UTF-8 once decoded (overlong forms
//!   included), NUL or other control characters, and dot-segments (`.`, `..`,
//!   also percent-encoded). A conforming client removes dot-segments before it
//!   sends a request (RFC 3986 section 5.2.4), so one that arrives comes from a
//!   broken client or a traversal attempt.
//! - **404 Not Found** when it is well-formed but no file of the site can have
//!   that name: an encoded slash (`%2F`: a name never holds `/`), a backslash,
//!   a drive prefix (`C:`), an empty segment (`//`), a segment longer than a
//!   file name can be, dot-files (hidden, except `/.well-known/`), and the
//!   site's rules files at the root, `_headers` and `_redirects` in any case
//!   (`crate::rules`), also as a rewrite's target. These
//!   answer exactly as a missing file does, so they tell nothing about what
//!   the directory holds.

use std::fmt;

/// The directory under the root whose dot-named segment is served
/// (RFC 8615): `/.well-known/...`.
pub const WELL_KNOWN: &str = ".well-known";

/// The longest segment accepted: longer names cannot exist on the common
/// file systems (NAME_MAX).
const MAX_SEGMENT_BYTES: usize = 255;
/// The most segments accepted.
const MAX_SEGMENTS: usize = 64;

/// A checked path under the document root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePath {
    /// The decoded segments joined with `/`, without a leading slash; empty
    /// for the root.
    relative: String,
    /// The target ended with `/` (or was `/`): it names a directory.
    directory: bool,
}

/// Why a path was refused, and with which status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 400: the target is not a well-formed path.
    Malformed(&'static str),
    /// 404: well-formed, but names nothing this server serves.
    NotServed(&'static str),
}

impl Refusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Malformed(reason) | Refusal::NotServed(reason) => reason,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl SitePath {
    /// Checks and decodes the path of a request target (without its query).
    pub fn parse(raw: &str) -> Result<SitePath, Refusal> {
        let Some(rest) = raw.strip_prefix('/') else {
            return Err(Refusal::Malformed("does not start with /"));
        };
        let raw_segments: Vec<&str> = rest.split('/').collect();
        if raw_segments.len() > MAX_SEGMENTS {
            return Err(Refusal::NotServed("too many segments"));
        }
        let last = raw_segments.len() - 1;
        let mut segments = Vec::with_capacity(raw_segments.len());
        for (index, raw_segment) in raw_segments.iter().enumerate() {
            let segment = decode_segment(raw_segment)?;
            if segment.is_empty() {
                if index == last {
                    break; // A trailing slash: a directory.
                }
                return Err(Refusal::NotServed("empty segment"));
            }
            check_segment(&segment, index == 0)?;
            segments.push(segment);
        }
        if let [only] = &segments[..]
            && crate::rules::is_rules_file(only)
        {
            return Err(Refusal::NotServed("a rules file of the site"));
        }
        Ok(SitePath {
            relative: segments.join("/"),
            directory: raw.ends_with('/'),
        })
    }

    /// The path relative to the root, segments joined with `/`; empty for the
    /// root.
    pub fn relative(&self) -> &str {
        &self.relative
    }

    /// The target ended with a slash: it names a directory.
    pub fn is_directory(&self) -> bool {
        self.directory
    }

    pub fn is_root(&self) -> bool {
        self.relative.is_empty()
    }

    /// The last segment, empty for the root.
    pub fn file_name(&self) -> &str {
        self.relative.rsplit('/').next().unwrap_or("")
    }

    /// Whether the last segment has an extension (`app.js`, not `about`).
    pub fn has_extension(&self) -> bool {
        self.file_name()
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty())
    }

    /// `name` inside this path taken as a directory.
    pub fn child(&self, name: &str) -> String {
        if self.relative.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.relative)
        }
    }
}

/// Percent-decodes one segment, strictly: `%` must be followed by two hex
/// digits (RFC 3986 section 2.1), and the result must be UTF-8.
fn decode_segment(raw: &str) -> Result<String, Refusal> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok());
            let Some(byte) = hex else {
                return Err(Refusal::Malformed("bad percent-encoding"));
            };
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| Refusal::Malformed("not UTF-8 once decoded"))
}

fn check_segment(segment: &str, first: bool) -> Result<(), Refusal> {
    if segment.chars().any(char::is_control) {
        return Err(Refusal::Malformed("control character"));
    }
    if segment == "." || segment == ".." {
        return Err(Refusal::Malformed("dot-segment"));
    }
    if segment.contains('/') {
        return Err(Refusal::NotServed("encoded slash"));
    }
    if segment.contains('\\') {
        return Err(Refusal::NotServed("backslash"));
    }
    if has_drive_prefix(segment) {
        return Err(Refusal::NotServed("drive prefix"));
    }
    if segment.len() > MAX_SEGMENT_BYTES {
        return Err(Refusal::NotServed("segment too long"));
    }
    if segment.starts_with('.') && !(first && segment == WELL_KNOWN) {
        return Err(Refusal::NotServed("dot-file"));
    }
    Ok(())
}

/// `C:` or `c:...`: a Windows drive, which would replace the root if the path
/// were ever joined on Windows.
fn has_drive_prefix(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (String, bool) {
        let path = SitePath::parse(raw).unwrap_or_else(|r| panic!("{raw}: {r}"));
        (path.relative().to_string(), path.is_directory())
    }

    #[test]
    fn well_formed_paths_decode_once() {
        for (raw, relative, directory) in [
            ("/", "", true),
            ("/index.html", "index.html", false),
            ("/css/site.css", "css/site.css", false),
            ("/docs/", "docs", true),
            ("/%69ndex.html", "index.html", false),
            ("/caf%C3%A9.txt", "café.txt", false),
            ("/a%20b", "a b", false),
            // Decoded once: %2525 is the three characters %25, not %.
            ("/100%2525", "100%25", false),
            (
                "/.well-known/security.txt",
                ".well-known/security.txt",
                false,
            ),
            ("/a.b/c", "a.b/c", false),
        ] {
            assert_eq!(ok(raw), (relative.to_string(), directory), "{raw}");
        }
    }

    #[test]
    fn refusals_and_their_status() {
        use Refusal::{Malformed as Bad, NotServed as Gone};
        for (raw, expected) in [
            ("", Bad("does not start with /")),
            ("index.html", Bad("does not start with /")),
            ("*", Bad("does not start with /")),
            ("/%zz", Bad("bad percent-encoding")),
            ("/%4", Bad("bad percent-encoding")),
            ("/a%", Bad("bad percent-encoding")),
            ("/%c3", Bad("not UTF-8 once decoded")),
            ("/%c0%ae%c0%ae/etc", Bad("not UTF-8 once decoded")),
            ("/%ff", Bad("not UTF-8 once decoded")),
            ("/index.html%00", Bad("control character")),
            ("/%0d%0aX:1", Bad("control character")),
            ("/..", Bad("dot-segment")),
            ("/../secret", Bad("dot-segment")),
            ("/a/../../secret", Bad("dot-segment")),
            ("/%2e%2e/secret", Bad("dot-segment")),
            ("/%2E%2E/%2E%2E/secret", Bad("dot-segment")),
            ("/./index.html", Bad("dot-segment")),
            ("/a/.", Bad("dot-segment")),
            ("/..%2fsecret", Gone("encoded slash")),
            ("/a%2Fb", Gone("encoded slash")),
            ("/%5c..%5csecret", Gone("backslash")),
            ("/..\\secret", Gone("backslash")),
            ("/C:/Windows/win.ini", Gone("drive prefix")),
            ("/c:", Gone("drive prefix")),
            ("//", Gone("empty segment")),
            ("//index.html", Gone("empty segment")),
            ("/a//b", Gone("empty segment")),
            ("/.env", Gone("dot-file")),
            ("/.git/config", Gone("dot-file")),
            ("/.site-manifest", Gone("dot-file")),
            ("/%2egit/config", Gone("dot-file")),
            ("/a/.well-known/x", Gone("dot-file")),
            ("/.well-known/.secret", Gone("dot-file")),
            ("/_headers", Gone("a rules file of the site")),
            ("/_REDIRECTS", Gone("a rules file of the site")),
            ("/%5Fheaders", Gone("a rules file of the site")),
            ("/_headers/", Gone("a rules file of the site")),
        ] {
            assert_eq!(SitePath::parse(raw), Err(expected), "{raw:?}");
        }
        let long = format!("/{}", "a".repeat(256));
        assert_eq!(
            SitePath::parse(&long),
            Err(Gone("segment too long")),
            "256 bytes"
        );
        assert!(SitePath::parse(&format!("/{}", "a".repeat(255))).is_ok());
        let deep = "/a".repeat(65);
        assert_eq!(SitePath::parse(&deep), Err(Gone("too many segments")));
    }

    #[test]
    fn names_and_extensions() {
        let path = SitePath::parse("/blog/post.html").unwrap();
        assert_eq!(path.file_name(), "post.html");
        assert!(path.has_extension());
        let page = SitePath::parse("/app/settings").unwrap();
        assert!(!page.has_extension());
        assert_eq!(page.child("index.html"), "app/settings/index.html");
        let root = SitePath::parse("/").unwrap();
        assert!(root.is_root());
        assert_eq!(root.child("index.html"), "index.html");
        assert!(!SitePath::parse("/v1.").unwrap().has_extension());
    }
}
