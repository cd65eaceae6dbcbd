//! The first step of a request: what the site answers it with. All the I/O
//! of deciding lives here (looking files up, their precompressed variants,
//! the 404 page, the app shell), and none of the HTTP decision: the result,
//! a [`Resolution`], is handed to [`crate::decision::decide`].
//!
//! What a request resolves to, in order:
//! 0. More than one Host field line, or a Host that is a list: 400 (RFC 9112
//!    section 3.2). The asterisk target `*`: OPTIONS on the server as a
//!    whole, and 400 with any other method (RFC 9112 section 3.2.4).
//! 1. A refused path (see [`crate::resolve::site_path`]): 400, or the site's 404;
//!    the site's rules files, `_headers` and `_redirects`, are among them.
//! 2. A redirect of `_redirects` (see [`crate::rules::redirects_file`]): it
//!    applies whether or not a file is at the path, so that a moved page
//!    whose old file is still there moves. A rewrite (200) applies only
//!    where nothing is at the path, so that `/* /index.html 200` keeps the
//!    site's assets; the rewritten path then resolves as step 3.
//! 3. A file: its representation, in the encoding the request accepts among
//!    the file and its proven variants. `/dir/`: `dir/index.html`. `/dir`
//!    when `dir` is a directory: 308 to `/dir/`, query kept. With clean
//!    URLs, `/about` when there is no `about`: `about.html`. OPTIONS on any
//!    of these: Allow; another method than GET and HEAD: 405.
//! 4. Nothing found: `/` without an index answers 500 (the page of a
//!    one-page site is missing; the log says so) and `/favicon.ico` 204, as
//!    the one-page server always did; a path that looks like a page (no
//!    extension), from a request that accepts HTML, gets the app shell
//!    (`FALLBACK_PAGE`); everything else the 404 page (`NOT_FOUND_PAGE`), or
//!    a short text.
//!
//! The fields `_headers` gives the request's path (see
//! [`crate::rules::headers_file`]) go with the resolution, whatever it is; the
//! decision adds them (`crate::decision::decide`).

pub mod canonical;
pub mod route;
pub mod site_path;

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

use crate::access_log::escaped;
use crate::clock::Clock;
use crate::config::Variables;
use crate::decision::negotiation::{Encoding, accepts_html, choose_encoding};
use crate::decision::preconditions::is_get_or_head;
use crate::decision::{Outcome, Representation, is_caching_field, private_cache_control};
use crate::log_lines::LogLines;
use crate::request::RequestHead;
use crate::resolve::canonical::HtmlHandling;
use crate::resolve::route::{Placement, place};
use crate::resolve::site_path::{Refusal, SitePath};
use crate::rules::SiteRules;
use crate::rules::basic_auth::Credentials;
use crate::rules::cache_defaults;
use crate::rules::headers_file::HeaderRules;
use crate::rules::redirects_file::Redirection;
use crate::site::SiteSource;
use crate::site::{FileError, OpenedFile, Snapshot};

/// The icon a one-page site may lack (answered 204 then).
pub const FAVICON_FILE: &str = "favicon.ico";

/// What resolving needs of the configuration.
pub(crate) struct Settings {
    /// Cache-Control of a redirect: the configured one.
    pub cache_control: HeaderValue,
    pub clean_urls: bool,
    pub html_handling: HtmlHandling,
    /// The files a directory serves, the first found; never empty.
    pub index_files: Vec<String>,
    /// The prefix of the site's URLs where no Spin route says one.
    pub base_path: String,
    pub not_found_page: Option<String>,
    pub fallback_page: Option<String>,
    /// What a `Basic-Auth` password named by variable resolves through.
    pub variables: Variables,
}

/// The resolve step of a site: where its files come from (a mounted
/// directory or the table embedded by the build) and the settings.
pub(crate) struct Resolver {
    pub source: Box<dyn SiteSource>,
    pub settings: Settings,
    /// The site's `_headers` and `_redirects`, as last read.
    pub rules: SiteRules,
}

