//! One request from start to end, without the runtime: route it, check its
//! method, fetch the file it names, and plan the response. The runtime-specific
//! part (receiving and sending) is in `crate::component`.

use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::access_log::AccessLogLine;
use crate::config::Config;
use crate::file_store::{FileError, FileStore};
use crate::preconditions::is_get_or_head;
use crate::response_plan::{
    Body, Representation, ResponsePlan, method_not_allowed, no_content, plan_representation, text,
};
use crate::routes::{FAVICON_FILE, PAGE_FILE, Route, route};

/// The parts of a request that decide the response.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    pub method: &'a Method,
    /// The path of the request target, without its query.
    pub path: &'a str,
    pub headers: &'a HeaderMap,
}

/// The response to send, and what to log about it.
#[derive(Debug)]
pub struct Reply {
    pub plan: ResponsePlan,
    /// The bytes of the body; empty for HEAD, 204 and 304.
    pub body: Bytes,
    /// A line for the error log, when the file could not be served.
    pub error: Option<String>,
}

impl Reply {
    /// The access-log line of this reply to `request`.
    pub fn access_log<'a>(&'a self, request: &RequestHead<'a>) -> AccessLogLine<'a> {
        AccessLogLine {
            method: request.method.as_str(),
            path: request.path,
            status: self.plan.status.as_u16(),
            bytes: self.body.len(),
            decided_by: self.plan.decided_by,
        }
    }
}

/// Answers one request from the files in `store`.
pub fn handle(
    request: &RequestHead<'_>,
    store: &mut FileStore,
    config: &Config,
    now: Instant,
    wall: SystemTime,
) -> Reply {
    let method = request.method;
    let (file, content_type) = match route(request.path) {
        Route::NotFound => return reply_text(method, StatusCode::NOT_FOUND, wall),
        _ if !is_get_or_head(method) => return reply(method_not_allowed(method, wall)),
        Route::Page => (PAGE_FILE, "text/html; charset=utf-8"),
        Route::Favicon => (FAVICON_FILE, "image/x-icon"),
    };
    let snapshot = match store.get(file, now, wall) {
        Ok(snapshot) => snapshot,
        Err(FileError::NotFound) if file == FAVICON_FILE => return reply(no_content(wall)),
        Err(err) => {
            let status = match err {
                FileError::Unsettled => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut reply = reply_text(method, status, wall);
            let path = store.path_of(file);
            reply.error = Some(format!("error: {}: {err}", path.display()));
            return reply;
        }
    };
    let representation = Representation {
        content_type,
        len: snapshot.content.len() as u64,
        validators: &snapshot.validators,
    };
    let plan = plan_representation(
        method,
        request.headers,
        representation,
        &config.policy,
        wall,
    );
    reply_with(plan, &snapshot.content)
}

fn reply_text(method: &Method, status: StatusCode, wall: SystemTime) -> Reply {
    reply(text(method, status, None, wall))
}

/// A reply whose plan sends no part of a file.
fn reply(plan: ResponsePlan) -> Reply {
    reply_with(plan, &Bytes::new())
}

/// The reply that sends what `plan` says, taking file bytes from `content`.
fn reply_with(plan: ResponsePlan, content: &Bytes) -> Reply {
    let body = match plan.body {
        Body::Whole => content.clone(),
        Body::Part(range) => content.slice(range.first as usize..=range.last as usize),
        Body::Text(text) => Bytes::from_static(text.as_bytes()),
        Body::Empty => Bytes::new(),
    };
    Reply {
        plan,
        body,
        error: None,
    }
}
