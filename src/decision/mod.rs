//! The pure HTTP decision: given the request's method and fields and what
//! the site has to answer with ([`Outcome`], found by `crate::resolve`), which
//! status, header fields and body to send. [`decide`] is the one entry
//! point; it adds what every response carries once, last: the fields of the
//! site's `_headers` rules, Date (RFC 9110 section 6.6.1), Vary (section
//! 12.5.5) and HEAD's empty body (section 9.3.2). No I/O happens here;
//! `crate::server` runs the steps around it.

pub mod content_type;
pub mod negotiation;
pub mod preconditions;
pub mod range;
pub mod validators;

use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::decision::preconditions::{DecidedBy, Precondition, evaluate_preconditions};
use crate::decision::range::{ByteRange, RangeDecision, decide_range};
use crate::decision::validators::{Validators, date_now_header};

/// A representation of a file (RFC 9110 section 3.2) as the decision needs
/// it: its type, coding, length, validators and how caches may store it.
#[derive(Debug, Clone)]
pub struct Representation {
    pub content_type: HeaderValue,
    /// The content coding of the bytes (`br`, `gzip`) of a precompressed
    /// variant, or the one the file's name says (`.svgz`); None otherwise.
    pub content_encoding: Option<&'static str>,
    /// In bytes.
    pub len: u64,
    pub validators: Validators,
    /// Cache-Control of its 200, 206 and 304 (RFC 9111 section 5.2): the
    /// default for its name or the configured one; a `_headers` rule may
    /// set another ([`add_site_fields`]).
    pub cache_control: HeaderValue,
}

/// What the site answers a request with: the outcome of the resolve step
/// (`crate::resolve`), which the decision borrows.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A file's representation, with its preconditions and ranges.
    Representation(Representation),
    /// A page of the site sent with an error status (the 404 page); `len`
    /// in bytes.
    ErrorPage {
        status: StatusCode,
        content_type: HeaderValue,
        len: u64,
    },
    /// A short text that names an error status (400, 404, 500, 503).
    Text(StatusCode),
    /// A redirect (3xx) to `location`: a directory's URL with its slash, or
    /// a rule's of `_redirects`; stored by caches as the files are
    /// (`cache_control`, the configured one, unless `_headers` sets one).
    Redirect {
        status: StatusCode,
        location: HeaderValue,
        cache_control: HeaderValue,
    },
    /// 204: a one-page site's missing favicon.
    NoContent,
    /// 204 with Allow: OPTIONS on what exists, or on `*`.
    Options,
    /// 405 with Allow.
    MethodNotAllowed,
    /// 401: a protected path without valid credentials (RFC 7617).
    Unauthorized,
}

/// The realm of the `WWW-Authenticate` challenge of a protected path.
pub const REALM: &str = "site";

/// The Cache-Control of a response to a request with credentials, for a
/// protected path: `private`, and without `public` and `s-maxage`, either of
/// which would let a shared cache reuse it for a request without them (RFC
/// 9111 section 3.5); the other directives kept. True when one was dropped.
pub fn private_cache_control(value: &str) -> (HeaderValue, bool) {
    let mut dropped = false;
    let mut kept: Vec<&str> = Vec::new();
    for directive in value.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let name = directive.split('=').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("public") || name.eq_ignore_ascii_case("s-maxage") {
            dropped = true;
        } else if !name.eq_ignore_ascii_case("private") {
            kept.push(directive);
        }
    }
    kept.insert(0, "private");
    (header_value(kept.join(", ")), dropped)
}

