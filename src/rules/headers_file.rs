//! `_headers` at the site root: header fields by URL pattern, in the format
//! Cloudflare Pages documents (developers.cloudflare.com/pages/configuration/
//! headers/), which Netlify's `_headers` shares:
//!
//! ```text
//! # a comment
//! /*
//!   X-Content-Type-Options: nosniff
//! /assets/*
//!   Cache-Control: public, max-age=31536000, immutable
//! /embed/*
//!   ! X-Frame-Options
//! ```
//!
//! A pattern line (see [`crate::rules::url_pattern`]) starts a rule; the indented
//! `Name: value` lines under it are its fields, and `! Name` detaches a
//! field that another matching rule sets. Every rule whose pattern matches
//! the request's path applies, in the file's order; a name that several
//! rules set gets their values as one list (`, `), as Cloudflare joins them
//! (Set-Cookie: one line each). `:name` and `:splat` in a value are what the
//! pattern matched.
//!
//! `Basic-Auth: user:password [...]` protects the paths of its rule
//! ([`crate::rules::basic_auth`]); the line is never sent, and of two
//! matching rules that protect a path the more specific one decides.
//! `Access-Control-Allow-Origin` may name several origins separated by
//! spaces: an allowed request's `Origin` is answered with exactly that
//! origin and `Vary: Origin`, any other with no such field. A field that
//! holds one value ([`SINGLE_VALUED`]) is never joined from two rules: the
//! more specific rule's value is sent.
//!
//! Refused, each with a message naming the file and the line, never applied
//! in part: a field the component owns ([`OWNED_FIELDS`]: validators,
//! framing, the coding, Date, Allow, and Location, which `_redirects` sets),
//! a field line before any pattern, a name or value that is not a valid
//! field, a bad pattern. Cloudflare's limits apply: 100 rules, 2,000
//! characters a line.

use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::rules::basic_auth::{self, Credentials};
use crate::rules::url_pattern::{Captures, UrlPattern, encode_captured};

/// The file's name at the site root; it is never served.
pub const FILE_NAME: &str = "_headers";

/// The most rules a `_headers` file may have (Cloudflare Pages' limit).
pub const MAX_RULES: usize = 100;
/// The longest line, in characters (Cloudflare Pages' limit).
pub const MAX_LINE_CHARS: usize = 2_000;

/// Fields only the component sets, and why: a rule that sets one is refused.
pub const OWNED_FIELDS: &[(&str, &str)] = &[
    (
        "etag",
        "the component's validator of the bytes sent (RFC 9110 section 8.8.3)",
    ),
    (
        "last-modified",
        "the component's validator (RFC 9110 section 8.8.2)",
    ),
    (
        "content-length",
        "the framing of the bytes sent (RFC 9110 section 8.6)",
    ),
    (
        "content-range",
        "the framing of a 206 (RFC 9110 section 14.4)",
    ),
    (
        "content-encoding",
        "the coding of the bytes sent, chosen per request (RFC 9110 section 8.4)",
    ),
    ("date", "set per response (RFC 9110 section 6.6.1)"),
    (
        "allow",
        "the methods the component answers (RFC 9110 section 10.2.1)",
    ),
    (
        "accept-ranges",
        "the component's range support (RFC 9110 section 14.3)",
    ),
    ("location", "set by `_redirects`"),
    (
        "transfer-encoding",
        "connection framing, the runtime's (RFC 9112 section 6.1)",
    ),
    (
        "connection",
        "connection-specific, the runtime's (RFC 9110 section 7.6.1)",
    ),
    (
        "keep-alive",
        "connection-specific, the runtime's (RFC 9110 section 7.6.1)",
    ),
    (
        "upgrade",
        "connection-specific, the runtime's (RFC 9110 section 7.8)",
    ),
    (
        "trailer",
        "connection framing, the runtime's (RFC 9110 section 6.6.2)",
    ),
    (
        "te",
        "connection-specific, the runtime's (RFC 9110 section 10.1.4)",
    ),
    (
        "proxy-connection",
        "connection-specific; WASI HTTP refuses it",
    ),
    ("proxy-authenticate", "a proxy's; WASI HTTP refuses it"),
    ("proxy-authorization", "a proxy's; WASI HTTP refuses it"),
    (
        "http2-settings",
        "connection-specific; WASI HTTP refuses it",
    ),
    (
        "host",
        "a request field; WASI HTTP refuses it in a response",
    ),
];

