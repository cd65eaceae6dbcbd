//! The benchmark's floor: a fixed 304 with the fields of the component's
//! 304, no file system, no logging, sent through the component's own
//! response construction (`wasi_response`), so that the component can never
//! be faster than its floor by building its response differently.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_caching_server::response_plan::{Body, ResponsePlan};
use http_caching_server::server::Reply;
use http_caching_server::validators::date_now_header;
use http_caching_server::wasi_response::into_wasi_response;
use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

#[spin_sdk::http_service]
async fn handle(_request: Request) -> Result<Response, ErrorCode> {
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
    into_wasi_response(Reply {
        plan: ResponsePlan {
            status: StatusCode::NOT_MODIFIED,
            headers,
            body: Body::Empty,
            decided_by: None,
        },
        body: Bytes::new(),
        error: None,
    })
}
