//! A `Reply` as a `wasi:http/types@0.2.0` outgoing response, its body
//! written with back-pressure, a piece at a time.

use http_caching_server::{PIECE_BYTES, Reply};
use wasi::http::types::{Fields, OutgoingBody, OutgoingResponse, ResponseOutparam};
use wasi::io::poll::Pollable;
use wasi::io::streams::{OutputStream, StreamError};

/// Sends `reply`: status and fields (Content-Length among them, so the body
/// is never chunked), then the body in pieces as the host accepts them. A
/// body that cannot be sent whole (a large file rewritten while it is sent)
/// is dropped unfinished after the line for the log: the host ends the
/// response before Content-Length is reached.
pub fn send(reply: Reply, response_out: ResponseOutparam) {
    let response = match Fields::from_list(&reply.field_list()) {
        Ok(fields) => OutgoingResponse::new(fields),
        Err(err) => {
            eprintln!("error: response fields: {err:?}");
            OutgoingResponse::new(Fields::new())
        }
    };
    let _ = response.set_status_code(reply.plan.status.as_u16());
    let Ok(body) = response.body() else {
        return;
    };
    // The first piece is read (from the file, for a large one) before the
    // head is handed over, so that the host sends both together: a head
    // sent alone leaves a small body behind it waiting, by Nagle's
    // algorithm, for the client's delayed ACK (40 ms a range under Spin on
    // a reused connection).
    let empty = reply.body.is_empty();
    let mut pieces = reply.body.pieces();
    let first = pieces.next();
    ResponseOutparam::set(response_out, Ok(response));
    if !empty {
        let Ok(stream) = body.write() else {
            return;
        };
        // One pollable for the whole body, not one per piece.
        let pollable = stream.subscribe();
        for piece in first.into_iter().chain(pieces) {
            let piece = match piece {
                Ok(piece) => piece,
                Err(cut_short) => {
                    eprintln!("{cut_short}");
                    return; // Unfinished: the response ends short.
                }
            };
            if write_all(&stream, &pollable, &piece).is_err() {
                return; // The client went away: nothing more to send.
            }
        }
        if flush(&stream, &pollable).is_err() {
            return;
        }
    }
    let _ = OutgoingBody::finish(body, None);
}

/// Writes `bytes` with back-pressure: as much as `check-write` permits at a
/// time (at most [`PIECE_BYTES`]), waiting on the stream's pollable when it
/// permits nothing. Memory stays one piece whatever the client's speed.
fn write_all(
    stream: &OutputStream,
    pollable: &Pollable,
    mut bytes: &[u8],
) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let permitted = stream.check_write()? as usize;
        if permitted == 0 {
            pollable.block();
            continue;
        }
        let (piece, rest) = bytes.split_at(permitted.min(PIECE_BYTES).min(bytes.len()));
        stream.write(piece)?;
        bytes = rest;
    }
    Ok(())
}

/// Flushes what was written and waits for the flush.
fn flush(stream: &OutputStream, pollable: &Pollable) -> Result<(), StreamError> {
    stream.flush()?;
    pollable.block();
    stream.check_write().map(|_| ())
}
