//! The floors' answers, with no file system and no logging: a fixed 304
//! with the fields of the component's 304 to a request with a validator,
//! and a fixed 200 of `$FLOOR_BODY_BYTES` bytes (default 20 KB) sent from
//! memory to any other. Shared by the WASIp3 floor (`lib.rs` here) and the
//! WASIp2 floor (`bench/floor-wasip2`).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_caching_server::date_now_header;
use http_caching_server::{Body, ResponsePlan};
use http_caching_server::{LogLines, Reply, ReplyBody};

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
        body: ReplyBody::empty(),
        log_lines: LogLines::default(),
    }
}

/// The fixed 200: `$FLOOR_BODY_BYTES` bytes (default 20 KB) from memory,
/// with Content-Length, as the component's 200 has. The bytes are made when
/// an instance first sends a 200 and kept for its later ones: no data
/// segment, so that a new instance of the floor costs what it did before it
/// had a 200 (a 1 MiB segment made it slower than the component it is the
/// floor of).
pub fn fixed_200() -> Reply {
    thread_local! {
        static BODY: std::cell::OnceCell<Bytes> = const { std::cell::OnceCell::new() };
    }
    let body = BODY.with(|body| {
        body.get_or_init(|| {
            let len = std::env::var("FLOOR_BODY_BYTES")
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(20 * 1024);
            Bytes::from(vec![b'x'; len])
        })
        .clone()
    });
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
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let body = ReplyBody::Bytes(body);
    Reply {
        plan: ResponsePlan {
            status: StatusCode::OK,
            headers,
            body: Body::Whole,
            decided_by: None,
        },
        body,
        log_lines: LogLines::default(),
    }
}

/// The floor's answer: 304 when the request has a validator, else the
/// fixed 200.
pub fn fixed_reply(has_validator: bool) -> Reply {
    if has_validator {
        fixed_304()
    } else {
        fixed_200()
    }
}
