//! Fuzzes the HTTP decision with arbitrary method and precondition/range
//! fields, checking the same invariants as tests/in_process/properties.rs.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use http_caching_server::Validators;
use http_caching_server::{Outcome, Representation, ResponsePolicy, decide};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/invariants.rs"]
mod invariants;

const CONTENT: &[u8] = b"the page of the fuzz target";

fuzz_target!(|data: &[u8]| {
    let (method, request) = invariants::request_from_bytes(data);
    let modified = UNIX_EPOCH + Duration::from_secs(784_111_777);
    let validators = Validators::of_content(CONTENT, Some(modified));
    let outcome = Outcome::Representation(Representation {
        content_type: HeaderValue::from_static("text/html; charset=utf-8"),
        content_encoding: None,
        len: CONTENT.len() as u64,
        validators: validators.clone(),
        cache_control: HeaderValue::from_static("no-cache"),
    });
    let now = modified + Duration::from_secs(86_400);
    let policy = ResponsePolicy::default();
    let plan = decide(
        &method,
        &request,
        &outcome,
        None,
        &HeaderMap::new(),
        &policy,
        now,
    );
    if let Err(problem) = invariants::check_plan(
        &method,
        &request,
        CONTENT.len() as u64,
        validators.etag(),
        &plan,
    ) {
        panic!("{problem}: {method} {request:?} -> {plan:?}");
    }
});
