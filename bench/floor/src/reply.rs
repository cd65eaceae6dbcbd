//! The floors' answers, with no file system and no logging: a fixed 304
//! with the fields of the component's 304 to a request with a validator,
//! and a fixed 200 of `$FLOOR_BODY_BYTES` bytes (default 20 KB) sent from
//! memory to any other. Shared by the WASIp3 floor (`lib.rs` here) and the
//! WASIp2 floor (`bench/floor-wasip2`).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_caching_server::response_plan::{Body, ResponsePlan};
use http_caching_server::server::Reply;
use http_caching_server::validators::date_now_header;

pub fn fixed_304() -> Reply {
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date_now_header(std::time::SystemTime::now()));
    headers.insert(
        header::ETAG,
        HeaderValue::from_static("\"00000000000000000000000000000000\""),
    );
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_static("Sun, 13 Sep 2020 12:26:40 GMT"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Reply {
        plan: ResponsePlan {
            status: StatusCode::NOT_MODIFIED,
            headers,
            body: Body::Empty,
            decided_by: None,
        },
        body: Bytes::new(),
        error: None,
    }
}

/// The most bytes a fixed 200 sends: the benchmark's largest file.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The bytes of every fixed 200: a data segment, mapped copy-on-write.
static BODY: [u8; MAX_BODY_BYTES] = [b'x'; MAX_BODY_BYTES];

/// The fixed 200: `$FLOOR_BODY_BYTES` bytes (at most 1 MiB; default 20 KB)
/// from memory, with Content-Length, as the component's 200 has.
pub fn fixed_200() -> Reply {
    let len = std::env::var("FLOOR_BODY_BYTES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(20 * 1024)
        .min(MAX_BODY_BYTES);
    let mut headers = HeaderMap::new();
    headers.insert(header::DATE, date_now_header(std::time::SystemTime::now()));
    headers.insert(
        header::ETAG,
        HeaderValue::from_static("\"00000000000000000000000000000000\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    Reply {
        plan: ResponsePlan {
            status: StatusCode::OK,
            headers,
            body: Body::Whole,
            decided_by: None,
        },
        body: Bytes::from_static(&BODY[..len]),
        error: None,
    }
}

/// The floor's answer: 304 when the request has a validator, else the
/// fixed 200.
pub fn answer(has_validator: bool) -> Reply {
    if has_validator {
        fixed_304()
    } else {
        fixed_200()
    }
}
