//! The floors' one answer: a fixed 304 with the fields of the component's
//! 304, no file system, no logging. Shared by the WASIp3 floor (`lib.rs`
//! here) and the WASIp2 floor (`bench/floor-wasip2`).

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
