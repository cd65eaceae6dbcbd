//! The Spin entry point (WASIp3 `wasi:http/handler`), built for wasm only
//! and only with the `export` feature (on by default; the benchmark's floor
//! component links the crate without it): it turns the runtime's request into
//! a [`RequestHead`], asks the instance's [`Server`] for the reply, logs, and
//! sends it.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Instant, SystemTime};

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

use crate::config::Config;
use crate::server::{RequestHead, Server};
use crate::wasi_response::into_wasi_response;

fn server_from_environment() -> Server {
    let (config, problems) = Config::from_lookup(|name| std::env::var(name).ok());
    let (server, manifest_problems) = Server::new(config);
    for problem in problems.into_iter().chain(manifest_problems) {
        eprintln!("{problem}");
    }
    server
}

thread_local! {
    // What one component instance keeps between the requests it serves. A
    // wasm instance is single-threaded; the handler never awaits while it
    // holds this borrow.
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

#[spin_sdk::http_service]
async fn handle(request: Request) -> Result<Response, ErrorCode> {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let head = RequestHead {
        method: request.method(),
        path: request.uri().path(),
        query: request.uri().query(),
        headers: request.headers(),
    };
    let (reply, access_log) = SERVER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let server = cell.get_or_insert_with(server_from_environment);
        let reply = server.handle(&head, now, wall);
        (reply, server.config().access_log)
    });
    if let Some(error) = &reply.error {
        eprintln!("{error}");
    }
    if access_log {
        // One write per line, so that lines of concurrent requests never mix.
        let line = format!("{}\n", reply.access_log(&head));
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
    into_wasi_response(reply)
}
