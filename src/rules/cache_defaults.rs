//! The Cache-Control a file gets when no rule of the site's `_headers`
//! sets one (RFC 9111 section 5.2.2; `crate::rules::headers_file` for the rules):
//! 1. a fingerprinted name, with a hash of 8 or more hex digits between dots
//!    or dashes (`app.3f9a2c1b.js`, `logo-9f86d081.svg`): the name changes
//!    with the content, so it never needs asking again:
//!    `public, max-age=31536000, immutable` (RFC 8246);
//! 2. HTML: `no-cache`, so that a page that names new assets is seen at once;
//! 3. everything else: `CACHE_CONTROL`, the configured value (None here).
//!
//! `.cache-rules`, the glob rules of earlier versions, is no longer read:
//! `_headers` is the one place for Cache-Control by path, and the build step
//! says so when it finds one ([`OLD_RULES_FILE`]).

use http::HeaderValue;

/// The rules file of earlier versions, which the build step warns about.
pub const OLD_RULES_FILE: &str = ".cache-rules";

/// Cache-Control of a fingerprinted asset.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of HTML.
pub const HTML: &str = "no-cache";

/// The hex digits a fingerprint has at least.
const FINGERPRINT_DIGITS: usize = 8;

/// The default Cache-Control of the file at `relative` whose Content-Type is
/// `content_type`; None when the configured one (`CACHE_CONTROL`) applies.
pub fn default_for(relative: &str, content_type: &HeaderValue) -> Option<&'static str> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    if is_fingerprinted(name) {
        Some(IMMUTABLE)
    } else if content_type.as_bytes().starts_with(b"text/html") {
        Some(HTML)
    } else {
        None
    }
}

/// The message for a site that still has `.cache-rules`.
pub fn old_rules_message() -> String {
    format!(
        "{OLD_RULES_FILE} is no longer read: write its rules in `_headers` as `Cache-Control` lines (docs/caching.md)"
    )
}

/// A segment of the name, between dots or dashes and not its extension, of
/// at least 8 hex digits with both a digit and a letter in it: a content
/// hash, not a date (`20261125`) or a word (`deadbeef`).
pub fn is_fingerprinted(name: &str) -> bool {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.split(['.', '-']).any(|part| {
        part.len() >= FINGERPRINT_DIGITS
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit())
            && part.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTML_TYPE: &str = "text/html; charset=utf-8";
    const CSS_TYPE: &str = "text/css; charset=utf-8";

    #[test]
    fn the_defaults() {
        for (path, content_type, expected) in [
            ("app.3f9a2c1b.js", CSS_TYPE, Some(IMMUTABLE)),
            ("assets/logo-9f86d081884c.svg", CSS_TYPE, Some(IMMUTABLE)),
            ("chunk.3F9A2C1B.css", CSS_TYPE, Some(IMMUTABLE)),
            ("3f9a2c1b.js", CSS_TYPE, Some(IMMUTABLE)),
            ("index.html", HTML_TYPE, Some(HTML)),
            ("page.3f9a2c1b.html", HTML_TYPE, Some(IMMUTABLE)),
            ("site.css", CSS_TYPE, None),
            ("app.3f9a2c1.js", CSS_TYPE, None),
            ("log.20261125.txt", CSS_TYPE, None),
            ("deadbeef.js", CSS_TYPE, None),
            ("archive.3f9a2c1b", CSS_TYPE, None),
        ] {
            let content_type = HeaderValue::from_static(content_type);
            assert_eq!(default_for(path, &content_type), expected, "{path}");
        }
    }
}
