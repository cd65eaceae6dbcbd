//! The benchmark's WASIp3 floor: a fixed 304 (`reply.rs`) sent through the
//! component's own response construction (the `wasip3` crate), so that the
//! component can never be faster than its floor by building its response
//! differently.

mod reply;

use http_caching_server_wasip3::into_wasi_response;
use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

#[spin_sdk::http_service]
async fn handle(_request: Request) -> Result<Response, ErrorCode> {
    into_wasi_response(reply::fixed_304())
}