/// The response to `method` with the `request` fields, when the site answers
/// with `outcome`; `vary` names the request fields whose values chose that
/// outcome among others (RFC 9110 section 12.5.5), sent with every response
/// to it; `site_fields` are what the site's `_headers` gives the request's
/// path (see [`add_site_fields`]). The one entry point of the decision.
pub fn decide(
    method: &Method,
    request: &HeaderMap,
    outcome: &Outcome,
    vary: Option<&HeaderValue>,
    site_fields: &HeaderMap,
    policy: &ResponsePolicy,
    now: SystemTime,
) -> ResponsePlan {
    let plan = match outcome {
        Outcome::Representation(representation) => {
            representation_plan(method, request, representation, policy, now)
        }
        Outcome::ErrorPage {
            status,
            content_type,
            len,
        } => error_page(*status, content_type, *len),
        Outcome::Text(status) => text(*status, None),
        Outcome::Redirect {
            status,
            location,
            cache_control,
        } => redirect(*status, location, cache_control),
        Outcome::NoContent => plan(StatusCode::NO_CONTENT, HeaderMap::new(), Body::Empty, None),
        Outcome::Options => options(),
        Outcome::MethodNotAllowed => method_not_allowed(),
        Outcome::Unauthorized => unauthorized(),
    };
    add_fields_of_every_response(plan, method, vary, site_fields, now)
}

/// What every response carries, added once, last: the site's fields, Date
/// (RFC 9110 section 6.6.1: an origin server with a clock sends it), Vary
/// (section 12.5.5: the component's own and the site's, as one list), and
/// for HEAD the same fields as GET, Content-Length included, and no body
/// (section 9.3.2).
fn add_fields_of_every_response(
    mut plan: ResponsePlan,
    method: &Method,
    vary: Option<&HeaderValue>,
    site_fields: &HeaderMap,
    now: SystemTime,
) -> ResponsePlan {
    add_site_fields(&mut plan, site_fields);
    plan.headers.insert(header::DATE, date_now_header(now));
    let site_vary = site_fields.get_all(header::VARY).iter();
    if let Some(vary) = merged_vary(vary.into_iter().chain(site_vary)) {
        plan.headers.insert(header::VARY, vary);
    }
    if method == Method::HEAD {
        plan.body = Body::Empty;
    }
    plan
}

/// The fields of the site's `_headers` rules for the request's path
/// (`crate::rules::headers_file`, which refuses the fields the component owns), on
/// every response to it, with three exceptions, each to keep caching right:
/// - An error (4xx, 5xx) keeps its `Cache-Control: no-store` and gets no
///   caching field of a rule (`Expires`, `Surrogate-Control`, any
///   `*-Cache-Control` such as `CDN-Cache-Control`, RFC 9213): a rule's
///   caching is for the files, and an error stored as the file would be
///   served in its place.
/// - `Content-Type` goes only on a 200 or 206, the responses with the
///   representation's bytes; a 304 has none (RFC 9110 section 15.4.5).
/// - `Vary` is merged with the component's own (in
///   [`add_fields_of_every_response`]).
///
/// Everything else, a 304 included: RFC 9110 section 15.4.5 asks a 304 for
/// the Cache-Control, Expires and Vary a 200 would have, and a cache updates
/// its stored response with the fields of a 304 (RFC 9111 section 4.3.4), so
/// a security or CORS field changed since the 200 takes effect when the
/// cache revalidates, and one that did not change still stands.
fn add_site_fields(plan: &mut ResponsePlan, site_fields: &HeaderMap) {
    let error = plan.status.is_client_error() || plan.status.is_server_error();
    // Not on a multipart 206 either, whose own Content-Type names its
    // boundary (the parts carry the representation's).
    let has_bytes = plan.status == StatusCode::OK
        || (plan.status == StatusCode::PARTIAL_CONTENT && !matches!(plan.body, Body::Multipart(_)));
    for name in site_fields.keys() {
        let skip = name == header::VARY
            || (error && is_caching_field(name))
            || (name == header::CONTENT_TYPE && !has_bytes);
        if skip {
            continue;
        }
        plan.headers.remove(name);
        for value in site_fields.get_all(name) {
            plan.headers.append(name.clone(), value.clone());
        }
    }
}

/// A field that tells a cache whether and how long to store the response:
/// `Cache-Control`, `Expires`, `Surrogate-Control`, and the targeted
/// `*-Cache-Control` fields of RFC 9213 (`CDN-Cache-Control`,
/// `Cloudflare-CDN-Cache-Control`, ...).
pub fn is_caching_field(name: &http::HeaderName) -> bool {
    name == header::EXPIRES
        || name.as_str() == "surrogate-control"
        || name.as_str().ends_with("cache-control")
}

