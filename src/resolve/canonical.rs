//! Which URL of a page answers 200: one setting for trailing slashes and
//! `.html`, as Cloudflare's static assets have it (`html_handling`), and the
//! list of index files. A page has one canonical URL; its other names
//! redirect there with 308 (query and route prefix kept), so that search
//! engines and caches see one page, not two with the same bytes.
//!
//! | mode | `/about` (about.html) | `/docs` (docs/index.html) |
//! | --- | --- | --- |
//! | `auto-trailing-slash` | 200 with `CLEAN_URLS=on` (then `/about.html` -> `/about`) | -> `/docs/` |
//! | `force-trailing-slash` | -> `/about/`, which serves it | -> `/docs/` |
//! | `drop-trailing-slash` | 200 (`/about/`, `/about.html` -> `/about`) | 200 (`/docs/` -> `/docs`) |
//! | `none` | only `/about.html` | only `/docs/` |
//!
//! Under the modes that drop `.html`, `/docs/index.html` also redirects to
//! the directory's URL. A rewrite's target is looked up the same way but
//! never redirected.

use crate::clock::Clock;
use crate::log_lines::LogLines;
use crate::resolve::site_path::SitePath;
use crate::resolve::{Found, Resolver};
use crate::site::FileError;

/// The setting `HTML_HANDLING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HtmlHandling {
    /// A directory's URL ends in `/` (`/docs` redirects there); a page
    /// keeps its `.html` unless `CLEAN_URLS=on`. The default.
    AutoTrailingSlash,
    /// Every page's URL ends in `/`: `/about/` serves `about.html`.
    ForceTrailingSlash,
    /// No page's URL ends in `/` (but the root's): `/docs` serves
    /// `docs/index.html`.
    DropTrailingSlash,
    /// Every file at its own name only, a directory's index at `dir/`;
    /// nothing redirected.
    None,
}

impl HtmlHandling {
    pub fn parse(value: &str) -> Option<HtmlHandling> {
        Some(match value.to_ascii_lowercase().as_str() {
            "auto-trailing-slash" => HtmlHandling::AutoTrailingSlash,
            "force-trailing-slash" => HtmlHandling::ForceTrailingSlash,
            "drop-trailing-slash" => HtmlHandling::DropTrailingSlash,
            "none" => HtmlHandling::None,
            _ => return None,
        })
    }
}

/// The URL to redirect to: the request's path with `strip` taken off its
/// end and `add` put on, or none when the path as received (percent-encoded)
/// does not end with `strip`.
fn moved(raw: Option<&str>, strip: &str, add: &str) -> Option<Found> {
    let base = raw?.strip_suffix(strip)?;
    Some(Found::Moved(format!("{base}{add}")))
}