/// Fields that hold one value, not a list (RFC 9110 section 5.3): of two
/// matching rules that set one, the more specific rule's value is sent
/// (`UrlPattern::specificity`; of two alike, the later rule's), never both
/// joined, which browsers refuse (`*, https://app.example`).
pub const SINGLE_VALUED: &[&str] = &[
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-max-age",
    "content-disposition",
    "content-type",
    "expires",
    "retry-after",
    "strict-transport-security",
    "x-content-type-options",
    "x-frame-options",
];

/// One field line of a rule.
#[derive(Debug, Clone)]
enum FieldLine {
    Set(HeaderName, String),
    Detach(HeaderName),
    /// `Basic-Auth`: the credentials the rule's paths require; never sent.
    BasicAuth(Credentials),
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: UrlPattern,
    fields: Vec<FieldLine>,
}

impl Rule {
    fn detaches(&self, name: &HeaderName) -> bool {
        self.fields
            .iter()
            .any(|f| matches!(f, FieldLine::Detach(n) if n == name))
    }

    fn credentials(&self) -> Option<&Credentials> {
        self.fields.iter().find_map(|field| match field {
            FieldLine::BasicAuth(credentials) => Some(credentials),
            _ => None,
        })
    }

    /// The value this rule sets for `name`, if any (the first).
    fn value_of(&self, name: &HeaderName) -> Option<&str> {
        self.fields.iter().find_map(|field| match field {
            FieldLine::Set(n, value) if n == name => Some(value.as_str()),
            _ => None,
        })
    }
}

/// The rules of a `_headers` file.
#[derive(Debug, Clone, Default)]
pub struct HeaderRules {
    rules: Vec<Rule>,
    /// Rules refused for the limit alone, reported in one line.
    over_limit: usize,
}

/// A rule being read, with where it started and whether it is refused.
struct Reading {
    line: usize,
    pattern: Result<UrlPattern, String>,
    fields: Vec<FieldLine>,
    refusal: Option<(usize, String)>,
    /// A line names Basic-Auth (or a near miss of it): the rule protects, so
    /// refused it fails closed, never open.
    protects: bool,
}

impl Reading {
    fn new(line: usize, pattern: Result<UrlPattern, String>) -> Reading {
        Reading {
            line,
            pattern,
            fields: Vec::new(),
            refusal: None,
            protects: false,
        }
    }
}

/// Whether `line` (trimmed) is a field line of `Basic-Auth` or of a near
/// miss of its name (`Basic_Auth`, `BasicAuth`, `basic auth`, any case):
/// each protects, and none is ever sent as a field.
fn names_basic_auth(line: &str) -> bool {
    let name = line
        .trim_start_matches('!')
        .split(':')
        .next()
        .unwrap_or_default();
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '\t'))
        .collect();
    folded.eq_ignore_ascii_case("basicauth")
}