/// What the site answers a request with, and what to log about it.
pub(crate) struct Resolution {
    /// The answer, as the decision takes it.
    pub outcome: Outcome,
    /// Where the bytes of the outcome's body are.
    pub content: Content,
    /// Vary (RFC 9110 section 12.5.5): the request fields whose values chose
    /// this answer among others.
    pub vary: Option<HeaderValue>,
    /// The fields `_headers` gives the request's path.
    pub site_fields: HeaderMap,
    /// Why the request was refused, for the `refused:` line of the log.
    pub refusal: Option<String>,
    /// What was wrong with the site's files met on the way, for the error
    /// log.
    pub log_lines: LogLines,
}

/// Where the bytes of a body are.
pub(crate) enum Content {
    /// At hand: a file read or kept, an embedded file, the 404 page.
    Bytes(Bytes),
    /// In the file of this name, not read yet: the site manifest vouched for
    /// its validators, or it is too large to keep, so a 304 needs no read
    /// ([`Resolver::read_body`]).
    Unread(String),
    /// In a file too large to keep, opened for the version its validators
    /// were made from: `len` bytes, sent from the file; `path` (escaped) is
    /// for the log.
    File {
        file: Box<dyn OpenedFile>,
        len: u64,
        path: String,
    },
    /// None: the outcome has no bytes of the site.
    None,
}

impl Resolution {
    fn of(outcome: Outcome) -> Resolution {
        Resolution {
            outcome,
            content: Content::None,
            vary: None,
            site_fields: HeaderMap::new(),
            refusal: None,
            log_lines: LogLines::default(),
        }
    }

    fn refused(mut self, reason: impl std::fmt::Display) -> Resolution {
        self.refusal = Some(reason.to_string());
        self
    }

    /// With `lines` for the error log instead of the lines so far, unless
    /// there are none.
    fn with_log_lines(mut self, lines: LogLines) -> Resolution {
        if !lines.is_empty() {
            self.log_lines = lines;
        }
        self
    }
}

/// What a checked path names in the site.
pub(crate) enum Found {
    /// The file at this path (relative to the root), without its bytes when
    /// the site manifest vouched for it.
    File(String, Arc<Snapshot>),
    /// A directory named without its trailing slash, where nothing says
    /// where to redirect (a rewrite's target).
    Directory,
    /// Another URL of the file, the canonical one (`crate::resolve::canonical`),
    /// without the query: a 308 there.
    Moved(String),
    /// Nothing to serve; with a line for the error log when that is a
    /// problem of the site (a link out of the root, a device file).
    Missing(LogLines),
}

/// The request target of OPTIONS for the server as a whole.
const ASTERISK: &str = "*";

impl Resolver {
    /// What the site answers `request` with (the module's list, in order),
    /// with the lines about the site's own files that answering read.
    pub(crate) fn resolve(&mut self, request: &RequestHead<'_>, clock: Clock) -> Resolution {
        let mut resolution = self.resolve_request(request, clock);
        resolution.log_lines.append(self.source.take_log_lines());
        resolution
    }

