//! The `wasi:http/handler@0.3.0` export (spin-sdk 7), built for wasm only
//! and only with the `export` feature (on by default; the benchmark's floor
//! component links the crate without it): the request as a `RequestHead`,
//! answered and logged by `instance::handle_with`, sent by
//! [`into_wasi_response`]. With the `spin` feature (the Spin build), the
//! settings also come from Spin variables and the site sits under the
//! route Spin's fields say.

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

use http_caching_server::{RequestHead, Server};

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
        route_from_spin: cfg!(feature = "spin"),
    };
    into_wasi_response(http_caching_server::handle_with(&head, server))
}

/// This instance's server, made on its first request: configured by the
/// environment and, in the Spin build, the component's Spin variables.
fn server() -> Server {
    let config = http_caching_server::configuration(variables());
    #[cfg(feature = "embedded")]
    return http_caching_server::embedded_server(config, http_caching_server_embedded::site());
    #[cfg(not(feature = "embedded"))]
    Server::new(config)
}

/// The component's Spin variables: only the Spin build reads them (its
/// import is one only Spin provides).
fn variables() -> Result<Vec<(String, String)>, String> {
    #[cfg(feature = "spin")]
    return http_caching_server_spin_variables::all();
    #[cfg(not(feature = "spin"))]
    Ok(Vec::new())
}
