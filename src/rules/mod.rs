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

use std::sync::Arc;

use bytes::Bytes;

use crate::clock::Clock;
use crate::config::Variables;
use crate::log_lines::LogLines;
use crate::site::FileError;
use crate::site::{SiteSource, Snapshot};
use headers_file::HeaderRules;
use redirects_file::RedirectRules;

/// The most lines about one rules file in one request's log.
const MAX_LOGGED_PROBLEMS: usize = 20;

/// The largest `_headers` or `_redirects` read, in bytes: Cloudflare Pages
/// takes 100 header rules and 2,100 redirects, far less than this.
const MAX_RULES_FILE_BYTES: u64 = 1 << 20;

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

/// The bytes of the rules file `name`, up to [`MAX_RULES_FILE_BYTES`]
/// whether it is kept or not (rules are small, and held parsed anyway): a
/// file too large to keep is read from the file; a larger one, or one that
/// cannot be read, gives the line for the log.
fn rules_file_bytes(
    source: &mut dyn SiteSource,
    name: &str,
    snapshot: &Arc<Snapshot>,
) -> Result<Bytes, String> {
    let place = source.path_of(name);
    if snapshot.len > MAX_RULES_FILE_BYTES {
        return Err(format!(
            "error: {place}: {} bytes is more than a rules file may have \
             ({MAX_RULES_FILE_BYTES}); its last rules stay",
            snapshot.len
        ));
    }
    if let Some(bytes) = &snapshot.content {
        return Ok(bytes.clone());
    }
    source
        .open(name, snapshot)
        .and_then(|mut file| file.read_at(0, snapshot.len as usize))
        .map_err(|err| format!("error: {place}: {err}; its last rules stay"))
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
            let bytes = match rules_file_bytes(source, name, &snapshot) {
                Ok(bytes) => bytes,
                Err(line) => {
                    log_lines.push(line);
                    return;
                }
            };
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
