//! `_redirects` at the site root: moved pages and rewrites, one rule a
//! line, in the format Cloudflare Pages documents
//! (developers.cloudflare.com/pages/configuration/redirects/), which
//! Netlify's shares:
//!
//! ```text
//! # from            to                  [status]
//! /old-page         /new-page
//! /blog/:year/:slug /posts/:slug        302
//! /docs/*           https://docs.example.com/:splat 308
//! /app/*            /app/index.html     200
//! ```
//!
//! - The status is 301 (the default, as Netlify's and this issue's; Cloudflare's
//!   is 302), 302, 303, 307, 308, or 200: a rewrite, the response of the
//!   target file with that file's own validators, so a 304 works on the
//!   rewritten URL. A rewrite's target is a path of the site.
//! - `*` and `:name` in `from` (see [`crate::rules::url_pattern`]) are `:splat` and
//!   `:name` in `to`. The first rule that matches wins.
//! - The request's query is kept unless `to` has one.
//! - Location is a valid URI reference (RFC 3986): what the pattern captured
//!   and any character a URI cannot hold are percent-encoded.
//! - Limits as Cloudflare Pages states them: 2,000 static and 100 dynamic
//!   rules (with a splat or placeholder), 1,000 characters a line. A rule
//!   beyond them, or not valid, is refused with a message naming the file
//!   and the line.

use http::StatusCode;

use crate::rules::url_pattern::{UrlPattern, encode_captured, percent_encode};

/// The file's name at the site root; it is never served.
pub const FILE_NAME: &str = "_redirects";

/// The most rules without a splat or placeholder (Cloudflare Pages' limit).
pub const MAX_STATIC_RULES: usize = 2_000;
/// The most rules with one (Cloudflare Pages' limit).
pub const MAX_DYNAMIC_RULES: usize = 100;
/// The longest line, in characters (Cloudflare Pages' limit).
pub const MAX_LINE_CHARS: usize = 1_000;

#[derive(Debug, Clone)]
struct Rule {
    from: UrlPattern,
    to: String,
    status: StatusCode,
}

/// The rules of a `_redirects` file.
#[derive(Debug, Clone, Default)]
pub struct RedirectRules {
    rules: Vec<Rule>,
}

/// What a rule makes of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirection {
    /// A redirect with this status to this Location (a URI reference).
    Redirect {
        status: StatusCode,
        location: String,
    },
    /// A rewrite: answer with the file at this path (percent-encoded, from
    /// `/`).
    Rewrite { path: String },
}

impl RedirectRules {
    /// The rules of `text`, and one message for each refused line, naming
    /// the file and the line (`_redirects:3: ...`).
    pub fn parse(text: &str) -> (RedirectRules, Vec<String>) {
        let mut rules = RedirectRules::default();
        let mut problems = Vec::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (mut statics, mut dynamics) = (0, 0);
        // Rules refused for a limit, past the first of each kind: one count.
        let mut over_limit = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let rule = match parse_rule(line) {
                Ok(rule) => rule,
                Err(why) => {
                    problems.push(format!("{FILE_NAME}:{}: {why}; refused", index + 1));
                    continue;
                }
            };
            let (count, limit, kind) = match rule.from.is_dynamic() {
                true => (&mut dynamics, MAX_DYNAMIC_RULES, "dynamic"),
                false => (&mut statics, MAX_STATIC_RULES, "static"),
            };
            if *count > limit {
                over_limit += 1;
                continue;
            }
            *count += 1;
            if *count > limit {
                problems.push(format!(
                    "{FILE_NAME}:{}: more than {limit} {kind} rules (Cloudflare Pages' limit); refused",
                    index + 1
                ));
                continue;
            }
            rules.rules.push(rule);
        }
        if over_limit > 0 {
            problems.push(format!(
                "{FILE_NAME}: {over_limit} more rules past a limit refused"
            ));
        }
        (rules, problems)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What the first matching rule makes of the request for `path`
    /// (decoded, from `/`) with `query` (as received, without `?`).
    pub fn find(&self, path: &str, query: Option<&str>) -> Option<Redirection> {
        self.matching(path, query).next()
    }

    /// What each matching rule makes of the request, in the file's order:
    /// the resolve step takes the first that applies (a rewrite does not
    /// where a file is at the path).
    pub fn matching<'a>(
        &'a self,
        path: &'a str,
        query: Option<&'a str>,
    ) -> impl Iterator<Item = Redirection> + 'a {
        self.rules.iter().filter_map(move |rule| {
            let captures = rule.from.matches(path)?;
            // Written characters a URI cannot hold are encoded; what the
            // pattern captured is encoded whole, `/` aside.
            let to = captures.substitute(&written_target(&rule.to), |name, value| {
                encode_captured(value, name == "splat")
            });
            if rule.status == StatusCode::OK {
                // The file at the path: a query or fragment names no file.
                let path = to.split(['?', '#']).next().unwrap_or_default();
                return Some(Redirection::Rewrite {
                    path: path.to_string(),
                });
            }
            Some(Redirection::Redirect {
                status: rule.status,
                location: with_query(to, query),
            })
        })
    }
}