    fn resolve_request(&mut self, request: &RequestHead<'_>, clock: Clock) -> Resolution {
        let method = request.method;
        if let Some(problem) = host_problem(request) {
            return Resolution::of(Outcome::Text(StatusCode::BAD_REQUEST)).refused(problem);
        }
        if request.path == ASTERISK {
            // RFC 9112 section 3.2.4: the asterisk form names the server as
            // a whole, and only OPTIONS has it (RFC 9110 section 9.3.7).
            return match method == Method::OPTIONS {
                true => Resolution::of(Outcome::Options),
                false => Resolution::of(Outcome::Text(StatusCode::BAD_REQUEST))
                    .refused("the asterisk form `*` is only for OPTIONS"),
            };
        }
        let base_path = self.settings.base_path.clone();
        let (placement, route_line) = place(request, &base_path);
        let (prefix, site_path) = match placement {
            Placement::Site { prefix, site_path } => (prefix, site_path),
            Placement::Prefix { prefix } => {
                return self
                    .moved_to(request, format!("{prefix}/"))
                    .with_log_lines(LogLines::from(route_line));
            }
            Placement::Outside => {
                return self
                    .not_found(request, None, clock)
                    .refused("not under BASE_PATH");
            }
        };
        let path = match SitePath::parse(site_path) {
            Ok(path) => path,
            Err(refusal) => {
                let resolution = match refusal {
                    Refusal::Malformed(_) => Resolution::of(Outcome::Text(StatusCode::BAD_REQUEST)),
                    Refusal::NotServed(_) => self.not_found(request, None, clock),
                };
                return resolution
                    .refused(refusal)
                    .with_log_lines(LogLines::from(route_line));
            }
        };
        let rules_lines = self
            .rules
            .refresh(&mut *self.source, clock, &self.settings.variables);
        let url_path = url_path(&path);
        // A protected path (`Basic-Auth`, on any name the request could be
        // served under) is answered only with credentials that every rule
        // protecting it admits, before anything else is looked at, so that
        // no answer (a 304, a redirect, a 404) says anything of it. OPTIONS
        // without them, a CORS preflight being sent so, gets the one answer
        // every such path gets.
        let sets = protecting(self.rules.headers(), &url_path, &self.settings.index_files);
        let protected = !sets.is_empty();
        let admitted = sets
            .iter()
            .all(|credentials| credentials.admit(authorization(request)));
        let mut resolution = match (protected && !admitted, method == Method::OPTIONS) {
            (true, true) => Resolution::of(Outcome::Options),
            (true, false) => Resolution::of(Outcome::Unauthorized)
                .refused("no valid credentials for a path that Basic-Auth protects"),
            (false, _) => self.resolve_path(request, prefix, &path, &url_path, clock),
        };
        let origin = request.headers.get(header::ORIGIN);
        resolution.site_fields = self.rules.headers().fields_for(&url_path, origin);
        if request.scheme != Some("https") {
            // RFC 6797 section 7.2: only over a secure transport, so not
            // where the runtime reports none (wasmtime's WASIp3 path reports
            // no scheme for plain HTTP).
            resolution
                .site_fields
                .remove(header::STRICT_TRANSPORT_SECURITY);
        }
        if protected && !admitted {
            // Nothing a rule says of the path but CORS and security policies.
            remove_fields(&mut resolution.site_fields, |name| !is_for_strangers(name));
        }
        if protected {
            protect(&mut resolution);
        }
        resolution.log_lines.prepend(rules_lines);
        resolution.log_lines.prepend(LogLines::from(route_line));
        resolution
    }

    /// Steps 1 to 4 of the module's list for a checked path, `url_path` as
    /// the rules files match it, under the route's `prefix`.
    fn resolve_path(
        &mut self,
        request: &RequestHead<'_>,
        prefix: &str,
        path: &SitePath,
        url_path: &str,
        clock: Clock,
    ) -> Resolution {
        // The first rewrite and the first redirect among the rules that
        // match, the rewrite only if it comes first. A rewrite applies only
        // where nothing is at the path (which all rewrites share, so the
        // first decides); else the redirect after it, if any.
        let (mut rewrite, mut redirect) = (None, None);
        for redirection in self.rules.redirects().matching(url_path, request.query) {
            match redirection {
                Redirection::Rewrite { path } => {
                    rewrite.get_or_insert(path);
                }
                Redirection::Redirect { status, location } => {
                    redirect = Some((status, location));
                    break;
                }
            }
        }
        // A target that is a site path is under the route's prefix too.
        let redirect = redirect.map(|(status, location)| (status, under(prefix, location)));
        if let (None, Some((status, location))) = (&rewrite, &redirect) {
            // Never invalid: the location is percent-encoded.
            return self.redirect_to(*status, location.clone(), StatusCode::INTERNAL_SERVER_ERROR);
        }
        let found = match self.find(path, Some(request.path), clock) {
            Ok(found) => found,
            Err((relative, err)) => return self.failed(&relative, &err),
        };
        let found = match (found, rewrite) {
            (Found::Missing(mut lines), Some(target)) => {
                match self.rewritten(request, &target, url_path, clock) {
                    Ok(Found::Missing(rewrite_lines)) => {
                        lines.append(rewrite_lines);
                        Found::Missing(lines)
                    }
                    Ok(found) => found,
                    Err((relative, err)) => return self.failed(&relative, &err),
                }
            }
            (found, _) => match redirect {
                Some((status, location)) => {
                    return self.redirect_to(status, location, StatusCode::INTERNAL_SERVER_ERROR);
                }
                None => found,
            },
        };
        let method = request.method;
        match found {
            Found::File(..) | Found::Directory | Found::Moved(_) if method == Method::OPTIONS => {
                Resolution::of(Outcome::Options)
            }
            Found::File(..) | Found::Directory | Found::Moved(_) if !is_get_or_head(method) => {
                Resolution::of(Outcome::MethodNotAllowed)
            }
            Found::File(relative, snapshot) => {
                self.representation(request.headers, &relative, &snapshot, false, clock)
            }
            Found::Directory => self.moved_to(request, format!("{}/", request.path)),
            Found::Moved(location) => self.moved_to(request, location),
            Found::Missing(lines) => self.missing(request, path, lines, clock),
        }
    }

