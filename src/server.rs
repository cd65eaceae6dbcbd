//! One request from start to end, without the runtime: check the path, find
//! what it names in the site, and plan the response. The runtime entry point
//! (the `wasip3` and `wasip2` crates) only receives the request and sends the reply.
//!
//! What a request gets, in order:
//! 0. More than one Host field line, or a Host that is a list: 400 (RFC 9112
//!    section 3.2). The asterisk target `*`: 204 with Allow to OPTIONS, 400
//!    to any other method (RFC 9112 section 3.2.4).
//! 1. A refused path (see [`crate::site_path`]): 400, or the site's 404.
//!    OPTIONS on a path that exists: 204 with Allow; another method than
//!    GET, HEAD and OPTIONS: 405.
//! 2. A file: the file, with its validators, preconditions and ranges.
//! 3. `/dir/`: `dir/index.html`. `/dir` when `dir` is a directory: 308 to
//!    `/dir/`, query kept.
//! 4. With clean URLs, `/about` when there is no `about`: `about.html`.
//! 5. Nothing found: `/` without an index answers 500 (the page of a
//!    one-page site is missing; the log says so) and `/favicon.ico` 204, as
//!    the one-page server always did; a path that looks like a page (no
//!    extension), from a request that accepts HTML, gets the app shell
//!    (`FALLBACK_PAGE`) with 200; everything else the 404 page
//!    (`NOT_FOUND_PAGE`) with 404, or a short text.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::access_log::{AccessLogLine, escaped};
use crate::cache_rules::{self, CacheRules};
use crate::config::Config;
use crate::file_store::{FileError, FileStore, Snapshot, StoreLimits};
use crate::negotiation::{Encoding, accepts_html, choose_encoding};
use crate::preconditions::is_get_or_head;
use crate::response_plan::{
    Body, Representation, ResponsePlan, ResponsePolicy, error_page, method_not_allowed, no_content,
    options, plan_representation, redirect, text,
};
use crate::site_path::{Refusal, SitePath};

/// The file a directory serves.
pub const INDEX_FILE: &str = "index.html";
/// The icon a one-page site may lack (answered 204 then).
pub const FAVICON_FILE: &str = "favicon.ico";

/// The parts of a request that decide the response.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    pub method: &'a Method,
    /// The path of the request target, as received (percent-encoded).
    pub path: &'a str,
    /// The query of the request target, without the `?`.
    pub query: Option<&'a str>,
    /// The authority the runtime passed on (from the target's absolute form
    /// or the Host field; runtimes differ, see docs/runtimes.md), for the
    /// access log. Host lines the runtime passed on are in `headers`.
    pub authority: Option<&'a str>,
    pub headers: &'a HeaderMap,
}

/// The response to send, and what to log about it.
#[derive(Debug)]
pub struct Reply {
    pub plan: ResponsePlan,
    /// The bytes of the body; empty for HEAD, 204 and 304.
    pub body: Bytes,
    /// Lines for the error log: why a path was refused, why a file could not
    /// be served.
    pub error: Option<String>,
}

impl Reply {
    /// The header fields as both WASI versions' `fields.from-list` take
    /// them: names and values as bytes, in order.
    pub fn field_list(&self) -> Vec<(String, Vec<u8>)> {
        self.plan
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect()
    }

    /// The access-log line of this reply to `request`.
    pub fn access_log<'a>(&'a self, request: &RequestHead<'a>) -> AccessLogLine<'a> {
        AccessLogLine {
            method: request.method.as_str(),
            path: request.path,
            status: self.plan.status.as_u16(),
            bytes: self.body.len(),
            decided_by: self.plan.decided_by,
            authority: request.authority,
        }
    }
}

/// What a checked path names in the site.
enum Found {
    /// The file at this path (relative to the root), without its bytes when
    /// the site manifest vouched for it.
    File(String, Arc<Snapshot>),
    /// A directory named without its trailing slash.
    Directory,
    /// Nothing to serve; with a line for the error log when that is a
    /// problem of the site (a link out of the root, a device file).
    Missing(Option<String>),
}

/// A site: the configuration and the files it serves.
pub struct Server {
    config: Config,
    store: FileStore,
    cache_rules: CacheRules,
}