/// A rule's target as written, with every character a URI reference cannot
/// hold percent-encoded (RFC 3986): in the path, query and fragment `[` and
/// `]` too, which only an IPv6 host may have.
fn written_target(to: &str) -> String {
    let authority_end = ["https://", "http://"]
        .iter()
        .find_map(|scheme| to.strip_prefix(scheme).map(|rest| (scheme.len(), rest)))
        .map(|(scheme, rest)| scheme + rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    match authority_end {
        Some(end) => format!(
            "{}{}",
            percent_encode(&to[..end], ""),
            percent_encode(&to[end..], "[]")
        ),
        None => percent_encode(to, "[]"),
    }
}

/// `to` with the request's query, unless `to` has a query of its own; a
/// fragment stays last.
fn with_query(to: String, query: Option<&str>) -> String {
    let Some(query) = query.filter(|_| !to.contains('?')) else {
        return to;
    };
    let query = percent_encode(query, "#");
    match to.split_once('#') {
        Some((before, fragment)) => format!("{before}?{query}#{fragment}"),
        None => format!("{to}?{query}"),
    }
}

fn parse_rule(line: &str) -> Result<Rule, String> {
    if line.chars().count() > MAX_LINE_CHARS {
        return Err(format!("longer than {MAX_LINE_CHARS} characters"));
    }
    let parts: Vec<&str> = line.split_whitespace().collect();
    let (from, to, status) = match parts[..] {
        [from, to] => (from, to, "301"),
        [from, to, status] => (from, to, status),
        [_] => return Err("not `from to [status]`: no target".to_string()),
        _ => {
            return Err(format!(
                "not `from to [status]`: {:?} (conditions and options of other hosts are not supported)",
                parts[3..].join(" ")
            ));
        }
    };
    let status = match status {
        "200" => StatusCode::OK,
        "301" => StatusCode::MOVED_PERMANENTLY,
        "302" => StatusCode::FOUND,
        "303" => StatusCode::SEE_OTHER,
        "307" => StatusCode::TEMPORARY_REDIRECT,
        "308" => StatusCode::PERMANENT_REDIRECT,
        other if other.ends_with('!') => {
            return Err(format!(
                "{other:?}: a forced rule (Netlify's `!`) is not needed: a rule applies whether or not a file is there"
            ));
        }
        other => {
            return Err(format!(
                "status {other:?} is not one of 301, 302, 303, 307, 308, or 200 (a rewrite)"
            ));
        }
    };
    let from = UrlPattern::parse(from)?;
    let is_url = to.starts_with("https://") || to.starts_with("http://");
    if status == StatusCode::OK && !to.starts_with('/') {
        return Err(format!(
            "a rewrite (200) goes to a path of the site, not {to:?}"
        ));
    }
    if !is_url && !to.starts_with('/') {
        return Err(format!(
            "{to:?} is neither a path from the root nor an http(s) URL"
        ));
    }
    let to_path = to.split(['?', '#']).next().unwrap_or_default();
    if !from.is_dynamic() && from.matches(to_path).is_some() && !is_url {
        return Err(format!("{to:?} redirects to itself"));
    }
    Ok(Rule {
        from,
        to: to.to_string(),
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "# moved pages\n\
        /old-page /new-page\n\
        /temp /new-page 302\n\
        /see /new-page 303\n\
        /keep /new-page 307\n\
        /perm /new-page 308\n\
        /q /new-page?from=q\n\
        /frag /new-page#top\n\
        /blog/:year/:slug /posts/:slug?y=:year 302\n\
        /docs/* https://docs.example.com/:splat 308\n\
        /app/* /app/index.html 200\n\
        /caf\u{e9} /nouveau-caf\u{e9}\n\
        /search/:q /find?q=:q\n\
        /v6 http://[::1]:8080/a[1]\n\
        /spa/* /spa/index.html?x=1 200\n";

    fn found(path: &str, query: Option<&str>) -> Option<Redirection> {
        let (rules, problems) = RedirectRules::parse(SITE);
        assert!(problems.is_empty(), "{problems:?}");
        rules.find(path, query)
    }

    fn redirect(status: u16, location: &str) -> Option<Redirection> {
        Some(Redirection::Redirect {
            status: StatusCode::from_u16(status).unwrap(),
            location: location.to_string(),
        })
    }

    #[test]
    fn statuses_targets_and_queries() {
        assert_eq!(found("/old-page", None), redirect(301, "/new-page"));
        assert_eq!(
            found("/old-page", Some("a=1&b")),
            redirect(301, "/new-page?a=1&b")
        );
        assert_eq!(found("/temp", None), redirect(302, "/new-page"));
        assert_eq!(found("/see", None), redirect(303, "/new-page"));
        assert_eq!(found("/keep", None), redirect(307, "/new-page"));
        assert_eq!(found("/perm", None), redirect(308, "/new-page"));
        assert_eq!(
            found("/q", Some("a=1")),
            redirect(301, "/new-page?from=q"),
            "the rule's query wins"
        );
        assert_eq!(
            found("/frag", Some("a=1")),
            redirect(301, "/new-page?a=1#top")
        );
        assert_eq!(
            found("/blog/2026/a b", None),
            redirect(302, "/posts/a%20b?y=2026")
        );
        assert_eq!(
            found("/docs/guide/r\u{e9}sum\u{e9}?x", Some("v=2")),
            redirect(
                308,
                "https://docs.example.com/guide/r%C3%A9sum%C3%A9%3Fx?v=2"
            )
        );
        assert_eq!(
            found("/app/settings/profile", None),
            Some(Redirection::Rewrite {
                path: "/app/index.html".into()
            })
        );
        assert_eq!(
            found("/caf\u{e9}", None),
            redirect(301, "/nouveau-caf%C3%A9")
        );
        // What was captured stays data: no parameter added to the query.
        assert_eq!(
            found("/search/a&admin=1", None),
            redirect(301, "/find?q=a%26admin%3D1")
        );
        assert_eq!(found("/search/c++", None), redirect(301, "/find?q=c%2B%2B"));
        assert_eq!(
            found("/v6", None),
            redirect(301, "http://[::1]:8080/a%5B1%5D")
        );
        assert_eq!(
            found("/spa/x", None),
            Some(Redirection::Rewrite {
                path: "/spa/index.html".into()
            })
        );
        assert_eq!(found("/other", None), None);
        assert_eq!(found("/old-page/", None), None, "the path as it is");
    }

    #[test]
    fn refusals_name_the_file_and_line() {
        for (text, says) in [
            ("/a /b 418\n", "_redirects:1: status \"418\" is not one of"),
            ("\n/a /b 301!\n", "_redirects:2: \"301!\": a forced rule"),
            ("/a\n", "_redirects:1: not `from to [status]`: no target"),
            (
                "/a /b 301 Country=nl\n",
                "conditions and options of other hosts are not supported",
            ),
            (
                "/a https://x.dev/ 200\n",
                "a rewrite (200) goes to a path of the site",
            ),
            (
                "/a b\n",
                "\"b\" is neither a path from the root nor an http(s) URL",
            ),
            ("a /b\n", "\"a\" is not a path from the root"),
            ("https://x.dev/a /b\n", "names a host"),
            ("/a /a\n", "\"/a\" redirects to itself"),
            ("/a /a?x=1\n", "\"/a?x=1\" redirects to itself"),
            (
                &format!("/a /{}\n", "b".repeat(MAX_LINE_CHARS)),
                "longer than 1000 characters",
            ),
        ] {
            let (rules, problems) = RedirectRules::parse(text);
            assert_eq!(problems.len(), 1, "{text:?}: {problems:?}");
            assert!(problems[0].contains(says), "{text:?}: {}", problems[0]);
            assert!(problems[0].ends_with("; refused"), "{}", problems[0]);
            assert!(rules.is_empty());
        }
    }

    #[test]
    fn the_limits_of_static_and_dynamic_rules() {
        let mut text: String = (0..MAX_STATIC_RULES + 1)
            .map(|i| format!("/s{i} /t\n"))
            .collect();
        text.extend((0..MAX_DYNAMIC_RULES + 3).map(|i| format!("/d{i}/* /t\n")));
        let (rules, problems) = RedirectRules::parse(&text);
        assert_eq!(
            problems.len(),
            3,
            "one line each, then a count: {problems:?}"
        );
        assert!(
            problems[2].contains("2 more rules past a limit refused"),
            "{problems:?}"
        );
        assert!(problems[0].contains("_redirects:2001: more than 2000 static rules"));
        assert!(problems[1].contains("_redirects:2102: more than 100 dynamic rules"));
        assert!(rules.find("/s1999", None).is_some());
        assert!(rules.find("/s2000", None).is_none());
        assert!(rules.find("/d99/x", None).is_some());
        assert!(rules.find("/d100/x", None).is_none());
    }
}
