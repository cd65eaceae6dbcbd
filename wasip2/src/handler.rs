//! The `wasi:http/incoming-handler@0.2.0` export: the request as a
//! `RequestHead`, answered by `instance::handle_with`, sent by
//! [`crate::send`]. With the `spin` feature (the Spin build), the settings
//! also come from Spin variables and the site sits under the route Spin's
//! fields say.

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_caching_server::{RequestHead, Server};
use wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam, Scheme};

struct Component;

impl wasi::exports::http::incoming_handler::Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let method = method_of(&request.method());
        let target = request.path_with_query().unwrap_or_default();
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target.as_str(), None),
        };
        let headers = header_map(request.headers().entries());
        let authority = request.authority();
        let scheme = match request.scheme() {
            Some(Scheme::Http) => Some("http"),
            Some(Scheme::Https) => Some("https"),
            Some(Scheme::Other(_)) | None => None,
        };
        let head = RequestHead {
            method: &method,
            path,
            query,
            authority: authority.as_deref(),
            scheme,
            headers: &headers,
            route_from_spin: cfg!(feature = "spin"),
        };
        crate::send(
            http_caching_server::handle_with(&head, server),
            response_out,
        );
    }
}

wasi::http::proxy::export!(Component);

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

fn method_of(method: &WasiMethod) -> Method {
    match method {
        WasiMethod::Get => Method::GET,
        WasiMethod::Head => Method::HEAD,
        WasiMethod::Post => Method::POST,
        WasiMethod::Put => Method::PUT,
        WasiMethod::Delete => Method::DELETE,
        WasiMethod::Connect => Method::CONNECT,
        WasiMethod::Options => Method::OPTIONS,
        WasiMethod::Trace => Method::TRACE,
        WasiMethod::Patch => Method::PATCH,
        // A method the host passed on is a valid token; if not, it is
        // answered as an unknown method (405).
        WasiMethod::Other(name) => Method::from_bytes(name.as_bytes())
            .or_else(|_| Method::from_bytes(b"INVALID"))
            .unwrap_or(Method::OPTIONS),
    }
}

/// The request's fields; a name or value the `http` crate refuses is left
/// out (the runtime's HTTP layer has refused those already).
fn header_map(entries: Vec<(String, Vec<u8>)>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in entries {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    headers
}
