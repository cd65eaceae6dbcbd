//! The URL patterns of `_headers` and `_redirects`, as Cloudflare Pages
//! documents them (developers.cloudflare.com/pages/configuration/headers/ and
//! /redirects/): a path from the root in which `*`, the splat, matches any
//! run of characters, `/` included, and `:name`, a placeholder, matches one
//! path segment (no `/`). What they matched is named `:splat` and `:name` in
//! a redirect's target or a header's value.
//!
//! Patterns and paths are compared decoded (`%20` and a space are one
//! character), case-sensitively; a pattern names a path, never a host.

use std::fmt::Write as _;

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    /// `:name`: one segment, at least one character.
    Placeholder(String),
    /// `*`: any characters, none included.
    Splat,
}

/// A checked URL pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPattern {
    pieces: Vec<Piece>,
}

/// What a pattern matched: each placeholder's name and text, and the
/// splat's text under the name `splat`; decoded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captures(Vec<(String, String)>);

impl UrlPattern {
    /// Checks a pattern as written in `_headers` or `_redirects`. Errors say
    /// what is wrong, for the line's message.
    pub fn parse(text: &str) -> Result<UrlPattern, String> {
        if text.starts_with("http://") || text.starts_with("https://") || text.starts_with("//") {
            return Err(format!(
                "{text:?} names a host: only paths from the root are supported"
            ));
        }
        if !text.starts_with('/') {
            return Err(format!("{text:?} is not a path from the root (`/...`)"));
        }
        let decoded = percent_decode_lenient(text);
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = decoded.chars().peekable();
        let mut names = Vec::new();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    if pieces.contains(&Piece::Splat) {
                        return Err(format!("{text:?} has more than one splat `*`"));
                    }
                    if literal.is_empty() && matches!(pieces.last(), Some(Piece::Placeholder(_))) {
                        return Err(format!(
                            "{text:?} has a splat right after a placeholder: where one ends is not said"
                        ));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Splat);
                }
                ':' if literal.ends_with('/')
                    && chars.peek().is_some_and(|c| is_name_start(*c)) =>
                {
                    let mut name = String::new();
                    while let Some(&c) = chars.peek().filter(|c| is_name_char(**c)) {
                        name.push(c);
                        chars.next();
                    }
                    if name == "splat" || names.contains(&name) {
                        return Err(format!("{text:?} names the placeholder :{name} twice"));
                    }
                    names.push(name.clone());
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    pieces.push(Piece::Placeholder(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(UrlPattern { pieces })
    }

    /// Whether the pattern has a splat or a placeholder (a "dynamic" rule,
    /// in Cloudflare's terms, which count against their own limit).
    pub fn is_dynamic(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Literal(_)))
    }

    /// How specific the pattern is, to choose between two that match one
    /// path: one without a splat or placeholder is more specific than any
    /// with one, then the one with more literal characters.
    pub fn specificity(&self) -> (bool, usize) {
        let literal = self
            .pieces
            .iter()
            .map(|piece| match piece {
                Piece::Literal(text) => text.chars().count(),
                _ => 0,
            })
            .sum();
        (!self.is_dynamic(), literal)
    }

    /// What the pattern captures of `path` (decoded, from `/`), or None when
    /// it does not match the whole path.
    pub fn matches(&self, path: &str) -> Option<Captures> {
        let mut spans = Vec::new();
        match_from(&self.pieces, path, &mut spans).then(|| {
            Captures(
                spans
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
            )
        })
    }
}

/// Matches `pieces` against the whole of `rest`, pushing what each
/// placeholder and the splat matched (borrowed: nothing is copied while
/// trying). A placeholder or splat is followed by a literal or by nothing
/// (`UrlPattern::parse` sees to it), so it can end only where that literal
/// starts, or at the end: a long path costs one scan per rule, not one copy
/// per character.
fn match_from<'p, 's>(
    pieces: &'p [Piece],
    rest: &'s str,
    captures: &mut Vec<(&'p str, &'s str)>,
) -> bool {
    let Some((first, others)) = pieces.split_first() else {
        return rest.is_empty();
    };
    let (name, span, least) = match first {
        Piece::Literal(literal) => {
            return rest
                .strip_prefix(literal.as_str())
                .is_some_and(|rest| match_from(others, rest, captures));
        }
        // One segment, at least one character.
        Piece::Placeholder(name) => (name.as_str(), rest.find('/').unwrap_or(rest.len()), 1),
        Piece::Splat => ("splat", rest.len(), 0),
    };
    let next = match others.first() {
        None => None,
        Some(Piece::Literal(next)) => Some(next.as_str()),
        Some(_) => return false,
    };
    // The longest first: a splat is greedy, and a placeholder ends where its
    // segment does unless the pattern goes on inside it (`/:id.json`).
    for end in (least..=span).rev() {
        let fits = rest.is_char_boundary(end)
            && match next {
                None => end == rest.len(),
                Some(next) => rest[end..].starts_with(next),
            };
        if !fits {
            continue;
        }
        captures.push((name, &rest[..end]));
        if match_from(others, &rest[end..], captures) {
            return true;
        }
        captures.pop();
    }
    false
}

impl Captures {
    /// The text a placeholder (or `splat`) matched.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }

    /// `template` with each `:name` it captured replaced by its text, passed
    /// through `encode` (a URL's or a field value's own escaping). A `:name`
    /// that the pattern does not have stays as it is.
    pub fn substitute(&self, template: &str, encode: impl Fn(&str, &str) -> String) -> String {
        let mut out = String::with_capacity(template.len());
        let mut chars = template.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == ':' && chars.peek().is_some_and(|(_, c)| is_name_start(*c)) {
                let start = at + 1;
                let mut end = start;
                while let Some(&(i, c)) = chars.peek().filter(|(_, c)| is_name_char(*c)) {
                    end = i + c.len_utf8();
                    chars.next();
                }
                let name = &template[start..end];
                match self.get(name) {
                    Some(value) => out.push_str(&encode(name, value)),
                    None => {
                        out.push(':');
                        out.push_str(name);
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What a pattern captured, for a URL or a field value: every byte but
/// unreserved characters (RFC 3986 section 2.3) percent-encoded, `/` too
/// unless `keep_slash` (the splat's). A captured `&`, `=`, `;`, `,` or `+`
/// so stays data: it cannot add a query parameter to a Location or an
/// attribute to a Set-Cookie.
pub fn encode_captured(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `%XX` decoded where it forms UTF-8; anything else kept as written.
pub fn percent_decode_lenient(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// `text` as characters a URI reference may hold (RFC 3986 section 2):
/// every character outside the unreserved, reserved and `%` sets, such as
/// a space or a non-ASCII letter, percent-encoded as its UTF-8 bytes; a `%`
/// not followed by two hex digits as `%25`. `also`: reserved characters to
/// encode too (`?#` for a path segment captured from a request).
pub fn percent_encode(text: &str, also: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        let allowed = b.is_ascii_alphanumeric()
            || b"-._~:/?#[]@!$&'()*+,;=".contains(&b) && !also.as_bytes().contains(&b);
        let escape = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if allowed || (escape && !also.contains('%')) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captures(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
        UrlPattern::parse(pattern)
            .unwrap()
            .matches(path)
            .map(|c| c.0)
    }

    fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn splats_and_placeholders() {
        assert_eq!(captures("/about", "/about"), pairs(&[]));
        assert_eq!(captures("/about", "/about/"), None);
        assert_eq!(captures("/About", "/about"), None, "case matters");
        assert_eq!(captures("/*", "/"), pairs(&[("splat", "")]));
        assert_eq!(captures("/*", "/a/b/c.js"), pairs(&[("splat", "a/b/c.js")]));
        assert_eq!(
            captures("/assets/*", "/assets/x/y.css"),
            pairs(&[("splat", "x/y.css")])
        );
        assert_eq!(captures("/assets/*", "/other/x.css"), None);
        assert_eq!(captures("/*.js", "/a/b.js"), pairs(&[("splat", "a/b")]));
        assert_eq!(
            captures("/blog/:year/:slug", "/blog/2026/hello"),
            pairs(&[("year", "2026"), ("slug", "hello")])
        );
        assert_eq!(captures("/blog/:year/:slug", "/blog/2026/a/b"), None);
        assert_eq!(
            captures("/blog/:year", "/blog/"),
            None,
            "one character at least"
        );
        assert_eq!(
            captures("/api/:id.json", "/api/7.json"),
            pairs(&[("id", "7")])
        );
        assert_eq!(
            captures("/my%20page", "/my page"),
            pairs(&[]),
            "compared decoded"
        );
        assert_eq!(
            captures("/a:b", "/a:b"),
            pairs(&[]),
            "a colon inside a segment is a character"
        );
    }

    /// A long path that does not match: each rule scans it once for where
    /// its literal starts (it copied the rest of the path at each character
    /// before, 100 rules of 16 KiB taking seconds).
    #[test]
    fn long_paths() {
        let path = format!("/{}", "a/".repeat(8_000));
        let rules: Vec<UrlPattern> = (0..100)
            .map(|i| UrlPattern::parse(&format!("/*.js{i}")).unwrap())
            .collect();
        assert!(rules.iter().all(|rule| rule.matches(&path).is_none()));
        let placeholder = UrlPattern::parse("/:a/*/:b.json").unwrap();
        assert!(placeholder.matches(&path).is_none());
        let json = format!("{path}x.json");
        let captured = placeholder.matches(&json).unwrap();
        assert_eq!(captured.get("b"), Some("x"));
        assert_eq!(captured.get("splat").map(str::len), Some(path.len() - 4));
    }

    #[test]
    fn refused_patterns() {
        for (pattern, says) in [
            ("about", "not a path from the root"),
            ("https://example.com/*", "names a host"),
            ("/*/x/*", "more than one splat"),
            ("/:a/:a", "twice"),
            ("/:splat", "twice"),
            ("/:a*", "a splat right after a placeholder"),
        ] {
            let err = UrlPattern::parse(pattern).unwrap_err();
            assert!(err.contains(says), "{pattern}: {err}");
        }
    }

    #[test]
    fn substitution_and_encoding() {
        let c = UrlPattern::parse("/old/:name/*")
            .unwrap()
            .matches("/old/caf\u{e9} x/a b/c")
            .unwrap();
        let url = c.substitute("/new/:name/:splat?from=:nope", |name, v| {
            encode_captured(v, name == "splat")
        });
        assert_eq!(url, "/new/caf%C3%A9%20x/a%20b/c?from=:nope");
        assert_eq!(
            encode_captured("a&b=1;c,d+e/f", false),
            "a%26b%3D1%3Bc%2Cd%2Be%2Ff"
        );
        assert_eq!(percent_encode("/a b/%41%zz", ""), "/a%20b/%41%25zz");
        assert_eq!(percent_encode("/a[1]", "[]"), "/a%5B1%5D");
        assert_eq!(percent_encode("/é", ""), "/%C3%A9");
        assert_eq!(percent_decode_lenient("/a%20b%zz%C3%A9"), "/a b%zzé");
    }
}