/// The Vary values as one list, each field name once (compared without
/// case); `*` alone when one is `*` (RFC 9110 section 12.5.5).
fn merged_vary<'a>(values: impl Iterator<Item = &'a HeaderValue>) -> Option<HeaderValue> {
    let mut names: Vec<&str> = Vec::new();
    for value in values {
        for name in value.to_str().unwrap_or("").split(',').map(str::trim) {
            if name == "*" {
                return Some(HeaderValue::from_static("*"));
            }
            if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name);
            }
        }
    }
    (!names.is_empty()).then(|| header_value(names.join(", ")))
}

/// What the configuration decides of every response.
#[derive(Debug, Clone)]
pub struct ResponsePolicy {
    /// Whether Last-Modified is sent and If-Modified-Since honoured.
    pub last_modified: bool,
}

impl Default for ResponsePolicy {
    fn default() -> Self {
        ResponsePolicy {
            last_modified: true,
        }
    }
}

/// What goes in the body of the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Nothing: 204, 304, and every response to HEAD.
    Empty,
    /// These bytes of the representation.
    Part(ByteRange),
    /// The whole representation.
    Whole,
    /// A short fixed text, for errors.
    Text(&'static str),
    /// A multipart/byteranges body (RFC 9110 section 14.6): its framing and
    /// the parts' bytes of the representation, in order.
    Multipart(Vec<Segment>),
}

/// A piece of a multipart/byteranges body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A boundary and a part's header fields.
    Framing(String),
    /// These bytes of the representation.
    Bytes(ByteRange),
}

impl Segment {
    /// Its length in bytes (never zero).
    pub fn byte_len(&self) -> u64 {
        match self {
            Segment::Framing(text) => text.len() as u64,
            Segment::Bytes(range) => range.length(),
        }
    }
}

impl Body {
    /// Whether the body is bytes of the representation or page, which step
    /// 3 may have to read.
    pub fn sends_content(&self) -> bool {
        matches!(self, Body::Whole | Body::Part(_) | Body::Multipart(_))
    }
}

/// The decision: status, header fields and body. Content-Length is already in
/// `headers` wherever the response has one, also for HEAD.
#[derive(Debug, Clone)]
pub struct ResponsePlan {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Body,
    /// The precondition field that decided a 304 or 412, for the access log.
    pub decided_by: Option<DecidedBy>,
}