    /// A 308 to `location`, another URL of what the request names, with the
    /// request's query.
    fn moved_to(&self, request: &RequestHead<'_>, location: String) -> Resolution {
        let location = match request.query {
            Some(query) => format!("{location}?{query}"),
            None => location,
        };
        self.redirect_to(
            StatusCode::PERMANENT_REDIRECT,
            location,
            StatusCode::BAD_REQUEST,
        )
    }

    /// A redirect with `status` to `location`, cached as the files are (the
    /// configured Cache-Control); `invalid` when `location` is no field value.
    fn redirect_to(&self, status: StatusCode, location: String, invalid: StatusCode) -> Resolution {
        match HeaderValue::try_from(location) {
            Ok(location) => Resolution::of(Outcome::Redirect {
                status,
                location,
                cache_control: self.settings.cache_control.clone(),
            }),
            Err(_) => Resolution::of(Outcome::Text(invalid)),
        }
    }

    /// What the target of a rewrite rule names: a file (with its own
    /// validators), or nothing, with a line for the log.
    fn rewritten(
        &mut self,
        request: &RequestHead<'_>,
        target: &str,
        url_path: &str,
        clock: Clock,
    ) -> Result<Found, (String, FileError)> {
        let not_served = |why: &dyn std::fmt::Display| {
            let (from, to) = (escaped(url_path), escaped(target));
            Found::Missing(LogLines::of(format!(
                "error: _redirects: the rewrite of {from} to {to}: {why}"
            )))
        };
        let target_path = match SitePath::parse(target) {
            Ok(target_path) => target_path,
            Err(refusal) => return Ok(not_served(&refusal)),
        };
        // A rewrite never serves a path that Basic-Auth protects under a
        // path that it does not (that would serve it without credentials,
        // and let caches keep it), nor to credentials that the target's
        // rules do not admit.
        let headers = self.rules.headers();
        let indexes = &self.settings.index_files;
        let target_sets = protecting(headers, &self::url_path(&target_path), indexes);
        let source_protected = !protecting(headers, url_path, indexes).is_empty();
        let admitted = target_sets.iter().all(|c| c.admit(authorization(request)));
        let allowed = target_sets.is_empty() || (source_protected && admitted);
        if !allowed {
            return Ok(not_served(
                &"Basic-Auth protects the target, not the path; not served",
            ));
        }
        match self.find(&target_path, None, clock)? {
            found @ Found::File(..) => Ok(found),
            _ => Ok(not_served(&"no file there")),
        }
    }

    fn look_up(&mut self, relative: &str, clock: Clock) -> Result<Found, (String, FileError)> {
        match self.source.look_up(relative, clock) {
            Ok(snapshot) => Ok(Found::File(relative.to_string(), snapshot)),
            Err(FileError::Directory) => Ok(Found::Directory),
            Err(FileError::NotFound) => Ok(Found::Missing(LogLines::default())),
            Err(err @ (FileError::OutsideRoot | FileError::NotAFile)) => Ok(Found::Missing(
                LogLines::of(self.error_line(relative, &err)),
            )),
            Err(err) => Err((relative.to_string(), err)),
        }
    }

