//! Conditional requests: one function per precondition field, and
//! [`evaluate_preconditions`], which applies them in the order of
//! RFC 9110 section 13.2.2.

use std::time::SystemTime;

use http::{HeaderMap, Method, header};

use crate::decision::validators::{EntityTag, EntityTagList, Validators, parse_http_date};

/// What one precondition field says about the selected representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// The field is absent, or RFC 9110 says to ignore it here.
    Absent,
    True,
    False,
}

/// The precondition field that decided a 304 or a 412.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::enum_variant_names,
    reason = "the fields' own names, RFC 9110 section 13.1"
)]
pub enum DecidedBy {
    IfMatch,
    IfUnmodifiedSince,
    IfNoneMatch,
    IfModifiedSince,
}

impl DecidedBy {
    /// The field name, as the access log shows it.
    pub fn field_name(self) -> &'static str {
        match self {
            DecidedBy::IfMatch => "if-match",
            DecidedBy::IfUnmodifiedSince => "if-unmodified-since",
            DecidedBy::IfNoneMatch => "if-none-match",
            DecidedBy::IfModifiedSince => "if-modified-since",
        }
    }
}

/// The result of evaluating all preconditions of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Perform the method: send the representation (or a part of it).
    Passed,
    /// 304 Not Modified (RFC 9110 section 15.4.5).
    NotModified(DecidedBy),
    /// 412 Precondition Failed (RFC 9110 section 15.5.13).
    Failed(DecidedBy),
}

/// Evaluates the precondition fields of a request in the order of
/// RFC 9110 section 13.2.2. `now` is the origin's clock: dates later than it
/// are not trusted.
pub fn evaluate_preconditions(
    method: &Method,
    headers: &HeaderMap,
    validators: &Validators,
    now: SystemTime,
) -> Precondition {
    // Step 1: If-Match; step 2: If-Unmodified-Since only when If-Match is absent.
    match if_match(headers, validators) {
        Condition::False => return Precondition::Failed(DecidedBy::IfMatch),
        Condition::True => {}
        Condition::Absent => {
            if if_unmodified_since(headers, validators, now) == Condition::False {
                return Precondition::Failed(DecidedBy::IfUnmodifiedSince);
            }
        }
    }
    // Step 3: If-None-Match; step 4: If-Modified-Since only when If-None-Match
    // is absent. For GET and HEAD a false condition is a 304, otherwise a 412.
    let (condition, field) = match if_none_match(headers, validators) {
        Condition::Absent => (
            if_modified_since(method, headers, validators, now),
            DecidedBy::IfModifiedSince,
        ),
        inm => (inm, DecidedBy::IfNoneMatch),
    };
    if condition == Condition::False {
        return if is_get_or_head(method) {
            Precondition::NotModified(field)
        } else {
            Precondition::Failed(field)
        };
    }
    // Step 5 (Range with If-Range) is in `crate::decision::range`, as it only selects
    // which part of the representation is sent.
    Precondition::Passed
}

/// If-Match, RFC 9110 section 13.1.1: true when the field is `*` or any listed
/// tag matches by strong comparison. A value that does not parse cannot be
/// shown to match, so it is false: the client asked for a guard we cannot confirm.
pub fn if_match(headers: &HeaderMap, validators: &Validators) -> Condition {
    match entity_tag_lists(headers, header::IF_MATCH) {
        None => Condition::Absent,
        Some(Err(_)) => Condition::False,
        Some(Ok(lists)) => condition(
            lists
                .iter()
                .any(|list| list.any(validators.etag(), EntityTag::strong_eq)),
        ),
    }
}

/// If-None-Match, RFC 9110 section 13.1.2: false when the field is `*` or any
/// listed tag matches by weak comparison. A value that does not parse is
/// ignored as if absent, so that If-Modified-Since can still apply.
pub fn if_none_match(headers: &HeaderMap, validators: &Validators) -> Condition {
    match entity_tag_lists(headers, header::IF_NONE_MATCH) {
        None | Some(Err(_)) => Condition::Absent,
        Some(Ok(lists)) => condition(
            !lists
                .iter()
                .any(|list| list.any(validators.etag(), EntityTag::weak_eq)),
        ),
    }
}

/// If-Modified-Since, RFC 9110 section 13.1.3: false when the representation
/// was not modified after the given date, compared in whole seconds.
/// Ignored for methods other than GET and HEAD, for a value that is not one
/// valid HTTP-date (a list or a repeated field included), for a date later than
/// `now` (it cannot come from an earlier response of this origin), and when
/// the representation has no modification date.
pub fn if_modified_since(
    method: &Method,
    headers: &HeaderMap,
    validators: &Validators,
    now: SystemTime,
) -> Condition {
    if !is_get_or_head(method) {
        return Condition::Absent;
    }
    let (Some(since), Some(modified)) = (
        single_date(headers, header::IF_MODIFIED_SINCE),
        validators.last_modified_at(now),
    ) else {
        return Condition::Absent;
    };
    let now_secs = crate::decision::validators::whole_seconds(now).unwrap_or(0);
    if since > now_secs {
        return Condition::Absent;
    }
    condition(modified > since)
}

/// If-Unmodified-Since, RFC 9110 section 13.1.4: true when the representation
/// was not modified after the given date. Ignored for a value that is not one
/// valid HTTP-date, and when the representation has no modification date.
pub fn if_unmodified_since(
    headers: &HeaderMap,
    validators: &Validators,
    now: SystemTime,
) -> Condition {
    match (
        single_date(headers, header::IF_UNMODIFIED_SINCE),
        validators.last_modified_at(now),
    ) {
        (Some(since), Some(modified)) => condition(modified <= since),
        _ => Condition::Absent,
    }
}

fn condition(value: bool) -> Condition {
    if value {
        Condition::True
    } else {
        Condition::False
    }
}

pub(crate) fn is_get_or_head(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// All field lines of a list-based field, each parsed (RFC 9110 section 5.3:
/// several lines are one comma-separated list). None when the field is absent
/// or every line is empty, which is treated as absent, as Go's net/http does.
fn entity_tag_lists(
    headers: &HeaderMap,
    name: header::HeaderName,
) -> Option<Result<Vec<EntityTagList<'_>>, crate::decision::validators::Malformed>> {
    let lines: Vec<&[u8]> = headers
        .get_all(name)
        .iter()
        .map(|v| v.as_bytes())
        .filter(|v| v.iter().any(|b| !b.is_ascii_whitespace()))
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(lines.into_iter().map(EntityTagList::parse).collect())
}

/// The one HTTP-date of a singleton date field, in whole seconds; None when it
/// is absent, repeated, or not a valid date.
pub(crate) fn single_date(headers: &HeaderMap, name: header::HeaderName) -> Option<u64> {
    let mut lines = headers.get_all(name).iter();
    let first = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    parse_http_date(first.as_bytes())
}