/// The response to GET or HEAD of a representation, after its preconditions
/// (RFC 9110 section 13.2.2) and its Range (RFC 9110 section 14).
fn representation_plan(
    method: &Method,
    request: &HeaderMap,
    representation: &Representation,
    policy: &ResponsePolicy,
    now: SystemTime,
) -> ResponsePlan {
    let without_date;
    let validators = if policy.last_modified {
        &representation.validators
    } else {
        without_date = representation.validators.without_date();
        &without_date
    };
    let mut headers = HeaderMap::new();
    match evaluate_preconditions(method, request, validators, now) {
        Precondition::NotModified(field) => {
            // RFC 9110 section 15.4.5: a 304 carries the fields a 200 would have
            // had for caching (ETag, Cache-Control, Date) and no body, and so
            // no Content-Length or Content-Type. Last-Modified is kept too: under
            // Spin it changes with each start while the ETag does not, and a
            // cache freshens its stored copy from it (RFC 9111 section 4.3.4).
            // A 304 carries Vary too (section 15.4.5), but not
            // Content-Encoding, which describes a body.
            insert_validators(&mut headers, validators, &representation.cache_control, now);
            return plan(StatusCode::NOT_MODIFIED, headers, Body::Empty, Some(field));
        }
        Precondition::Failed(field) => {
            return text(StatusCode::PRECONDITION_FAILED, Some(field));
        }
        Precondition::Passed => {}
    }
    insert_validators(&mut headers, validators, &representation.cache_control, now);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::CONTENT_TYPE, representation.content_type.clone());
    if let Some(coding) = representation.content_encoding {
        // RFC 9110 section 8.4: the coding of the bytes sent; a 206 carries
        // a range of the coded bytes (section 14.1).
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    let len = representation.len;
    let (status, body, length) = match decide_range(method, request, validators, len, now) {
        RangeDecision::Full => (StatusCode::OK, Body::Whole, len),
        RangeDecision::Partial(range) => {
            // RFC 9110 section 14.4: Content-Range of a single part.
            let content_range = format!("bytes {}-{}/{len}", range.first, range.last);
            headers.insert(header::CONTENT_RANGE, header_value(content_range));
            (
                StatusCode::PARTIAL_CONTENT,
                Body::Part(range),
                range.length(),
            )
        }
        RangeDecision::Multipart(ranges) => {
            let content_type = representation.content_type.to_str().unwrap_or("");
            let (boundary, segments) = multipart(&ranges, content_type, len, validators);
            let multipart_type = format!("multipart/byteranges; boundary={boundary}");
            headers.insert(header::CONTENT_TYPE, header_value(multipart_type));
            let length = segments.iter().map(Segment::byte_len).sum();
            (
                StatusCode::PARTIAL_CONTENT,
                Body::Multipart(segments),
                length,
            )
        }
        RangeDecision::Unsatisfiable => {
            // RFC 9110 section 15.5.17: a 416 to a byte range states the
            // current length as `bytes */length`.
            let mut plan = text(StatusCode::RANGE_NOT_SATISFIABLE, None);
            let content_range = header_value(format!("bytes */{len}"));
            plan.headers.insert(header::CONTENT_RANGE, content_range);
            return plan;
        }
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    plan(status, headers, body, None)
}

/// The boundary and segments of a multipart/byteranges body of `ranges` of
/// a representation of `len` bytes and type `content_type` (RFC 9110
/// section 14.6): each part with its Content-Type and Content-Range, the
/// boundary from the ETag's MD5, so that the same request gets the same
/// bytes from every replica, and which no byte of the parts can be taken
/// for (a delimiter is CRLF, `--`, the boundary: RFC 2046 section 5.1.1).
fn multipart(
    ranges: &[ByteRange],
    content_type: &str,
    len: u64,
    validators: &Validators,
) -> (String, Vec<Segment>) {
    let boundary = format!("byteranges-{}", validators.md5_hex());
    let mut segments = Vec::with_capacity(ranges.len() * 2 + 1);
    for (index, range) in ranges.iter().enumerate() {
        let before = if index == 0 { "" } else { "\r\n" };
        segments.push(Segment::Framing(format!(
            "{before}--{boundary}\r\nContent-Type: {content_type}\r\n\
             Content-Range: bytes {}-{}/{len}\r\n\r\n",
            range.first, range.last
        )));
        segments.push(Segment::Bytes(*range));
    }
    segments.push(Segment::Framing(format!("\r\n--{boundary}--\r\n")));
    (boundary, segments)
}

/// A page of the site sent as the content of an error status, such as the
/// site's 404 page. RFC 9110 section 13.2.1: a server ignores preconditions
/// when its response would not be 2xx, and Range applies only to a 200
/// (section 14.2), so the page goes out whole, without validators, and not
/// to be stored (`no-store`), as every error response.
fn error_page(status: StatusCode, content_type: &HeaderValue, len: u64) -> ResponsePlan {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, content_type.clone());
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    plan(status, headers, Body::Whole, None)
}

/// A redirect to `location` (RFC 9110 section 15.4): 308 as a directory
/// named without its trailing slash gets, so that the page's relative links
/// resolve inside the directory, or the status of a `_redirects` rule. It is
/// cached as the files are, by `cache_control` (a rule of `_headers` may set
/// another).
fn redirect(
    status: StatusCode,
    location: &HeaderValue,
    cache_control: &HeaderValue,
) -> ResponsePlan {
    let mut plan = text(status, None);
    plan.headers.insert(header::LOCATION, location.clone());
    plan.headers
        .insert(header::CACHE_CONTROL, cache_control.clone());
    plan
}