    /// The representation of the file at `relative` that the request's
    /// Accept-Encoding picks among the file and its proven variants, each
    /// with its own validators; its name decides the type and the cache
    /// rule. `vary_accept`: the file answers for the path only because the
    /// request accepts HTML (the app shell).
    fn representation(
        &mut self,
        request: &HeaderMap,
        relative: &str,
        source: &Arc<Snapshot>,
        vary_accept: bool,
        clock: Clock,
    ) -> Resolution {
        let candidates: Vec<(Encoding, u64)> = Encoding::ALL
            .into_iter()
            .filter_map(|coding| {
                let len = self
                    .source
                    .recorded_variant_len(&coding.variant_name(relative), source)?;
                Some((coding, len))
            })
            .collect();
        let (encoding, name, snapshot) =
            match self.chosen_variant(request, relative, source, &candidates, clock) {
                Some((coding, name, variant)) => (Some(coding), name, variant),
                None => (None, relative.to_string(), source.clone()),
            };
        let representation = Representation {
            content_type: source.content_type.clone(),
            // The negotiated variant's coding, else the one the file's name
            // says (`.svgz`), RFC 9110 section 8.4.
            content_encoding: encoding.map(Encoding::token).or(source.content_encoding),
            len: snapshot.len,
            validators: snapshot.validators.clone(),
            // `_headers` may set another (crate::decision::decide).
            cache_control: cache_defaults::default_for(relative, &source.content_type).map_or_else(
                || self.settings.cache_control.clone(),
                HeaderValue::from_static,
            ),
        };
        let content = match &snapshot.content {
            Some(bytes) => Content::Bytes(bytes.clone()),
            None => Content::Unread(name),
        };
        Resolution {
            content,
            vary: vary_value(vary_accept, !candidates.is_empty()),
            ..Resolution::of(Outcome::Representation(representation))
        }
    }

    /// The variant the request's Accept-Encoding picks among the
    /// `candidates` (the codings whose variants the site manifest records as
    /// made from the source's bytes), proven before it is sent: only the
    /// chosen one is looked at, and when its file is gone or holds other
    /// bytes than recorded, the next choice is. A variant that cannot be
    /// proven (stale, made from other bytes, no build step run) is never
    /// sent; the file as it is is. Times prove nothing: Spin's copy gives
    /// every file the same one.
    fn chosen_variant(
        &mut self,
        request: &HeaderMap,
        relative: &str,
        source: &Snapshot,
        candidates: &[(Encoding, u64)],
        clock: Clock,
    ) -> Option<(Encoding, String, Arc<Snapshot>)> {
        let mut left = candidates.to_vec();
        while let Some(coding) = choose_encoding(request, &left) {
            let name = coding.variant_name(relative);
            if let Ok(variant) = self.source.look_up(&name, clock)
                && self.source.proves_variant(&name, &variant, source)
            {
                return Some((coding, name, variant));
            }
            left.retain(|(c, _)| *c != coding);
        }
        None
    }

    /// Nothing found at a checked path (step 3 of the module's list).
    /// `lines` are the error-log lines of what was found instead, if any.
    fn missing(
        &mut self,
        request: &RequestHead<'_>,
        path: &SitePath,
        lines: LogLines,
        clock: Clock,
    ) -> Resolution {
        if path.is_root() {
            // A one-page site without its page is broken, not empty.
            let index = self.settings.index_files[0].clone();
            return self
                .failed(&index, &FileError::NotFound)
                .with_log_lines(lines);
        }
        if path.relative() == FAVICON_FILE && !path.is_directory() {
            return Resolution::of(match is_get_or_head(request.method) {
                true => Outcome::NoContent,
                false => Outcome::MethodNotAllowed,
            });
        }
        self.not_found(request, Some(path), clock)
            .with_log_lines(lines)
    }

