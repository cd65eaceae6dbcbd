//! The pure HTTP decision: given the request's method and fields and what the
//! component has to offer, which status, header fields and body to send.
//! No I/O happens here; `crate::server` feeds it and the entry crates send it.

use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use crate::preconditions::{DecidedBy, Precondition, evaluate_preconditions};
use crate::range::{ByteRange, RangeDecision, decide_range};
use crate::validators::{Validators, date_now_header};

/// A representation the component can send: its type, coding, length and
/// validators, and the request fields that selected it.
#[derive(Debug, Clone, Copy)]
pub struct Representation<'a> {
    pub content_type: &'a HeaderValue,
    /// The content coding of the bytes (`br`, `gzip`) of a precompressed
    /// variant; None for the file as it is.
    pub content_encoding: Option<&'static str>,
    /// Vary (RFC 9110 section 12.5.5): the request fields whose values chose
    /// this representation among others, sent with every response to it.
    pub vary: Option<&'a HeaderValue>,
    pub len: u64,
    pub validators: &'a Validators,
}

/// The response fields that come from configuration.
#[derive(Debug, Clone)]
pub struct ResponsePolicy {
    /// Cache-Control of 200, 206 and 304 responses (RFC 9111 section 5.2).
    pub cache_control: HeaderValue,
    /// Whether Last-Modified is sent and If-Modified-Since honoured.
    pub last_modified: bool,
}

impl Default for ResponsePolicy {
    fn default() -> Self {
        ResponsePolicy {
            cache_control: HeaderValue::from_static("no-cache"),
            last_modified: true,
        }
    }
}

/// What goes in the body of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Nothing: 204, 304, and every response to HEAD.
    Empty,
    /// These bytes of the representation.
    Part(ByteRange),
    /// The whole representation.
    Whole,
    /// A short fixed text, for errors.
    Text(&'static str),
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
pub fn plan_representation(
    method: &Method,
    request: &HeaderMap,
    representation: Representation<'_>,
    policy: &ResponsePolicy,
    now: SystemTime,
) -> ResponsePlan {
    let without_date;
    let validators = if policy.last_modified {
        representation.validators
    } else {
        without_date = representation.validators.without_date();
        &without_date
    };
    let mut headers = HeaderMap::new();
    // RFC 9110 section 6.6.1: an origin server with a clock sends Date.
    headers.insert(header::DATE, date_now_header(now));
    match evaluate_preconditions(method, request, validators, now) {
        Precondition::NotModified(field) => {
            // RFC 9110 section 15.4.5: a 304 carries the fields a 200 would have
            // had for caching (ETag, Cache-Control, Date) and no body, and so
            // no Content-Length or Content-Type. Last-Modified is kept too: under
            // Spin it changes with each start while the ETag does not, and a
            // cache freshens its stored copy from it (RFC 9111 section 4.3.4).
            // A 304 carries Vary too (section 15.4.5), but not
            // Content-Encoding, which describes a body.
            insert_validators(&mut headers, validators, policy, now);
            insert_vary(&mut headers, representation.vary);
            return plan(StatusCode::NOT_MODIFIED, headers, Body::Empty, Some(field));
        }
        Precondition::Failed(field) => {
            let mut plan = text(method, StatusCode::PRECONDITION_FAILED, Some(field), now);
            insert_vary(&mut plan.headers, representation.vary);
            return plan;
        }
        Precondition::Passed => {}
    }
    insert_validators(&mut headers, validators, policy, now);
    insert_vary(&mut headers, representation.vary);
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
        RangeDecision::Unsatisfiable => {
            // RFC 9110 section 15.5.17: a 416 to a byte range states the
            // current length as `bytes */length`.
            let mut plan = text(method, StatusCode::RANGE_NOT_SATISFIABLE, None, now);
            let content_range = header_value(format!("bytes */{len}"));
            plan.headers.insert(header::CONTENT_RANGE, content_range);
            insert_vary(&mut plan.headers, representation.vary);
            return plan;
        }
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    plan(status, headers, body_for(method, body), None)
}

/// A page of the site sent as the content of an error status, such as the
/// site's 404 page. RFC 9110 section 13.2.1: a server ignores preconditions
/// when its response would not be 2xx, and Range applies only to a 200
/// (section 14.2), so the page goes out whole, without validators, and not
/// to be stored (`no-store`), as every error response.
pub fn error_page(
    method: &Method,
    status: StatusCode,
    content_type: &HeaderValue,
    len: u64,
    now: SystemTime,
) -> ResponsePlan {
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date_now_header(now));
    headers.insert(header::CONTENT_TYPE, content_type.clone());
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    plan(status, headers, body_for(method, Body::Whole), None)
}

