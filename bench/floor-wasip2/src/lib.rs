//! The benchmark's WASIp2 floor: the fixed 304 or 200 of `bench/floor`, exported as
//! `wasi:http/incoming-handler@0.2.0` and sent through the WASIp2 entry's
//! own `send`, so that the two can only differ by what the component does
//! before it sends.

#[path = "../../floor/src/reply.rs"]
mod reply;

use wasi::http::types::{IncomingRequest, ResponseOutparam};

struct Floor;

impl wasi::exports::http::incoming_handler::Guest for Floor {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = request.headers();
        let validator = headers.has(&"if-none-match".to_string())
            || headers.has(&"if-modified-since".to_string());
        http_caching_server_wasip2::send(reply::fixed_reply(validator), response_out);
    }
}

wasi::http::proxy::export!(Floor);
