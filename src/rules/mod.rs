//! The site's own rules files at its root, `_headers`
//! ([`crate::rules::headers_file`]) and `_redirects` ([`crate::rules::redirects_file`]),
//! read through the site source like any file: a mounted site's are
//! re-read when they change (the file store's change detection), an
//! embedded site's are files of its table. Each version is parsed once per
//! instance, and what is wrong with it goes to the log of the request that
//! parsed it. Neither file is ever served.

pub mod basic_auth;
pub mod cache_defaults;
pub mod headers_file;
pub mod redirects_file;
pub mod url_pattern;

use crate::clock::Clock;
use crate::config::Variables;
use crate::log_lines::LogLines;
use crate::site::FileError;
use crate::site::SiteSource;
use headers_file::HeaderRules;
use redirects_file::RedirectRules;

/// The most lines about one rules file in one request's log.
const MAX_LOGGED_PROBLEMS: usize = 20;

/// Whether `relative` (from a checked path) is one of the rules files,
/// which are never served: compared without case, as a case-insensitive
/// file system (macOS, Windows) would open `_HEADERS` as `_headers`.
pub fn is_rules_file(relative: &str) -> bool {
    relative.eq_ignore_ascii_case(headers_file::FILE_NAME)
        || relative.eq_ignore_ascii_case(redirects_file::FILE_NAME)
}

/// One rules file as last parsed, with the MD5 of the bytes it was parsed
/// from (None: there was no file).
#[derive(Default)]
struct Parsed<T> {
    md5: Option<String>,
    rules: T,
}

/// The parsed `_headers` and `_redirects` of a site.
#[derive(Default)]
pub struct SiteRules {
    headers: Parsed<HeaderRules>,
    redirects: Parsed<RedirectRules>,
}

impl SiteRules {
    /// Brings both files up to date with the site's, at `clock`; the lines
    /// for the log: each refused rule, or a file that could not be read (its
    /// last good rules stay). `Basic-Auth` passwords named by variable are
    /// resolved through `variables` when `_headers` is parsed.
    pub fn refresh(
        &mut self,
        source: &mut dyn SiteSource,
        clock: Clock,
        variables: &Variables,
    ) -> LogLines {
        let mut log_lines = LogLines::default();
        refresh(
            &mut self.headers,
            headers_file::FILE_NAME,
            |text| {
                let (mut rules, mut problems) = HeaderRules::parse(text);
                problems.extend(rules.resolve_variables(&|name| variables.get(name)));
                (rules, problems)
            },
            source,
            clock,
            &mut log_lines,
        );
        refresh(
            &mut self.redirects,
            redirects_file::FILE_NAME,
            RedirectRules::parse,
            source,
            clock,
            &mut log_lines,
        );
        log_lines
    }

    pub fn headers(&self) -> &HeaderRules {
        &self.headers.rules
    }

    pub fn redirects(&self) -> &RedirectRules {
        &self.redirects.rules
    }
}

fn refresh<T: Default>(
    parsed: &mut Parsed<T>,
    name: &str,
    parse: impl Fn(&str) -> (T, Vec<String>),
    source: &mut dyn SiteSource,
    clock: Clock,
    log_lines: &mut LogLines,
) {
    match source.read(name, clock) {
        Ok(snapshot) => {
            let md5 = snapshot.validators.md5_hex();
            if parsed.md5.as_deref() == Some(md5) {
                return;
            }
            let bytes = snapshot.content.clone().unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            let (rules, mut found) = parse(&text);
            // The log of one request stays readable: the first lines, then a count.
            if found.len() > MAX_LOGGED_PROBLEMS {
                let more = found.len() - MAX_LOGGED_PROBLEMS;
                found.truncate(MAX_LOGGED_PROBLEMS);
                found.push(format!(
                    "{name}: {more} more problems (cargo xtask build lists them all)"
                ));
            }
            let place = source.path_of(name);
            // `_headers:12: ...` with the file's full place: `error: /site/_headers:12: ...`.
            log_lines.extend(
                found
                    .drain(..)
                    .map(|line| format!("error: {}", line.replacen(name, &place, 1))),
            );
            *parsed = Parsed {
                md5: Some(md5.to_string()),
                rules,
            };
        }
        Err(FileError::NotFound) => *parsed = Parsed::default(),
        Err(err) => log_lines.push(format!(
            "error: {}: {err}; its last rules stay",
            source.path_of(name)
        )),
    }
}