    /// The answer for a path with nothing to serve: the app shell for a page
    /// requested as HTML, when there is one; else the 404 page, or the short
    /// text when the site has none.
    fn not_found(
        &mut self,
        request: &RequestHead<'_>,
        path: Option<&SitePath>,
        clock: Clock,
    ) -> Resolution {
        if !is_get_or_head(request.method) {
            return Resolution::of(Outcome::Text(StatusCode::NOT_FOUND));
        }
        // The answer depends on Accept only for a path that looks like a
        // page, when there is an app shell: say so to caches (RFC 9110
        // section 12.5.5).
        let varies =
            self.settings.fallback_page.is_some() && path.is_some_and(|p| !p.has_extension());
        let mut line = None;
        if varies && accepts_html(request.headers) {
            let shell = self.settings.fallback_page.clone().unwrap_or_default();
            match self.source.look_up(&shell, clock) {
                Ok(snapshot) => {
                    return self.representation(request.headers, &shell, &snapshot, true, clock);
                }
                Err(err) => line = Some(self.error_line(&shell, &err)),
            }
        }
        let mut resolution = Resolution::of(Outcome::Text(StatusCode::NOT_FOUND));
        if let Some(page) = self.settings.not_found_page.clone() {
            match self.read_content(&page, clock) {
                Ok((snapshot, content)) => {
                    resolution.outcome = Outcome::ErrorPage {
                        status: StatusCode::NOT_FOUND,
                        content_type: snapshot.content_type.clone(),
                        len: snapshot.len,
                    };
                    resolution.content = content;
                }
                Err(err) => {
                    line.get_or_insert(self.error_line(&page, &err));
                }
            }
        }
        Resolution {
            vary: vary_value(varies, false),
            log_lines: LogLines::from(line),
            ..resolution
        }
    }

    /// Step 3's I/O: the bytes of a file that were not read when it was
    /// resolved (the site manifest vouched for it), now that a body is due.
    /// True when the outcome changed and must be decided again: the bytes
    /// read are not those it was resolved for (the file changed since), so
    /// that an ETag always names the bytes sent; or the file could not be
    /// read, which makes it a 500 or 503 with the site's fields and the
    /// lines logged so far kept.
    pub(crate) fn read_body(&mut self, resolution: &mut Resolution, clock: Clock) -> bool {
        let (Outcome::Representation(representation), Content::Unread(name)) =
            (&mut resolution.outcome, &resolution.content)
        else {
            return false;
        };
        let name = name.clone();
        match self.read_content(&name, clock) {
            Ok((read, content)) => {
                let same =
                    read.validators == representation.validators && read.len == representation.len;
                representation.validators = read.validators.clone();
                representation.len = read.len;
                resolution.content = content;
                !same
            }
            Err(err) => {
                let mut failed = self.failed(&name, &err);
                // The lines the resolve step logged stay, the failure's after them.
                failed
                    .log_lines
                    .prepend(std::mem::take(&mut resolution.log_lines));
                failed.site_fields = std::mem::take(&mut resolution.site_fields);
                *resolution = failed;
                true
            }
        }
    }

    /// The file at `relative` and where its bytes are: at hand, or, for a
    /// file too large to keep, the file opened for the version its
    /// validators were made from. A file found changed when it is opened is
    /// looked at once more; found changed again, it is being rewritten (503).
    fn read_content(
        &mut self,
        relative: &str,
        clock: Clock,
    ) -> Result<(Arc<Snapshot>, Content), FileError> {
        let mut again = true;
        loop {
            let snapshot = self.source.read(relative, clock)?;
            if let Some(bytes) = &snapshot.content {
                let content = Content::Bytes(bytes.clone());
                return Ok((snapshot, content));
            }
            match self.source.open(relative, &snapshot) {
                Ok(file) => {
                    let content = Content::File {
                        file,
                        len: snapshot.len,
                        path: escaped(&self.source.path_of(relative)),
                    };
                    return Ok((snapshot, content));
                }
                Err(FileError::Changed) if again => again = false,
                Err(err) => return Err(err),
            }
        }
    }

