//! The `wasi:http/handler@0.3.0` export (spin-sdk 7), built for wasm only
//! and only with the `export` feature (on by default; the benchmark's floor
//! component links the crate without it): the request as a `RequestHead`,
//! answered and logged by `instance::handle`, sent by [`into_wasi_response`].

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

use http_caching_server::RequestHead;

use crate::response::into_wasi_response;

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
        scheme: request.uri().scheme_str(),
        headers: request.headers(),
    };
    #[cfg(feature = "embedded")]
    let reply = http_caching_server::handle_with(&head, || {
        http_caching_server::embedded_server(http_caching_server_embedded::site())
    });
    #[cfg(not(feature = "embedded"))]
    let reply = http_caching_server::handle(&head);
    into_wasi_response(reply)
}