impl Server {
    /// A server of the files under `config.document_root`, with the site
    /// manifest and the cache rules loaded. Returns what is wrong with them,
    /// for the log.
    pub fn new(config: Config) -> (Server, Vec<String>) {
        let mut store = FileStore::new(
            config.document_root.clone(),
            StoreLimits {
                check_interval: config.check_interval,
                max_file_bytes: config.max_file_bytes,
                max_cached_bytes: config.cache_max_bytes,
            },
        );
        let mut problems = store.load_manifest();
        let mut cache_rules = CacheRules::new(config.policy.cache_control.clone());
        match store.read_site_file(cache_rules::FILE_NAME) {
            Ok(Some(text)) => problems.extend(cache_rules.parse(&text)),
            Ok(None) => {}
            Err(problem) => problems.push(problem),
        }
        let server = Server {
            config,
            store,
            cache_rules,
        };
        (server, problems)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Answers one request. `now` is the monotonic clock, `wall` the wall
    /// clock, both of the request.
    pub fn handle(&mut self, request: &RequestHead<'_>, now: Instant, wall: SystemTime) -> Reply {
        let method = request.method;
        if let Some(problem) = host_problem(request) {
            let reply = reply_text(method, StatusCode::BAD_REQUEST, wall);
            return refused(request, reply, problem);
        }
        if request.path == ASTERISK {
            // RFC 9112 section 3.2.4: the asterisk form names the server as
            // a whole, and only OPTIONS has it (RFC 9110 section 9.3.7).
            if method == Method::OPTIONS {
                return reply(options(wall));
            }
            let reply = reply_text(method, StatusCode::BAD_REQUEST, wall);
            return refused(request, reply, "the asterisk form `*` is only for OPTIONS");
        }
        let path = match SitePath::parse(request.path) {
            Ok(path) => path,
            Err(refusal) => {
                let reply = match refusal {
                    Refusal::Malformed(_) => reply_text(method, StatusCode::BAD_REQUEST, wall),
                    Refusal::NotServed(_) => self.not_found(request, None, now, wall),
                };
                return refused(request, reply, refusal);
            }
        };
        let found = match self.find(&path, now, wall) {
            Ok(found) => found,
            Err((relative, err)) => return self.failed(method, &relative, &err, wall),
        };
        if !matches!(found, Found::Missing(_)) && method == Method::OPTIONS {
            return reply(options(wall));
        }
        if !matches!(found, Found::Missing(_)) && !is_get_or_head(method) {
            return reply(method_not_allowed(method, wall));
        }
        match found {
            Found::File(relative, snapshot) => {
                self.serve(request, &relative, &snapshot, false, now, wall)
            }
            Found::Directory => {
                let location = match request.query {
                    Some(query) => format!("{}/?{query}", request.path),
                    None => format!("{}/", request.path),
                };
                match HeaderValue::try_from(location) {
                    Ok(location) => reply(redirect(
                        method,
                        location,
                        &self.config.policy.cache_control,
                        wall,
                    )),
                    Err(_) => reply_text(method, StatusCode::BAD_REQUEST, wall),
                }
            }
            Found::Missing(problem) => self.missing(request, &path, problem, now, wall),
        }
    }

    /// What `path` names: a file, a directory to redirect, or nothing.
    /// An error that is not "nothing there" comes back with the file's path.
    fn find(
        &mut self,
        path: &SitePath,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Found, (String, FileError)> {
        let relative = if path.is_directory() {
            path.child(INDEX_FILE)
        } else {
            path.relative().to_string()
        };
        match self.lookup(&relative, now, wall)? {
            Found::Directory if path.is_directory() => Ok(Found::Missing(Some(
                self.error_line(&relative, &FileError::Directory),
            ))),
            Found::Missing(problem)
                if self.config.clean_urls && !path.is_directory() && !path.has_extension() =>
            {
                // `/about` and `/about.html` are two URLs of one file: the
                // same bytes, so the same validators under either.
                match self.lookup(&format!("{relative}.html"), now, wall)? {
                    found @ Found::File(..) => Ok(found),
                    _ => Ok(Found::Missing(problem)),
                }
            }
            found => Ok(found),
        }
    }

    fn lookup(
        &mut self,
        relative: &str,
        now: Instant,
        wall: SystemTime,
    ) -> Result<Found, (String, FileError)> {
        match self.store.head(relative, now, wall) {
            Ok(snapshot) => Ok(Found::File(relative.to_string(), snapshot)),
            Err(FileError::Directory) => Ok(Found::Directory),
            Err(FileError::NotFound) => Ok(Found::Missing(None)),
            Err(err @ (FileError::OutsideRoot | FileError::NotAFile)) => {
                Ok(Found::Missing(Some(self.error_line(relative, &err))))
            }
            Err(err) => Err((relative.to_string(), err)),
        }
    }

    /// The response to GET or HEAD of the file at `relative`: its name
    /// decides the type and the cache rule; the request's Accept-Encoding
    /// picks the bytes among the file and its fresh precompressed variants,
    /// each with its own validators. `vary_accept`: the file answers for a
    /// path only because the request accepts HTML (the app shell).
    fn serve(
        &mut self,
        request: &RequestHead<'_>,
        relative: &str,
        source: &Arc<Snapshot>,
        vary_accept: bool,
        now: Instant,
        wall: SystemTime,
    ) -> Reply {
        let variants = self.proven_variants(relative, source, now, wall);
        let codings: Vec<Encoding> = variants.iter().map(|(coding, _)| *coding).collect();
        let encoding = choose_encoding(request.headers, &codings);
        let (file, mut snapshot) = match variants.into_iter().find(|(c, _)| Some(*c) == encoding) {
            Some((coding, variant)) => (coding.variant_name(relative), variant),
            None => (relative.to_string(), source.clone()),
        };
        let vary = vary_value(vary_accept, !codings.is_empty());
        let policy = ResponsePolicy {
            cache_control: self
                .cache_rules
                .for_file(relative, &source.content_type)
                .clone(),
            ..self.config.policy.clone()
        };
        let plan_for = |snapshot: &Snapshot| {
            let representation = Representation {
                content_type: &source.content_type,
                // The negotiated variant's coding, else the one the file's
                // name says (`.svgz`), RFC 9110 section 8.4.
                content_encoding: encoding.map(Encoding::token).or(source.content_encoding),
                vary: vary.as_ref(),
                len: snapshot.len,
                validators: &snapshot.validators,
            };
            plan_representation(
                request.method,
                request.headers,
                representation,
                &policy,
                wall,
            )
        };
        let mut plan = plan_for(&snapshot);
        if matches!(plan.body, Body::Whole | Body::Part(_)) && snapshot.content.is_none() {
            // Known from the manifest only, and a body is due: read it. The
            // bytes read decide, ETag included, whatever the manifest said.
            snapshot = match self.store.get(&file, now, wall) {
                Ok(snapshot) => snapshot,
                Err(err) => return self.failed(request.method, &file, &err, wall),
            };
            plan = plan_for(&snapshot);
        }
        reply_with(plan, snapshot.content.as_ref())
    }

    /// The precompressed variants of the file at `relative` that are proven
    /// to encode its current bytes: the site manifest records each as made
    /// from exactly the source's bytes ([`FileStore::proves_variant`]). A
    /// variant that cannot be proven (stale, made from other bytes, no build
    /// step run) is never sent; the file as it is is. Times prove nothing:
    /// Spin's copy gives every file the same one.
    fn proven_variants(
        &mut self,
        relative: &str,
        source: &Snapshot,
        now: Instant,
        wall: SystemTime,
    ) -> Vec<(Encoding, Arc<Snapshot>)> {
        Encoding::ALL
            .into_iter()
            .filter_map(|coding| {
                let name = coding.variant_name(relative);
                let variant = self.store.head(&name, now, wall).ok()?;
                let proven = self.store.proves_variant(&name, &variant, source);
                proven.then_some((coding, variant))
            })
            .collect()
    }

    /// Nothing found at a checked path (step 5 of the module's list).
    /// `problem` is the error-log line of what was found instead, if any.
    fn missing(
        &mut self,
        request: &RequestHead<'_>,
        path: &SitePath,
        problem: Option<String>,
        now: Instant,
        wall: SystemTime,
    ) -> Reply {
        let method = request.method;
        if path.is_root() {
            // A one-page site without its page is broken, not empty.
            let mut reply = self.failed(method, INDEX_FILE, &FileError::NotFound, wall);
            if problem.is_some() {
                reply.error = problem;
            }
            return reply;
        }
        if path.relative() == FAVICON_FILE && !path.is_directory() {
            return match is_get_or_head(method) {
                true => reply(no_content(wall)),
                false => reply(method_not_allowed(method, wall)),
            };
        }
        let mut reply = self.not_found(request, Some(path), now, wall);
        if problem.is_some() {
            reply.error = problem;
        }
        reply
    }

    /// The answer for a path with nothing to serve: the app shell for a page
    /// requested as HTML, when there is one; else the 404 page, or the short
    /// text when the site has none.
    fn not_found(
        &mut self,
        request: &RequestHead<'_>,
        path: Option<&SitePath>,
        now: Instant,
        wall: SystemTime,
    ) -> Reply {
        let method = request.method;
        if !is_get_or_head(method) {
            return reply_text(method, StatusCode::NOT_FOUND, wall);
        }
        // The answer depends on Accept only for a path that looks like a
        // page, when there is an app shell: say so to caches (RFC 9110
        // section 12.5.5).
        let varies =
            self.config.fallback_page.is_some() && path.is_some_and(|p| !p.has_extension());
        let mut problem = None;
        if varies && accepts_html(request.headers) {
            let shell = self.config.fallback_page.clone().unwrap_or_default();
            match self.store.head(&shell, now, wall) {
                Ok(snapshot) => return self.serve(request, &shell, &snapshot, true, now, wall),
                Err(err) => problem = Some(self.error_line(&shell, &err)),
            }
        }
        let mut reply = match self.config.not_found_page.clone() {
            Some(page) => match self.store.get(&page, now, wall) {
                Ok(snapshot) => {
                    let plan = error_page(
                        method,
                        StatusCode::NOT_FOUND,
                        &snapshot.content_type,
                        snapshot.len,
                        wall,
                    );
                    reply_with(plan, snapshot.content.as_ref())
                }
                Err(err) => {
                    problem.get_or_insert(self.error_line(&page, &err));
                    reply_text(method, StatusCode::NOT_FOUND, wall)
                }
            },
            None => reply_text(method, StatusCode::NOT_FOUND, wall),
        };
        if let Some(vary) = vary_value(varies, false) {
            reply.plan.headers.insert(header::VARY, vary);
        }
        reply.error = problem;
        reply
    }

    /// 500, or 503 for a file being rewritten, with a line for the error log.
    fn failed(&self, method: &Method, relative: &str, err: &FileError, wall: SystemTime) -> Reply {
        let status = match err {
            FileError::Unsettled => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut reply = reply_text(method, status, wall);
        reply.error = Some(self.error_line(relative, err));
        reply
    }

    fn error_line(&self, relative: &str, err: &FileError) -> String {
        let path = self.store.path_of(relative);
        format!("error: {}: {err}", escaped(&path.to_string_lossy()))
    }
}

/// The request target of OPTIONS for the server as a whole.
const ASTERISK: &str = "*";

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

/// `reply`, with the error-log line that says why the request was refused
/// (and what else went wrong answering it, such as a missing 404 page).
fn refused(request: &RequestHead<'_>, mut reply: Reply, reason: impl std::fmt::Display) -> Reply {
    let line = format!(
        "refused: path={}: {reason} ({})",
        escaped(request.path),
        reply.plan.status.as_u16()
    );
    reply.error = Some(match reply.error.take() {
        Some(problem) => format!("{line}\n{problem}"),
        None => line,
    });
    reply
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

fn reply_text(method: &Method, status: StatusCode, wall: SystemTime) -> Reply {
    reply(text(method, status, None, wall))
}

/// A reply whose plan sends no part of a file.
fn reply(plan: ResponsePlan) -> Reply {
    reply_with(plan, None)
}

/// The reply that sends what `plan` says, taking file bytes from `content`,
/// which a plan that sends a file always has (`FileStore::get`).
fn reply_with(plan: ResponsePlan, content: Option<&Bytes>) -> Reply {
    let content = content.cloned().unwrap_or_default();
    let body = match plan.body {
        Body::Whole => content,
        Body::Part(range) => content.slice(range.first as usize..=range.last as usize),
        Body::Text(text) => Bytes::from_static(text.as_bytes()),
        Body::Empty => Bytes::new(),
    };
    Reply {
        plan,
        body,
        error: None,
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
