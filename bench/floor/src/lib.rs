//! The benchmark's WASIp3 floor: a fixed 304 or 200 (`reply.rs`) sent through the
//! component's own response construction (the `wasip3` crate), so that the
//! component can never be faster than its floor by building its response
//! differently.

mod reply;

use http_caching_server_wasip3::into_wasi_response;
use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

#[spin_sdk::http_service]
async fn handle(request: Request) -> Result<Response, ErrorCode> {
    let headers = request.headers();
    let validator =
        headers.contains_key("if-none-match") || headers.contains_key("if-modified-since");
    into_wasi_response(reply::fixed_reply(validator))
}