    /// 500, or 503 for a file being rewritten, with a line for the error log.
    fn failed(&self, relative: &str, err: &FileError) -> Resolution {
        let status = match err {
            FileError::Unsettled { .. } | FileError::Changed => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Resolution {
            log_lines: LogLines::of(self.error_line(relative, err)),
            ..Resolution::of(Outcome::Text(status))
        }
    }

    fn error_line(&self, relative: &str, err: &FileError) -> String {
        let path = self.source.path_of(relative);
        format!("error: {}: {err}", escaped(&path))
    }
}

/// What is wrong with the request's Host, if anything. RFC 9112 section
/// 3.2: a server responds 400 to a request with more than one Host field
/// line or with a Host field whose value is invalid. Runtimes differ in what
/// they pass on (docs/runtimes.md): Spin's WASIp3 path passes every Host line
/// in the fields; wasmtime, and Spin's WASIp2 path, drop Host from the fields
/// and pass the first line's value on as the authority. Both are checked. A
/// value with a comma or a space is a list, such as folding two lines into
/// one gives, and no host name. A request without Host is left to the
/// runtime's HTTP layer, which alone sees the HTTP version (HTTP/1.0 needs
/// none).
fn host_problem(request: &RequestHead<'_>) -> Option<&'static str> {
    let is_list = |value: &[u8]| value.iter().any(|b| matches!(b, b',' | b' ' | b'\t'));
    let mut lines = request.headers.get_all(header::HOST).iter();
    let first = lines.next();
    if lines.next().is_some() {
        return Some("more than one Host field line (RFC 9112 section 3.2)");
    }
    let listed = first.map(HeaderValue::as_bytes).is_some_and(is_list)
        || request.authority.map(str::as_bytes).is_some_and(is_list);
    listed.then_some("a Host value that is a list, not one host (RFC 9112 section 3.2)")
}

/// An answer for a protected path, to a request with its credentials (or a
/// 401): stored by no shared cache for others. Every Cache-Control becomes
/// `private` without `public` and `s-maxage` (RFC 9111 section 3.5), the
/// fields that target shared caches (`Surrogate-Control`,
/// `CDN-Cache-Control` and the other `*-Cache-Control` of RFC 9213) go, and
/// `Vary: Authorization` says that credentials chose it.
fn protect(resolution: &mut Resolution) {
    let private = |value: &HeaderValue| private_cache_control(value.to_str().unwrap_or("")).0;
    match &mut resolution.outcome {
        Outcome::Representation(representation) => {
            representation.cache_control = private(&representation.cache_control);
        }
        Outcome::Redirect { cache_control, .. } => *cache_control = private(cache_control),
        _ => {}
    }
    let fields = &mut resolution.site_fields;
    // Every caching field but the two kept (Expires is harmless beside
    // `private`), and nginx's and Akamai's own.
    remove_fields(fields, |name| {
        (is_caching_field(name) && name != header::CACHE_CONTROL && name != header::EXPIRES)
            || matches!(name.as_str(), "x-accel-expires" | "edge-control")
    });
    let rules: Vec<HeaderValue> = fields
        .get_all(header::CACHE_CONTROL)
        .iter()
        .map(private)
        .collect();
    fields.remove(header::CACHE_CONTROL);
    for value in rules {
        fields.append(header::CACHE_CONTROL, value);
    }
    fields.append(header::VARY, HeaderValue::from_static("Authorization"));
}

/// Removes every field of `fields` whose name `remove` says.
fn remove_fields(fields: &mut HeaderMap, remove: impl Fn(&HeaderName) -> bool) {
    let names: Vec<HeaderName> = fields.keys().filter(|n| remove(n)).cloned().collect();
    for name in names {
        fields.remove(name);
    }
}

/// The credentials a request for `url_path` must be admitted by, over every
/// name it could be served under ([`served_names`]); none, at no cost,
/// without a `Basic-Auth` rule.
fn protecting<'r>(
    headers: &'r HeaderRules,
    url_path: &str,
    indexes: &[String],
) -> Vec<&'r Credentials> {
    match headers.protects() {
        true => headers.credentials_for(&served_names(url_path, indexes)),
        false => Vec::new(),
    }
}