impl Resolver {
    /// What `path` names: a file, another URL of it, or nothing. `raw`: the
    /// request's own path (prefix included), when other URLs of a page
    /// redirect to its canonical one (not for a rewrite's target). An error
    /// that is not "nothing there" comes back with the file's path.
    pub(super) fn find(
        &mut self,
        path: &SitePath,
        raw: Option<&str>,
        clock: Clock,
    ) -> Result<Found, (String, FileError)> {
        let mode = self.settings.html_handling;
        let raw = raw.filter(|_| mode != HtmlHandling::None);
        let clean = match mode {
            HtmlHandling::AutoTrailingSlash => self.settings.clean_urls,
            HtmlHandling::None => false,
            _ => true,
        };
        let drop = mode == HtmlHandling::DropTrailingSlash;
        if path.is_directory() {
            let index = self.index(path, clock)?;
            if let Found::File(..) = index {
                return match drop && !path.is_root() {
                    true => Ok(moved(raw, "/", "").unwrap_or(index)),
                    false => Ok(index),
                };
            }
            if clean && !path.is_root() {
                let page = self.look_up(&format!("{}.html", path.relative()), clock)?;
                if let Found::File(..) = page {
                    return match mode {
                        HtmlHandling::ForceTrailingSlash => Ok(page),
                        _ => Ok(moved(raw, "/", "").unwrap_or(page)),
                    };
                }
            }
            return Ok(index);
        }
        match self.look_up(path.relative(), clock)? {
            found @ Found::File(..) if clean && raw.is_some() => {
                self.canonical_of_file(path, raw, found, clock)
            }
            Found::Directory if mode == HtmlHandling::None => {
                Ok(Found::Missing(LogLines::default()))
            }
            Found::Directory if drop => {
                let directory = SitePath::parse(&format!("/{}/", path.relative()))
                    .expect("a checked path with a slash is a checked path");
                match self.index(&directory, clock)? {
                    found @ Found::File(..) => Ok(found),
                    _ => Ok(Found::Missing(LogLines::default())),
                }
            }
            Found::Directory => Ok(moved(raw, "", "/").unwrap_or(Found::Directory)),
            Found::Missing(lines) if clean && !path.has_extension() => {
                // `/about` and `about.html`.
                match self.look_up(&format!("{}.html", path.relative()), clock)? {
                    found @ Found::File(..) => match mode {
                        HtmlHandling::ForceTrailingSlash => {
                            Ok(moved(raw, "", "/").unwrap_or(found))
                        }
                        _ => Ok(found),
                    },
                    _ => Ok(Found::Missing(lines)),
                }
            }
            found => Ok(found),
        }
    }

    /// The file at `path` (`found`), or its canonical URL when that is
    /// another: `/docs/index.html` the directory's, `/about.html` the page's
    /// without `.html`, when those URLs serve this very file.
    fn canonical_of_file(
        &mut self,
        path: &SitePath,
        raw: Option<&str>,
        found: Found,
        clock: Clock,
    ) -> Result<Found, (String, FileError)> {
        let drop = self.settings.html_handling == HtmlHandling::DropTrailingSlash;
        let name = path.file_name().to_string();
        let relative = path.relative().to_string();
        if self.settings.index_files.contains(&name) {
            let directory = relative.strip_suffix(&name).unwrap_or_default();
            let directory = SitePath::parse(&format!("/{directory}"))
                .expect("the directory of a checked path is a checked path");
            let serves_this = matches!(self.index(&directory, clock)?,
                Found::File(ref served, _) if *served == relative);
            if serves_this {
                let to = match (drop, directory.is_root()) {
                    (true, false) => moved(raw, &format!("/{name}"), ""),
                    _ => moved(raw, &name, ""),
                };
                return Ok(to.unwrap_or(found));
            }
            return Ok(found);
        }
        let Some(stem) = relative.strip_suffix(".html").filter(|s| !s.is_empty()) else {
            return Ok(found);
        };
        // Only when the URL without `.html` serves this file: not when a
        // file or directory of that name is there.
        if !matches!(self.look_up(stem, clock)?, Found::Missing(_)) {
            return Ok(found);
        }
        let add = match self.settings.html_handling {
            HtmlHandling::ForceTrailingSlash => "/",
            _ => "",
        };
        Ok(moved(raw, ".html", add).unwrap_or(found))
    }

    /// The index file of the directory `path` (with its slash): the first of
    /// `INDEX_FILES` that is there; else what the first one's look-up found
    /// (a directory of that name is an error of the site, for the log).
    fn index(&mut self, path: &SitePath, clock: Clock) -> Result<Found, (String, FileError)> {
        let mut first = None;
        for name in self.settings.index_files.clone() {
            let relative = path.child(&name);
            let found = match self.look_up(&relative, clock)? {
                found @ Found::File(..) => return Ok(found),
                Found::Directory => Found::Missing(LogLines::of(
                    self.error_line(&relative, &FileError::Directory),
                )),
                found => found,
            };
            first.get_or_insert(found);
        }
        Ok(first.unwrap_or(Found::Missing(LogLines::default())))
    }
}