impl HeaderRules {
    /// The rules of `text`, and one message for each refused rule or line,
    /// naming the file and the line (`_headers:12: ...`).
    pub fn parse(text: &str) -> (HeaderRules, Vec<String>) {
        let mut rules = HeaderRules::default();
        let mut problems = Vec::new();
        let mut current: Option<Reading> = None;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let protects = names_basic_auth(trimmed);
            if raw.chars().count() > MAX_LINE_CHARS {
                let why = format!("longer than {MAX_LINE_CHARS} characters");
                match current.as_mut() {
                    Some(reading) if raw.starts_with(char::is_whitespace) || protects => {
                        reading.refusal.get_or_insert((number, why));
                        reading.protects |= protects;
                    }
                    _ => {
                        rules.end_rule(current.take(), &mut problems);
                        current = Some(Reading::new(number, Err(why)));
                    }
                }
                continue;
            }
            // A Basic-Auth line that is not indented is still the rule's
            // above it, never a pattern (whose message would quote it).
            if !raw.starts_with(char::is_whitespace) && !protects {
                rules.end_rule(current.take(), &mut problems);
                current = Some(Reading::new(number, UrlPattern::parse(trimmed)));
                continue;
            }
            let reading = match current.as_mut() {
                Some(reading) => reading,
                None if protects => {
                    // Protection with no pattern: everything, closed.
                    let why = "a Basic-Auth line before any URL pattern".to_string();
                    let mut everything = Reading::new(number, UrlPattern::parse("/*"));
                    everything.refusal = Some((number, why));
                    current.insert(everything)
                }
                None => {
                    problems.push(format!(
                        "{FILE_NAME}:{number}: a field line before any URL pattern; ignored"
                    ));
                    continue;
                }
            };
            reading.protects |= protects;
            let twice = |field: &FieldLine| {
                matches!(field, FieldLine::BasicAuth(_))
                    && reading
                        .fields
                        .iter()
                        .any(|f| matches!(f, FieldLine::BasicAuth(_)))
            };
            match field_line(trimmed) {
                Ok(field) if twice(&field) => {
                    let why = "Basic-Auth twice in one rule: give every user on one line";
                    reading.refusal.get_or_insert((number, why.to_string()));
                }
                Ok(field) => reading.fields.push(field),
                Err(why) => {
                    reading.refusal.get_or_insert((number, why));
                }
            }
        }
        rules.end_rule(current, &mut problems);
        if rules.over_limit > 1 {
            problems.push(format!(
                "{FILE_NAME}: {} more rules after it refused for the limit",
                rules.over_limit - 1
            ));
        }
        (rules, problems)
    }

    fn end_rule(&mut self, reading: Option<Reading>, problems: &mut Vec<String>) {
        let Some(mut reading) = reading else { return };
        let line = reading.line;
        if reading.protects
            && (reading.pattern.is_err()
                || reading.refusal.is_some()
                || self.rules.len() >= MAX_RULES)
        {
            // Fails closed: a protected rule that is refused, or past the
            // limit, still protects its paths (every path when its pattern
            // is refused), and lets nobody in until it is fixed.
            let pattern = reading.pattern.clone().or_else(|_| UrlPattern::parse("/*"));
            let why = match (&reading.pattern, reading.refusal.take()) {
                (Err(why), _) => why.clone(),
                (Ok(_), Some((_, why))) => why,
                (Ok(_), None) => format!("more than {MAX_RULES} rules (Cloudflare Pages' limit)"),
            };
            problems.push(format!(
                "{FILE_NAME}:{line}: {why}; the rule is refused, and as it has Basic-Auth its \
                 paths answer 401 to everyone until it is fixed"
            ));
            if let Ok(pattern) = pattern {
                self.rules.push(Rule {
                    pattern,
                    fields: vec![FieldLine::BasicAuth(Credentials::nobody())],
                });
            }
            return;
        }
        let refused = |at: usize, why: &str| {
            let rule = match at == line {
                true => "the rule".to_string(),
                false => format!("the rule of line {line}"),
            };
            format!("{FILE_NAME}:{at}: {why}; {rule} is refused")
        };
        match (reading.pattern, reading.refusal) {
            (Err(why), _) => problems.push(refused(line, &why)),
            (Ok(_), Some((at, why))) => problems.push(refused(at, &why)),
            (Ok(_), None) if self.rules.len() >= MAX_RULES => {
                self.over_limit += 1;
                if self.over_limit == 1 {
                    problems.push(refused(
                        line,
                        &format!("more than {MAX_RULES} rules (Cloudflare Pages' limit)"),
                    ));
                }
            }
            (Ok(_), None) if reading.fields.is_empty() => problems.push(format!(
                "{FILE_NAME}:{line}: a URL pattern without field lines; ignored"
            )),
            (Ok(pattern), None) => {
                let rule = Rule {
                    pattern,
                    fields: reading.fields,
                };
                let shared = rule
                    .value_of(&header::CACHE_CONTROL)
                    .is_some_and(|value| crate::decision::private_cache_control(value).1);
                if rule.credentials().is_some() && shared {
                    problems.push(format!(
                        "{FILE_NAME}:{line}: `public` and `s-maxage` are dropped from the \
                         Cache-Control of a protected path, which is `private` (RFC 9111 section 3.5)"
                    ));
                }
                self.rules.push(rule);
            }
        }
    }

    /// Resolves the `Basic-Auth` passwords named by variable
    /// ([`Credentials::resolve_variables`]); what is wrong, for the log.
    pub fn resolve_variables(&mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        let mut problems = Vec::new();
        for field in self.rules.iter_mut().flat_map(|rule| &mut rule.fields) {
            if let FieldLine::BasicAuth(credentials) = field {
                let found = credentials.resolve_variables(lookup);
                problems.extend(found.into_iter().map(|why| format!("{FILE_NAME}: {why}")));
            }
        }
        problems
    }

    /// Whether any rule has `Basic-Auth`: a site without one pays nothing
    /// for protection per request.
    pub fn protects(&self) -> bool {
        self.rules.iter().any(|rule| rule.credentials().is_some())
    }

    /// The credentials of every `Basic-Auth` rule that matches one of
    /// `names` (the names a request's path can be served under, decoded,
    /// from `/`): a request must be admitted by each. None: not protected.
    pub fn credentials_for(&self, names: &[String]) -> Vec<&Credentials> {
        self.rules
            .iter()
            .filter(|rule| {
                names
                    .iter()
                    .any(|name| rule.pattern.matches(name).is_some())
            })
            .filter_map(Rule::credentials)
            .collect()
    }

    /// The fields the rules give `path` (decoded, from `/`) for a request
    /// from `origin` (its `Origin` field), each name once, in the order
    /// first set.
    pub fn fields_for(&self, path: &str, origin: Option<&HeaderValue>) -> HeaderMap {
        let matching: Vec<(&Rule, Captures)> = self
            .rules
            .iter()
            .filter_map(|rule| Some((rule, rule.pattern.matches(path)?)))
            .collect();
        // Each name's values, and the specificity of the rule whose value a
        // single-valued field keeps.
        let mut values: Vec<Values> = Vec::new();
        for (rule, captures) in &matching {
            for field in &rule.fields {
                let FieldLine::Set(name, template) = field else {
                    continue;
                };
                // `! Name` in another matching rule detaches this value.
                let detached = matching
                    .iter()
                    .any(|(other, _)| !std::ptr::eq(*other, *rule) && other.detaches(name));
                if detached {
                    continue;
                }
                let value =
                    captures.substitute(template, |name, v| encode_captured(v, name == "splat"));
                let specificity = rule.pattern.specificity();
                let single = SINGLE_VALUED.contains(&name.as_str());
                match values.iter_mut().find(|(n, ..)| n == name) {
                    Some((_, list, at)) if single => {
                        if specificity >= *at {
                            *at = specificity;
                            *list = vec![value];
                        }
                    }
                    Some((_, list, _)) => list.push(value),
                    None => values.push((name.clone(), vec![value], specificity)),
                }
            }
        }
        allowed_origin(&mut values, origin);
        let mut fields = HeaderMap::new();
        for (name, list, _) in values {
            let lines = match name == header::SET_COOKIE {
                true => list,
                false => vec![list.join(", ")],
            };
            for line in lines {
                if let Ok(value) = HeaderValue::try_from(line) {
                    fields.append(name.clone(), value);
                }
            }
        }
        fields
    }
}

