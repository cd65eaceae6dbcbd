//! The Spin entry point (WASIp3 `wasi:http/handler`), built for wasm only
//! and only with the `export` feature (on by default; the benchmark's floor
//! component links the crate without it): it turns the runtime's request into
//! a [`RequestHead`], asks [`crate::server::handle`] for the reply, logs, and
//! sends it.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Instant, SystemTime};

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Response};

use crate::config::Config;
use crate::file_store::FileStore;
use crate::server::{self, RequestHead};
use crate::wasi_response::into_wasi_response;

/// What one component instance keeps between the requests it serves.
struct Instance {
    config: Config,
    store: FileStore,
}

impl Instance {
    fn from_environment() -> Self {
        let (config, problems) = Config::from_lookup(|name| std::env::var(name).ok());
        for problem in problems {
            eprintln!("{problem}");
        }
        let mut store = FileStore::new(
            config.document_root.clone(),
            config.check_interval,
            config.max_file_bytes,
        );
        for problem in store.load_manifest() {
            eprintln!("{problem}");
        }
        Instance { config, store }
    }
}

thread_local! {
    // A wasm instance is single-threaded; the handler never awaits while it
    // holds this borrow.
    static INSTANCE: RefCell<Option<Instance>> = const { RefCell::new(None) };
}

#[spin_sdk::http_service]
async fn handle(request: Request) -> Result<Response, ErrorCode> {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let head = RequestHead {
        method: request.method(),
        path: request.uri().path(),
        headers: request.headers(),
    };
    let (reply, access_log) = INSTANCE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let instance = cell.get_or_insert_with(Instance::from_environment);
        let reply = server::handle(&head, &mut instance.store, &instance.config, now, wall);
        (reply, instance.config.access_log)
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
