//! The Spin entry point (WASIp3 `wasi:http/handler`), built for wasm only:
//! it turns the runtime's request into a [`RequestHead`], asks
//! [`crate::server::handle`] for the reply, logs, and sends it.

use std::cell::RefCell;
use std::io::Write;
use std::time::{Instant, SystemTime};

use spin_sdk::http::Request;
use spin_sdk::wasip3::http::types::{ErrorCode, Fields, Response};
use spin_sdk::wasip3::{wit_future, wit_stream};

use crate::config::Config;
use crate::file_store::FileStore;
use crate::server::{self, Reply, RequestHead};

/// How much of a body is copied out for the runtime at a time.
const BODY_PIECE_BYTES: usize = 64 * 1024;

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

/// Builds the WASI response. Content-Length is in the plan's fields, so the
/// body is never sent chunked. A response without a body (304, 204, HEAD) gets
/// no body stream at all, which saves a stream and a task per response.
fn into_wasi_response(reply: Reply) -> Result<Response, ErrorCode> {
    let fields: Vec<(String, Vec<u8>)> = reply
        .plan
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&fields)
        .map_err(|err| ErrorCode::InternalError(Some(format!("response fields: {err:?}"))))?;
    let (trailers_writer, trailers) = wit_future::new(|| Ok(None));
    let contents = if reply.body.is_empty() {
        // Dropping the writer resolves the trailers to "none".
        drop(trailers_writer);
        None
    } else {
        let (mut writer, contents) = wit_stream::new();
        let body = reply.body;
        spin_sdk::wasip3::spawn(async move {
            // In pieces from the shared snapshot, so that a response never
            // holds a whole copy of a large file.
            for piece in body.chunks(BODY_PIECE_BYTES) {
                if !writer.write_all(piece.to_vec()).await.is_empty() {
                    return; // The client went away.
                }
            }
            drop(writer);
            let _ = trailers_writer.write(Ok(None)).await;
        });
        Some(contents)
    };
    let (response, _sent) = Response::new(fields, contents, trailers);
    response
        .set_status_code(reply.plan.status.as_u16())
        .map_err(|()| ErrorCode::InternalError(Some("status code".to_string())))?;
    Ok(response)
}