/// A field's values from the matching rules, with the specificity of the
/// rule whose value a single-valued field keeps (unused for lists).
type Values = (HeaderName, Vec<String>, (bool, usize));

/// An `Access-Control-Allow-Origin` that lists several origins: the
/// request's `Origin` when it is one of them, else no such field; and
/// `Vary: Origin` either way, as the answer depends on it (Fetch standard,
/// "CORS protocol and HTTP caches").
fn allowed_origin(values: &mut Vec<Values>, origin: Option<&HeaderValue>) {
    let allow = header::ACCESS_CONTROL_ALLOW_ORIGIN;
    let Some(at) = values.iter().position(|(name, list, _)| {
        *name == allow
            && list
                .first()
                .is_some_and(|v| v.contains(char::is_whitespace))
    }) else {
        return;
    };
    let listed = values[at].1[0].clone();
    let origin = origin.and_then(|o| o.to_str().ok());
    match origin.filter(|o| listed.split_whitespace().any(|allowed| allowed == *o)) {
        Some(origin) => values[at].1 = vec![origin.to_string()],
        None => {
            values.remove(at);
        }
    }
    match values.iter_mut().find(|(name, ..)| *name == header::VARY) {
        Some((_, list, _)) => list.push("Origin".to_string()),
        None => values.push((header::VARY, vec!["Origin".to_string()], (false, 0))),
    }
}