/// The methods every file and directory of the site allows (RFC 9110
/// section 10.2.1, Allow).
pub const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";

/// 405 Method Not Allowed, with the Allow field RFC 9110 section 15.5.6 requires.
fn method_not_allowed() -> ResponsePlan {
    let mut plan = text(StatusCode::METHOD_NOT_ALLOWED, None);
    plan.headers
        .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
    plan
}

/// 401 Unauthorized with the challenge of the Basic scheme (RFC 9110
/// section 11.6.1, RFC 7617 section 2.1: `charset="UTF-8"`), a short text and
/// no byte of the protected representation; `no-store`, as every error.
fn unauthorized() -> ResponsePlan {
    let mut plan = text(StatusCode::UNAUTHORIZED, None);
    let challenge = format!("Basic realm=\"{REALM}\", charset=\"UTF-8\"");
    plan.headers
        .insert(header::WWW_AUTHENTICATE, header_value(challenge));
    plan
}

/// The answer to OPTIONS (RFC 9110 section 9.3.7) on a path that exists, or
/// on `*`, the server as a whole: 204 with Allow, and no body (a 204 has
/// none, section 15.3.5). Not stored by caches (section 9.3.7: responses to
/// OPTIONS are not cacheable).
fn options() -> ResponsePlan {
    let mut plan = plan(StatusCode::NO_CONTENT, HeaderMap::new(), Body::Empty, None);
    plan.headers
        .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
    plan
}

/// A response whose body is a short text that names the status, such as
/// 400, 404, 412, 416 and 500. It must not be stored by caches as the file.
fn text(status: StatusCode, decided_by: Option<DecidedBy>) -> ResponsePlan {
    let message = status_text(status);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(message.len()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // RFC 9110 section 10.2.3: when to try again.
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    plan(status, headers, Body::Text(message), decided_by)
}

fn status_text(status: StatusCode) -> &'static str {
    match status {
        StatusCode::MOVED_PERMANENTLY => "301 Moved Permanently\n",
        StatusCode::FOUND => "302 Found\n",
        StatusCode::SEE_OTHER => "303 See Other\n",
        StatusCode::TEMPORARY_REDIRECT => "307 Temporary Redirect\n",
        StatusCode::PERMANENT_REDIRECT => "308 Permanent Redirect\n",
        StatusCode::BAD_REQUEST => "400 Bad Request\n",
        StatusCode::UNAUTHORIZED => "401 Unauthorized: this path needs a user name and password\n",
        StatusCode::NOT_FOUND => "404 Not Found\n",
        StatusCode::METHOD_NOT_ALLOWED => {
            "405 Method Not Allowed: this resource allows GET, HEAD, OPTIONS\n"
        }
        StatusCode::PRECONDITION_FAILED => "412 Precondition Failed\n",
        StatusCode::RANGE_NOT_SATISFIABLE => "416 Range Not Satisfiable\n",
        StatusCode::SERVICE_UNAVAILABLE => {
            "503 Service Unavailable: the file is being rewritten; try again\n"
        }
        _ => "500 Internal Server Error: the file could not be read; see the server log\n",
    }
}

/// The validators and Cache-Control of a 200, 206 or 304.
fn insert_validators(
    headers: &mut HeaderMap,
    validators: &Validators,
    cache_control: &HeaderValue,
    now: SystemTime,
) {
    headers.insert(header::ETAG, validators.etag_header());
    if let Some(last_modified) = validators.last_modified_header(now) {
        headers.insert(header::LAST_MODIFIED, last_modified);
    }
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
}

/// Values built here are ASCII digits and ranges, always valid.
fn header_value(value: String) -> HeaderValue {
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn plan(
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    decided_by: Option<DecidedBy>,
) -> ResponsePlan {
    ResponsePlan {
        status,
        headers,
        body,
        decided_by,
    }
}

#[cfg(test)]
mod tests;
