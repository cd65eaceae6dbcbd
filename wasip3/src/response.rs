//! Turning a [`Reply`] into a WASIp3 response, built for wasm only. The
//! component sends every reply through here, and so does the benchmark's
//! floor component, so that the two build responses the same way.

use spin_sdk::wasip3::http::types::{ErrorCode, Fields, Response};
use spin_sdk::wasip3::{wit_future, wit_stream};

use http_caching_server::Reply;

/// Builds the WASI response. Content-Length is in the plan's fields, so the
/// body is never sent chunked. A response without a body (304, 204, HEAD) gets
/// no body stream at all, which saves a stream and a task per response. A
/// body that cannot be sent whole (a large file rewritten while it is sent)
/// ends with an error in place of the trailers, after the line for the log:
/// the runtime closes the connection before Content-Length is reached.
pub fn into_wasi_response(reply: Reply) -> Result<Response, ErrorCode> {
    let fields = Fields::from_list(&reply.field_list())
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
            // In pieces, from the shared snapshot or read from the file as
            // they go, so that a response never holds a whole large file.
            for piece in body.pieces() {
                match piece {
                    Ok(piece) => {
                        if !writer.write_all(Vec::from(piece)).await.is_empty() {
                            return; // The client went away.
                        }
                    }
                    Err(cut_short) => {
                        eprintln!("{cut_short}");
                        drop(writer);
                        let error = ErrorCode::InternalError(Some(cut_short.to_string()));
                        let _ = trailers_writer.write(Err(error)).await;
                        return;
                    }
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
