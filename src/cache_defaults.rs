//! Cache-Control per path (RFC 9111 section 5.2.2): the site's own rules
//! first, then the defaults.
//!
//! The rules file is `.cache-rules` at the site root (a dot-file, so never
//! served), read once per instance, when a request first needs it. One rule
//! a line, `#` starts a comment:
//! `<glob> <Cache-Control value>`. A glob without `/` matches the file name
//! in any directory (`*.css`); one with `/` matches the path from the root
//! (`assets/**`, `/robots.txt`). The first rule that matches wins (crate
//! `glob`, with literal separators: `*` never crosses a `/`, `**` as a
//! whole segment does; it compiles no regex, so a new instance, which reads
//! the rules again, pays little for them).
//!
//! After the file's rules, the defaults:
//! 1. a fingerprinted name, with a hash of 8 or more hex digits between dots
//!    or dashes (`app.3f9a2c1b.js`, `logo-9f86d081.svg`): the name changes
//!    with the content, so it never needs asking again:
//!    `public, max-age=31536000, immutable` (RFC 8246);
//! 2. HTML: `no-cache`, so that a page that names new assets is seen at once;
//! 3. everything else: `CACHE_CONTROL`.

use glob::{MatchOptions, Pattern};
use http::HeaderValue;

/// How a rule's glob matches: case matters, `*` and `?` never match `/`,
/// and a leading dot needs no literal dot (dot-files are never served
/// anyway).
const MATCHING: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// The rules file's name, at the site root.
pub const FILE_NAME: &str = ".cache-rules";

/// Cache-Control of a fingerprinted asset.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of HTML.
pub const HTML: &str = "no-cache";

/// The hex digits a fingerprint has at least.
const FINGERPRINT_DIGITS: usize = 8;

struct Rule {
    pattern: Pattern,
    /// The glob has no `/`: it matches the file name.
    name_only: bool,
    value: HeaderValue,
}

/// The rules of a site.
pub struct CacheRules {
    rules: Vec<Rule>,
    immutable: HeaderValue,
    html: HeaderValue,
}

impl Default for CacheRules {
    /// The defaults alone: fingerprinted names, then HTML.
    fn default() -> Self {
        CacheRules {
            rules: Vec::new(),
            immutable: HeaderValue::from_static(IMMUTABLE),
            html: HeaderValue::from_static(HTML),
        }
    }
}

impl CacheRules {
    /// Adds the rules of a rules file; a line that is not valid is skipped,
    /// with a message in the returned list.
    pub fn parse(&mut self, text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_rule(line) {
                Ok(rule) => self.rules.push(rule),
                Err(why) => {
                    problems.push(format!("{FILE_NAME}: line {}: {why}; ignored", number + 1))
                }
            }
        }
        problems
    }

    /// The Cache-Control of the file at `relative` (segments joined with `/`)
    /// whose Content-Type is `content_type`; None when the configured one
    /// (`CACHE_CONTROL`) applies.
    pub fn for_file(&self, relative: &str, content_type: &HeaderValue) -> Option<&HeaderValue> {
        let name = relative.rsplit('/').next().unwrap_or(relative);
        for rule in &self.rules {
            let subject = if rule.name_only { name } else { relative };
            if rule.pattern.matches_with(subject, MATCHING) {
                return Some(&rule.value);
            }
        }
        if is_fingerprinted(name) {
            Some(&self.immutable)
        } else if content_type.as_bytes().starts_with(b"text/html") {
            Some(&self.html)
        } else {
            None
        }
    }
}

fn parse_rule(line: &str) -> Result<Rule, String> {
    let (glob, value) = line
        .split_once(char::is_whitespace)
        .ok_or("not `<glob> <Cache-Control value>`")?;
    let value = HeaderValue::try_from(value.trim())
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or("the value is not a header field value")?;
    let pattern = glob.strip_prefix('/').unwrap_or(glob);
    let pattern = Pattern::new(pattern).map_err(|err| format!("{glob:?} is not a glob: {err}"))?;
    Ok(Rule {
        pattern,
        name_only: !glob.contains('/'),
        value,
    })
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

    fn rules(text: &str) -> CacheRules {
        let mut rules = CacheRules::default();
        let problems = rules.parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        rules
    }

    fn value<'a>(rules: &'a CacheRules, path: &str, content_type: &'static str) -> &'a str {
        rules
            .for_file(path, &HeaderValue::from_static(content_type))
            .map_or("public, max-age=60", |value| value.to_str().unwrap())
    }

    #[test]
    fn the_defaults() {
        let rules = rules("");
        for (path, content_type, expected) in [
            ("app.3f9a2c1b.js", CSS_TYPE, IMMUTABLE),
            ("assets/logo-9f86d081884c.svg", CSS_TYPE, IMMUTABLE),
            ("chunk.3F9A2C1B.css", CSS_TYPE, IMMUTABLE),
            ("3f9a2c1b.js", CSS_TYPE, IMMUTABLE),
            ("index.html", HTML_TYPE, HTML),
            ("page.3f9a2c1b.html", HTML_TYPE, IMMUTABLE),
            ("site.css", CSS_TYPE, "public, max-age=60"),
            ("app.3f9a2c1.js", CSS_TYPE, "public, max-age=60"),
            ("log.20261125.txt", CSS_TYPE, "public, max-age=60"),
            ("deadbeef.js", CSS_TYPE, "public, max-age=60"),
            ("archive.3f9a2c1b", CSS_TYPE, "public, max-age=60"),
        ] {
            assert_eq!(value(&rules, path, content_type), expected, "{path}");
        }
    }

    #[test]
    fn the_sites_rules_come_first_in_their_order() {
        let rules = rules(
            "# the site's rules\n\
             /robots.txt   public, max-age=86400\n\
             docs/**       public, max-age=600\n\
             *.html        no-store\n\
             *.css         public, max-age=300\n\
             *             private\n",
        );
        for (path, content_type, expected) in [
            ("robots.txt", CSS_TYPE, "public, max-age=86400"),
            ("docs/a/b.css", CSS_TYPE, "public, max-age=600"),
            ("index.html", HTML_TYPE, "no-store"),
            ("css/site.css", CSS_TYPE, "public, max-age=300"),
            ("app.3f9a2c1b.js", CSS_TYPE, "private"),
            ("x/robots.txt", CSS_TYPE, "private"),
        ] {
            assert_eq!(value(&rules, path, content_type), expected, "{path}");
        }
        // `**` as a whole segment crosses any number of directories.
        let deep = self::rules("assets/**/*.js public\n**/*.map private\n");
        assert_eq!(value(&deep, "assets/a/b/c.js", CSS_TYPE), "public");
        assert_eq!(value(&deep, "assets/c.js", CSS_TYPE), "public");
        assert_eq!(value(&deep, "other/c.js", CSS_TYPE), "public, max-age=60");
        assert_eq!(value(&deep, "a/b/c.js.map", CSS_TYPE), "private");
        assert_eq!(value(&deep, "c.js.map", CSS_TYPE), "private");
        // `*` does not cross a slash in a glob with one.
        let top = self::rules("/*.txt public\n");
        assert_eq!(value(&top, "a.txt", CSS_TYPE), "public");
        assert_eq!(value(&top, "d/a.txt", CSS_TYPE), "public, max-age=60");
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let mut rules = CacheRules::default();
        let problems = rules.parse("*.css\n[ public\n*.js bad\u{7f}value\n*.txt public\n");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(value(&rules, "a.txt", CSS_TYPE), "public");
    }
}