/// The request's `Authorization` value, as bytes.
fn authorization<'a>(request: &RequestHead<'a>) -> Option<&'a [u8]> {
    request
        .headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
}

/// Every name under which a request for `url_path` could be served, for
/// Basic-Auth's patterns to be matched against: the path; the source of a
/// precompressed variant asked for by its name; a directory with and
/// without its `index.html`, and named without its slash; a clean URL with
/// and without `.html`; and each of these in lower case, as a file system
/// that ignores case would serve it. Protecting a name that serves nothing
/// costs nothing; missing one would serve a protected file without its
/// credentials.
fn served_names(url_path: &str, indexes: &[String]) -> Vec<String> {
    let mut names = vec![url_path.to_string()];
    if let Some((_, source)) = Encoding::of_variant_name(url_path) {
        names.push(source.to_string());
    }
    for name in names.clone() {
        for index in indexes {
            if let Some(directory) = name.strip_suffix(index).filter(|d| d.ends_with('/')) {
                names.push(directory.to_string());
                // `/about/index.html` as `/about` (drop-trailing-slash).
                if directory.len() > 1 {
                    names.push(directory.trim_end_matches('/').to_string());
                }
            }
        }
        match name.strip_suffix('/') {
            Some(stem) => {
                names.extend(indexes.iter().map(|index| format!("{name}{index}")));
                // `/about/` serves `about.html` (force-trailing-slash).
                if !stem.is_empty() {
                    names.push(format!("{stem}.html"));
                }
            }
            None => {
                names.push(format!("{name}/"));
                names.extend(indexes.iter().map(|index| format!("{name}/{index}")));
                names.push(format!("{name}.html"));
                if let Some(stem) = name.strip_suffix(".html") {
                    names.push(stem.to_string());
                    names.push(format!("{stem}/"));
                }
            }
        }
    }
    let lower: Vec<String> = names.iter().map(|name| name.to_ascii_lowercase()).collect();
    names.extend(lower);
    names.sort();
    names.dedup();
    names
}

/// A field a rule gives a protected path that an answer without its
/// credentials keeps: CORS's and the security policies, never what could
/// say what the path holds (a `Link`, a `Set-Cookie`, a rule's own).
fn is_for_strangers(name: &HeaderName) -> bool {
    let name = name.as_str();
    name.starts_with("access-control-")
        || name.starts_with("cross-origin-")
        || matches!(
            name,
            "content-security-policy"
                | "content-security-policy-report-only"
                | "permissions-policy"
                | "referrer-policy"
                | "strict-transport-security"
                | "x-content-type-options"
                | "x-frame-options"
                | "vary"
        )
}

/// `location` under the route's `prefix` when it is a path of the site
/// (`/new.html`); a URL with a scheme or a host (`https://...`, `//host/`)
/// as it is.
fn under(prefix: &str, location: String) -> String {
    match location.starts_with('/') && !location.starts_with("//") {
        true => format!("{prefix}{location}"),
        false => location,
    }
}

/// The path as `_headers` and `_redirects` patterns match it: decoded, from
/// `/`, with the trailing slash of a directory.
fn url_path(path: &SitePath) -> String {
    match (path.is_root(), path.is_directory()) {
        (true, _) => "/".to_string(),
        (false, true) => format!("/{}/", path.relative()),
        (false, false) => format!("/{}", path.relative()),
    }
}

/// Vary (RFC 9110 section 12.5.5): `Accept` when the answer for the path
/// depends on whether the request accepts HTML (the app shell),
/// `Accept-Encoding` when the file has precompressed variants.
fn vary_value(accept: bool, accept_encoding: bool) -> Option<HeaderValue> {
    match (accept, accept_encoding) {
        (true, true) => Some(HeaderValue::from_static("Accept, Accept-Encoding")),
        (true, false) => Some(HeaderValue::from_static("Accept")),
        (false, true) => Some(HeaderValue::from_static("Accept-Encoding")),
        (false, false) => None,
    }
}
