//! The Spin entry point (WASIp3 `wasi:http/handler`), built for wasm only:
//! it turns the runtime's request into a [`RequestHead`], asks
//! [`crate::server::handle`] for the reply, logs, and sends it.

use std::cell::RefCell;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use spin_sdk::http::{FullBody, Request};

use crate::config::Config;
use crate::file_store::FileStore;
use crate::server::{self, RequestHead};

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
        let store = FileStore::new(
            config.document_root.clone(),
            config.check_interval,
            config.max_file_bytes,
        );
        Instance { config, store }
    }
}

thread_local! {
    // A wasm instance is single-threaded; the handler never awaits while it
    // holds this borrow.
    static INSTANCE: RefCell<Option<Instance>> = const { RefCell::new(None) };
}

#[spin_sdk::http_service]
async fn handle(request: Request) -> http::Response<FullBody<Bytes>> {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let head = RequestHead {
        method: request.method(),
        path: request.uri().path(),
        headers: request.headers(),
    };
    let reply = INSTANCE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let instance = cell.get_or_insert_with(Instance::from_environment);
        server::handle(&head, &mut instance.store, &instance.config, now, wall)
    });
    if let Some(error) = &reply.error {
        eprintln!("{error}");
    }
    println!("{}", reply.access_log(&head));
    let mut response = http::Response::new(FullBody::new(reply.body));
    *response.status_mut() = reply.plan.status;
    *response.headers_mut() = reply.plan.headers;
    response
}
