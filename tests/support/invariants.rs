//! What every planned response must satisfy, whatever the request said.
//! Shared by the property tests and the fuzz target, so both check the same
//! rules (RFC 9110 sections 8.6, 13.2.2, 14, 15).

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use http_caching_server::{Body, ResponsePlan, Segment};

/// The precondition and range fields a request can carry.
pub const FIELDS: [HeaderName; 6] = [
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
    header::RANGE,
    header::IF_RANGE,
];

/// Builds a request from fuzz bytes: the first byte picks the method, the
/// rest is split at 0x00 into field values, which go to the fields in turn
/// (so fields repeat when there are more than six values). Bytes a field value
/// cannot hold (controls other than tab) are dropped.
pub fn request_from_bytes(data: &[u8]) -> (Method, HeaderMap) {
    let method = match data.first().map_or(0, |b| b % 4) {
        0 | 1 => Method::GET,
        2 => Method::HEAD,
        _ => Method::POST,
    };
    let mut headers = HeaderMap::new();
    let values = data.get(1..).unwrap_or_default().split(|&b| b == 0);
    for (i, value) in values.enumerate().take(24) {
        let value: Vec<u8> = value
            .iter()
            .copied()
            .filter(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
            .collect();
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            headers.append(FIELDS[i % FIELDS.len()].clone(), value);
        }
    }
    (method, headers)
}

/// Checks a planned response to `method` with `request` fields for a
/// representation of `len` bytes whose strong ETag is `etag`.
pub fn check_plan(
    method: &Method,
    request: &HeaderMap,
    len: u64,
    etag: &str,
    plan: &ResponsePlan,
) -> Result<(), String> {
    let has = |name: &HeaderName| request.contains_key(name);
    let field = |name: header::HeaderName| plan.headers.get(name).and_then(|v| v.to_str().ok());
    let get_or_head = method == Method::GET || method == Method::HEAD;
    let status = plan.status;
    // Which statuses this request may get at all.
    let allowed = match status {
        StatusCode::OK => true,
        StatusCode::NOT_MODIFIED => {
            get_or_head && (has(&header::IF_NONE_MATCH) || has(&header::IF_MODIFIED_SINCE))
        }
        StatusCode::PRECONDITION_FAILED => {
            has(&header::IF_MATCH)
                || has(&header::IF_UNMODIFIED_SINCE)
                || (!get_or_head && has(&header::IF_NONE_MATCH))
        }
        StatusCode::PARTIAL_CONTENT | StatusCode::RANGE_NOT_SATISFIABLE => {
            method == Method::GET && has(&header::RANGE)
        }
        _ => false,
    };
    if !allowed {
        return Err(format!(
            "{status} is not a possible answer to {method} {request:?}"
        ));
    }
    // Framing: Content-Length matches what is (or, for HEAD, would be) sent.
    let length = field(header::CONTENT_LENGTH).map(|v| v.parse::<u64>().ok());
    let expected = match &plan.body {
        Body::Whole => Some(len),
        Body::Multipart(segments) => {
            // RFC 9110 section 14.6: several parts, none overlapping, each
            // within the representation; the boundary in the Content-Type,
            // no Content-Range of the whole.
            let parts: Vec<_> = segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Bytes(range) => Some(*range),
                    Segment::Framing(_) => None,
                })
                .collect();
            if parts.len() < 2 || parts.iter().any(|r| r.first > r.last || r.last >= len) {
                return Err(format!("multipart parts {parts:?} of {len} bytes"));
            }
            let overlap = parts.iter().enumerate().any(|(i, a)| {
                parts[i + 1..]
                    .iter()
                    .any(|b| a.first <= b.last && b.first <= a.last)
            });
            let boundary = field(header::CONTENT_TYPE)
                .and_then(|t| t.strip_prefix("multipart/byteranges; boundary="));
            if overlap || boundary.is_none() || field(header::CONTENT_RANGE).is_some() {
                return Err(format!(
                    "multipart parts {parts:?}, type {:?}",
                    field(header::CONTENT_TYPE)
                ));
            }
            Some(segments.iter().map(Segment::byte_len).sum())
        }
        Body::Part(range) => {
            if range.first > range.last || range.last >= len {
                return Err(format!("range {range:?} outside {len} bytes"));
            }
            let content_range = format!("bytes {}-{}/{len}", range.first, range.last);
            if field(header::CONTENT_RANGE) != Some(content_range.as_str()) {
                return Err(format!("Content-Range {:?}", field(header::CONTENT_RANGE)));
            }
            Some(range.length())
        }
        Body::Text(text) => Some(text.len() as u64),
        Body::Empty => None,
    };
    match (status, method == Method::HEAD) {
        (StatusCode::NOT_MODIFIED, _) => {
            if length.is_some() || plan.body != Body::Empty {
                return Err("a 304 with a body or Content-Length".to_string());
            }
            if field(header::ETAG) != Some(etag) {
                return Err("a 304 without the current ETag".to_string());
            }
        }
        (_, true) => {
            if plan.body != Body::Empty {
                return Err("a body in a response to HEAD".to_string());
            }
            if length.is_none() {
                return Err("HEAD without Content-Length".to_string());
            }
        }
        (_, false) => {
            if length != Some(expected) {
                return Err(format!("Content-Length {length:?}, body {expected:?}"));
            }
        }
    }
    if matches!(status, StatusCode::OK | StatusCode::PARTIAL_CONTENT)
        && field(header::ETAG) != Some(etag)
    {
        return Err("a 200 or 206 without the ETag".to_string());
    }
    if status == StatusCode::RANGE_NOT_SATISFIABLE
        && field(header::CONTENT_RANGE) != Some(format!("bytes */{len}").as_str())
    {
        return Err("a 416 without Content-Range: bytes */length".to_string());
    }
    Ok(())
}
