//! The benchmark's floor: a fixed 304, no file system, no logging.

use spin_sdk::http::{EmptyBody, Request};

#[spin_sdk::http_service]
async fn handle(_request: Request) -> http::Response<EmptyBody> {
    http::Response::builder()
        .status(304)
        .header("etag", "\"00000000000000000000000000000000\"")
        .header("cache-control", "no-cache")
        .body(EmptyBody::new())
        .unwrap_or_default()
}
