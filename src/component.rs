//! The WASIp3 entry point (`wasi:http/handler@0.3.0`, spin-sdk 7), built for
//! wasm only and only with the `export` feature (on by default; the
//! benchmark's floor component links the crate without it): it turns the
//! runtime's request into a [`RequestHead`], has [`instance::answer`] answer
//! and log it, and sends the reply ([`into_wasi_response`]). The WASIp2 entry
//! point is the `http-caching-server-wasip2` crate (`wasip2/`).

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

use crate::instance;
use crate::server::RequestHead;
use crate::wasi_response::into_wasi_response;

#[spin_sdk::http_service]
async fn handle(request: Request) -> Result<Response, ErrorCode> {
    let head = RequestHead {
        method: request.method(),
        path: request.uri().path(),
        query: request.uri().query(),
        authority: request
            .uri()
            .authority()
            .map(|authority| authority.as_str()),
        headers: request.headers(),
    };
    into_wasi_response(instance::answer(&head))
}