/// 308 Permanent Redirect to `location` (RFC 9110 section 15.4.9), as a
/// directory named without its trailing slash gets, so that the page's
/// relative links resolve inside the directory. It is cached as the files
/// are, by `cache_control`.
pub fn redirect(
    method: &Method,
    location: HeaderValue,
    cache_control: &HeaderValue,
    now: SystemTime,
) -> ResponsePlan {
    let mut plan = text(method, StatusCode::PERMANENT_REDIRECT, None, now);
    plan.headers.insert(header::LOCATION, location);
    plan.headers
        .insert(header::CACHE_CONTROL, cache_control.clone());
    plan
}

/// 204 No Content (RFC 9110 section 15.3.5), as sent for an absent favicon.
pub fn no_content(now: SystemTime) -> ResponsePlan {
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date_now_header(now));
    plan(StatusCode::NO_CONTENT, headers, Body::Empty, None)
}

/// The methods every file and directory of the site allows (RFC 9110
/// section 10.2.1, Allow).
pub const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";

/// 405 Method Not Allowed, with the Allow field RFC 9110 section 15.5.6 requires.
pub fn method_not_allowed(method: &Method, now: SystemTime) -> ResponsePlan {
    let mut plan = text(method, StatusCode::METHOD_NOT_ALLOWED, None, now);
    plan.headers
        .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
    plan
}

/// The answer to OPTIONS (RFC 9110 section 9.3.7) on a path that exists, or
/// on `*`, the server as a whole: 204 with Allow, and no body (a 204 has
/// none, section 15.3.5). Not stored by caches (section 9.3.7: responses to
/// OPTIONS are not cacheable).
pub fn options(now: SystemTime) -> ResponsePlan {
    let mut plan = no_content(now);
    plan.headers
        .insert(header::ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
    plan
}

/// A response whose body is a short text that names the status, such as
/// 400, 404, 412, 416 and 500. It must not be stored by caches as the file.
pub fn text(
    method: &Method,
    status: StatusCode,
    decided_by: Option<DecidedBy>,
    now: SystemTime,
) -> ResponsePlan {
    let message = status_text(status);
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date_now_header(now));
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
    plan(
        status,
        headers,
        body_for(method, Body::Text(message)),
        decided_by,
    )
}

fn status_text(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PERMANENT_REDIRECT => "308 Permanent Redirect\n",
        StatusCode::BAD_REQUEST => "400 Bad Request\n",
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

/// RFC 9110 section 9.3.2: HEAD gets the same header fields as GET, Content-Length
/// included, and no body.
fn body_for(method: &Method, body: Body) -> Body {
    if method == Method::HEAD {
        Body::Empty
    } else {
        body
    }
}

fn insert_validators(
    headers: &mut HeaderMap,
    validators: &Validators,
    policy: &ResponsePolicy,
    now: SystemTime,
) {
    headers.insert(header::ETAG, validators.etag_header());
    if let Some(last_modified) = validators.last_modified_header(now) {
        headers.insert(header::LAST_MODIFIED, last_modified);
    }
    headers.insert(header::CACHE_CONTROL, policy.cache_control.clone());
}

fn insert_vary(headers: &mut HeaderMap, vary: Option<&HeaderValue>) {
    if let Some(vary) = vary {
        headers.insert(header::VARY, vary.clone());
    }
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
#[path = "response_plan_tests.rs"]
mod tests;