/// An `Access-Control-Allow-Origin` value: one value goes out as written,
/// as before allow-lists (`*`, `null`, an origin of any scheme:
/// `capacitor://localhost`), but no placeholder, which would echo whatever
/// origin a request's path names. A list (origins separated by spaces)
/// holds only origins, `scheme://host[:port]`, with no path and no `null`.
fn check_allowed_origins(value: &str) -> Result<(), String> {
    let placeholder = value
        .match_indices(':')
        .any(|(at, _)| value[at + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'));
    if placeholder {
        return Err(
            "Access-Control-Allow-Origin: a placeholder would echo any origin; name the origins"
                .to_string(),
        );
    }
    if !value.contains(char::is_whitespace) {
        return Ok(());
    }
    for origin in value.split_whitespace() {
        let (scheme, host) = origin.split_once("://").unwrap_or(("", ""));
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
        let host_ok = !host.is_empty() && !host.contains(['/', ',', '?', '#', '*']);
        if !scheme_ok || !host_ok {
            return Err(format!(
                "Access-Control-Allow-Origin: {origin:?} in a list is not an origin \
                 (scheme://host[:port], no path)"
            ));
        }
    }
    Ok(())
}

/// One indented line: `Name: value`, `! Name` or `Basic-Auth: ...`.
fn field_line(line: &str) -> Result<FieldLine, String> {
    if let Some(name) = line.strip_prefix('!') {
        if names_basic_auth(name.trim()) {
            return Err("Basic-Auth cannot be detached: narrow the pattern that sets it".into());
        }
        return Ok(FieldLine::Detach(field_name(name.trim())?));
    }
    if names_basic_auth(line) {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let name = name.trim();
        if !name.eq_ignore_ascii_case(basic_auth::FIELD_NAME) {
            return Err(format!(
                "{name:?} is not Basic-Auth: write `Basic-Auth: user:password`"
            ));
        }
        return Credentials::parse(value.trim()).map(FieldLine::BasicAuth);
    }
    let (name, value) = line
        .split_once(':')
        .ok_or_else(|| format!("{line:?} is neither `Name: value` nor `! Name`"))?;
    let name = field_name(name.trim())?;
    let value = value.trim();
    if name == header::ACCESS_CONTROL_ALLOW_ORIGIN {
        check_allowed_origins(value)?;
    }
    if HeaderValue::try_from(value).is_err() || value.is_empty() {
        return Err(format!(
            "the value of {name} is empty or not a field value (RFC 9110 section 5.5)"
        ));
    }
    Ok(FieldLine::Set(name, value.to_string()))
}

fn field_name(name: &str) -> Result<HeaderName, String> {
    let parsed = HeaderName::try_from(name)
        .map_err(|_| format!("{name:?} is not a field name (RFC 9110 section 5.1)"))?;
    match OWNED_FIELDS
        .iter()
        .find(|(owned, _)| *owned == parsed.as_str())
    {
        Some((_, why)) => Err(format!("{name} cannot be set: {why}")),
        None => Ok(parsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str, path: &str) -> Vec<(String, String)> {
        let (rules, problems) = HeaderRules::parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        rules
            .fields_for(path, None)
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    const SITE: &str = "# security headers everywhere\n\
        /*\n\
        \x20 X-Content-Type-Options: nosniff\n\
        \x20 X-Frame-Options: DENY\n\
        \x20 Vary: Origin\n\
        \n\
        /assets/*\n\
        \x20 Cache-Control: public, max-age=31536000, immutable\n\
        \x20 Vary: Accept\n\
        /embed/*\n\
        \x20 ! X-Frame-Options\n\
        \x20 Content-Security-Policy: frame-ancestors https://:splat\n\
        /users/:id\n\
        \x20 X-User: :id\n\
        \x20 Set-Cookie: a=1; who=:id\n\
        /users/*\n\
        \x20 Set-Cookie: b=2\n";

    #[test]
    fn every_matching_rule_applies_in_order() {
        assert_eq!(
            fields(SITE, "/index.html"),
            pairs(&[
                ("x-content-type-options", "nosniff"),
                ("x-frame-options", "DENY"),
                ("vary", "Origin"),
            ])
        );
        assert_eq!(
            fields(SITE, "/assets/app.js"),
            pairs(&[
                ("x-content-type-options", "nosniff"),
                ("x-frame-options", "DENY"),
                ("vary", "Origin, Accept"),
                ("cache-control", "public, max-age=31536000, immutable"),
            ])
        );
    }

    #[test]
    fn detach_placeholders_and_set_cookie() {
        assert_eq!(
            fields(SITE, "/embed/example.com"),
            pairs(&[
                ("x-content-type-options", "nosniff"),
                ("vary", "Origin"),
                (
                    "content-security-policy",
                    "frame-ancestors https://example.com"
                ),
            ])
        );
        let user = fields(SITE, "/users/42");
        assert!(user.contains(&("x-user".into(), "42".into())), "{user:?}");
        let cookies: Vec<_> = user.iter().filter(|(n, _)| n == "set-cookie").collect();
        assert_eq!(cookies.len(), 2, "one line each: {user:?}");
        // What a placeholder captured stays data: no attribute added.
        let injected = fields(SITE, "/users/x; Domain=evil");
        assert!(
            injected.contains(&("set-cookie".into(), "a=1; who=x%3B%20Domain%3Devil".into())),
            "{injected:?}"
        );
        // A byte order mark at the start is not part of the first line.
        assert_eq!(
            fields("\u{feff}/a\n  X-A: 1\n", "/a"),
            pairs(&[("x-a", "1")])
        );
    }

    #[test]
    fn refusals_name_the_file_and_line() {
        let long = format!("/long\n  X-Long: {}\n", "a".repeat(MAX_LINE_CHARS));
        for (text, says) in [
            ("/*\n  ETag: \"x\"\n", "_headers:2: ETag cannot be set"),
            (
                "/*\n  X-A: 1\n  Content-Length: 5\n",
                "_headers:3: Content-Length cannot be set: the framing of the bytes sent (RFC 9110 section 8.6); the rule of line 1 is refused",
            ),
            ("/*\n  Date: x\n", "_headers:2: Date cannot be set"),
            ("/*\n  Allow: GET\n", "_headers:2: Allow cannot be set"),
            (
                "/*\n  Last-Modified: x\n",
                "_headers:2: Last-Modified cannot be set",
            ),
            (
                "/*\n  Content-Range: x\n",
                "_headers:2: Content-Range cannot be set",
            ),
            (
                "/*\n  Content-Encoding: br\n",
                "_headers:2: Content-Encoding cannot be set",
            ),
            (
                "/*\n  Location: /x\n",
                "_headers:2: Location cannot be set: set by `_redirects`",
            ),
            (
                "  X-A: 1\n",
                "_headers:1: a field line before any URL pattern",
            ),
            (
                "/*\n  Bad Name: 1\n",
                "_headers:2: \"Bad Name\" is not a field name",
            ),
            ("/*\n  X-A:\n", "_headers:2: the value of x-a is empty"),
            ("/*\n  nonsense\n", "neither `Name: value` nor `! Name`"),
            (
                "assets/*\n  X-A: 1\n",
                "_headers:1: \"assets/*\" is not a path from the root",
            ),
            ("https://x.dev/*\n  X-A: 1\n", "names a host"),
            (long.as_str(), "_headers:2: longer than 2000 characters"),
            (
                "/*\n  Accept-Ranges: none\n",
                "_headers:2: Accept-Ranges cannot be set",
            ),
            (
                "/*\n  Transfer-Encoding: chunked\n",
                "_headers:2: Transfer-Encoding cannot be set",
            ),
            (
                "/*\n  Connection: close\n",
                "_headers:2: Connection cannot be set",
            ),
            (
                "/*\n  Keep-Alive: timeout=5\n",
                "_headers:2: Keep-Alive cannot be set",
            ),
            ("/*\n  Upgrade: h2c\n", "_headers:2: Upgrade cannot be set"),
            ("/*\n  Trailer: x\n", "_headers:2: Trailer cannot be set"),
            ("/*\n  TE: trailers\n", "_headers:2: TE cannot be set"),
            (
                "/*\n  Proxy-Connection: x\n",
                "_headers:2: Proxy-Connection cannot be set",
            ),
            (
                "/*\n  Proxy-Authenticate: x\n",
                "_headers:2: Proxy-Authenticate cannot be set",
            ),
            (
                "/*\n  Proxy-Authorization: x\n",
                "_headers:2: Proxy-Authorization cannot be set",
            ),
            (
                "/*\n  HTTP2-Settings: x\n",
                "_headers:2: HTTP2-Settings cannot be set",
            ),
            ("/*\n  Host: x\n", "_headers:2: Host cannot be set"),
            ("/*\n  ! ETag\n", "_headers:2: ETag cannot be set"),
            (
                "/*/x/*\n  X-A: 1\n",
                "_headers:1: \"/*/x/*\" has more than one splat",
            ),
            (
                "/x\n# only a comment\n",
                "_headers:1: a URL pattern without field lines; ignored",
            ),
        ] {
            let (rules, problems) = HeaderRules::parse(text);
            assert_eq!(problems.len(), 1, "{text:?}: {problems:?}");
            assert!(problems[0].contains(says), "{text:?}: {}", problems[0]);
            assert!(
                rules.fields_for("/long", None).is_empty()
                    && rules.fields_for("/x", None).is_empty(),
                "never applied in part: {text:?}"
            );
        }
    }

    fn basic(pair: &str) -> Vec<u8> {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        format!("Basic {encoded}").into_bytes()
    }

    /// Netlify's `Basic-Auth` line protects its rule's paths, is never sent
    /// as a field, and a path that several protected rules match needs
    /// credentials that each admits.
    #[test]
    fn basic_auth_protects_and_is_never_a_field() {
        let text = "/*\n  X-A: 1\n/private/*\n  Basic-Auth: admin:secret123 ann:pw\n  X-B: 2\n\
                    /private/admin/*\n  Basic-Auth: root:toor admin:secret123\n";
        let (rules, problems) = HeaderRules::parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let fields = rules.fields_for("/private/page.html", None);
        assert_eq!(fields.len(), 2, "{fields:?}");
        assert!(!fields.contains_key("basic-auth"));
        let sets = |path: &str| rules.credentials_for(&[path.to_string()]);
        let admits =
            |path: &str, pair: &str| sets(path).iter().all(|c| c.admit(Some(&basic(pair))));
        assert!(sets("/public.html").is_empty());
        assert!(admits("/private/page.html", "admin:secret123"));
        assert!(admits("/private/page.html", "ann:pw"));
        assert_eq!(sets("/private/admin/x").len(), 2);
        assert!(
            admits("/private/admin/x", "admin:secret123"),
            "in both rules"
        );
        assert!(
            !admits("/private/admin/x", "ann:pw"),
            "not in the inner rule"
        );
        assert!(
            !admits("/private/admin/x", "root:toor"),
            "not in the outer rule"
        );
    }

    /// A protected rule that is refused fails closed: its paths (every
    /// path, when its pattern is refused) admit nobody. Near misses of the
    /// name protect, and are never sent as fields.
    #[test]
    fn a_refused_protected_rule_fails_closed() {
        #[rustfmt::skip]
        let table = [
            ("/p/*\n  Basic-Auth: alice:correct horse\n", "/p/x"),
            ("/p/*\n  Basic-Auth: admin:\n", "/p/x"),
            ("/p/*\n  X-A: 1\n  Basic-Auth: a:b\n  Bad Name: 1\n", "/p/x"),
            ("/p/*\n  Basic_Auth: admin:pw\n", "/p/x"),
            ("/p/*\nBasic-Auth: admin:nocolon-is-fine\n  ETag: x\n", "/p/x"),
            ("  Basic-Auth: admin:pw\n", "/anything"),
            ("bad pattern\n  Basic-Auth: admin:pw\n", "/anything"),
        ];
        for (text, path) in table {
            let (rules, problems) = HeaderRules::parse(text);
            let sets = rules.credentials_for(&[path.to_string()]);
            assert!(!sets.is_empty(), "{text}: not protected");
            assert!(
                !sets.iter().any(|c| c.admit(Some(&basic("admin:pw")))),
                "{text}"
            );
            assert!(rules.fields_for(path, None).is_empty(), "{text}");
            assert!(
                !problems
                    .iter()
                    .any(|p| p.contains("admin:pw") || p.contains("horse")),
                "{problems:?}"
            );
        }
        // Not indented, but under a pattern: still the rule's, and it works.
        let (rules, problems) = HeaderRules::parse("/p/*\nBasic-Auth: admin:pw\n");
        assert!(
            !problems.iter().any(|p| p.contains("admin:pw")),
            "{problems:?}"
        );
        let sets = rules.credentials_for(&["/p/x".to_string()]);
        assert!(sets.iter().all(|c| c.admit(Some(&basic("admin:pw")))) && !sets.is_empty());
    }

    #[test]
    fn basic_auth_refusals_and_messages_quote_no_secret() {
        #[rustfmt::skip]
        let table = [
            ("/p\n  Basic-Auth: nocolon\n", "_headers:1: Basic-Auth: credential 1 is not `user:password`; the rule is refused, and as it has Basic-Auth"),
            ("/p\n  Basic-Auth: a:b\n  Basic-Auth: c:d\n", "_headers:1: Basic-Auth twice in one rule"),
            ("/p\n  ! Basic-Auth\n", "_headers:1: Basic-Auth cannot be detached"),
            ("/p\n  Basic-Auth: a:sha256:s:00\n", "_headers:1: Basic-Auth: credential 1 is not `user:sha256:SALT:HEX`"),
            ("/p\n  Basic-Auth: a:hunter2\n  Cache-Control: public, s-maxage=60, max-age=60\n",
             "_headers:1: `public` and `s-maxage` are dropped from the Cache-Control of a protected path"),
        ];
        for (text, says) in table {
            let (_, problems) = HeaderRules::parse(text);
            assert!(
                problems.iter().any(|p| p.starts_with(says)),
                "{text}: {problems:?}"
            );
            assert!(
                !problems
                    .iter()
                    .any(|p| p.contains("hunter2") || p.contains(":s:")),
                "{problems:?}"
            );
        }
    }

    /// An allow-list of origins: the allowed request's `Origin` exactly,
    /// with `Vary: Origin`; another origin gets no such field, and the Vary.
    #[test]
    fn allowed_origins_are_echoed_one_at_a_time() {
        let text = "/api/*\n  Access-Control-Allow-Origin: https://a.example https://b.example:8443\n\
                    \x20 Access-Control-Allow-Methods: GET\n/one/*\n  Access-Control-Allow-Origin: https://a.example\n";
        let (rules, problems) = HeaderRules::parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let from = |origin: &'static str, path: &str| {
            let origin = HeaderValue::from_static(origin);
            let fields = rules.fields_for(path, Some(&origin));
            let get = |name: &str| fields.get(name).map(|v| v.to_str().unwrap().to_string());
            (get("access-control-allow-origin"), get("vary"))
        };
        #[rustfmt::skip]
        let table = [
            ("https://a.example", "/api/x", Some("https://a.example"), Some("Origin")),
            ("https://b.example:8443", "/api/x", Some("https://b.example:8443"), Some("Origin")),
            ("https://c.example", "/api/x", None, Some("Origin")),
            ("https://a.example.evil", "/api/x", None, Some("Origin")),
            ("https://c.example", "/one/x", Some("https://a.example"), None),
        ];
        for (origin, path, allowed, vary) in table {
            let (got, got_vary) = from(origin, path);
            assert_eq!(
                (got.as_deref(), got_vary.as_deref()),
                (allowed, vary),
                "{origin} {path}"
            );
        }
        #[rustfmt::skip]
        let bad = ["https://a.example/path https://b.example", "a.example https://b.example", "null https://b.example", "https://:splat"];
        for bad in bad {
            let (_, problems) =
                HeaderRules::parse(&format!("/x/*\n  Access-Control-Allow-Origin: {bad}\n"));
            assert!(
                problems
                    .iter()
                    .any(|p| p.contains("Access-Control-Allow-Origin: ")),
                "{bad}: {problems:?}"
            );
        }
        // One value goes out as written, as before allow-lists.
        for good in [
            "capacitor://localhost",
            "https://app.example/",
            "null",
            "*",
            "https://a.example:8443",
        ] {
            let (_, problems) =
                HeaderRules::parse(&format!("/x\n  Access-Control-Allow-Origin: {good}\n"));
            assert!(problems.is_empty(), "{good}: {problems:?}");
        }
    }

    /// A single-valued field set by two matching rules is the more specific
    /// rule's value, never both joined; a list field is joined as before.
    #[test]
    fn single_valued_fields_are_never_joined() {
        let text = "/*\n  Access-Control-Allow-Origin: *\n  X-Frame-Options: DENY\n  X-List: a\n\
                    /app/*\n  Access-Control-Allow-Origin: https://app.example\n  X-List: b\n\
                    /app/exact\n  X-Frame-Options: SAMEORIGIN\n/*\n  X-Frame-Options: DENY\n";
        assert_eq!(
            fields(text, "/app/exact"),
            pairs(&[
                ("access-control-allow-origin", "https://app.example"),
                ("x-frame-options", "SAMEORIGIN"),
                ("x-list", "a, b"),
            ])
        );
        assert_eq!(
            fields(text, "/other")[0],
            pairs(&[("access-control-allow-origin", "*")])[0]
        );
    }

    #[test]
    fn more_rules_than_the_limit_are_refused() {
        let text: String = (0..MAX_RULES + 2)
            .map(|i| format!("/p{i}\n  X-N: {i}\n"))
            .collect();
        let (rules, problems) = HeaderRules::parse(&text);
        assert_eq!(problems.len(), 2, "one line, then a count: {problems:?}");
        assert!(
            problems[0].contains("_headers:201: more than 100 rules"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("1 more rules after it refused"),
            "{problems:?}"
        );
        assert_eq!(rules.fields_for("/p99", None)["x-n"], "99");
        assert!(rules.fields_for("/p100", None).is_empty());
    }
}
