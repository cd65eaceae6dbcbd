//! The HTTP decision, table-driven: every precondition field, their
//! combinations and order, malformed values, HEAD and ranges. No I/O.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

use super::*;
use crate::decision::preconditions::DecidedBy::{self, *};

const ETAG: &str = "\"0123456789abcdef0123456789abcdef\"";
const WEAK_ETAG: &str = "W/\"0123456789abcdef0123456789abcdef\"";
const OTHER_ETAG: &str = "\"ffffffffffffffffffffffffffffffff\"";
const LEN: u64 = 1000;
/// The file's time: Sun, 06 Nov 1994 08:49:37 GMT, plus half a second.
const MODIFIED_SECS: u64 = 784_111_777;
const LM: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
const LM_RFC850: &str = "Sunday, 06-Nov-94 08:49:37 GMT";
const LM_ASCTIME: &str = "Sun Nov  6 08:49:37 1994";
const BEFORE_LM: &str = "Sun, 06 Nov 1994 08:49:36 GMT";
const AFTER_LM: &str = "Mon, 07 Nov 1994 08:49:37 GMT";
/// Later than `now` (one day after the file's time).
const FUTURE: &str = "Fri, 01 Jan 2100 00:00:00 GMT";

fn validators() -> Validators {
    Validators::new(
        ETAG.to_string(),
        Some(UNIX_EPOCH + Duration::from_millis(MODIFIED_SECS * 1000 + 500)),
    )
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(MODIFIED_SECS + 86_400 * 2)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Whole,
    Part(u64, u64),
    /// A multipart/byteranges body of these parts, in this order.
    Parts(&'static [(u64, u64)]),
    NoBody,
    Text,
}

struct Case {
    name: &'static str,
    method: Method,
    fields: Fields,
    status: u16,
    decided_by: Option<DecidedBy>,
    body: Expect,
}

fn case(
    name: &'static str,
    method: Method,
    fields: Fields,
    status: u16,
    decided_by: Option<DecidedBy>,
    body: Expect,
) -> Case {
    Case {
        name,
        method,
        fields,
        status,
        decided_by,
        body,
    }
}

fn get(
    name: &'static str,
    fields: Fields,
    status: u16,
    decided_by: Option<DecidedBy>,
    body: Expect,
) -> Case {
    case(name, Method::GET, fields, status, decided_by, body)
}

/// A case's request fields, in order: name, value.
type Fields = &'static [(&'static str, &'static str)];

// The precondition and range fields, as the table names them.
const INM: &str = "if-none-match";
const IMS: &str = "if-modified-since";
const IM: &str = "if-match";
const IUS: &str = "if-unmodified-since";
const RANGE: &str = "range";
const IF_RANGE: &str = "if-range";

/// The decision table: every group below, in order.
fn cases() -> Vec<Case> {
    [
        no_preconditions(),
        if_none_match(),
        if_none_match_lists_and_methods(),
        inm_before_ims(),
        if_modified_since(),
        if_match(),
        if_unmodified_since(),
        order_of_evaluation(),
        range(),
        range_edges(),
        several_ranges(),
        if_range(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// No preconditions.
#[rustfmt::skip]
fn no_preconditions() -> Vec<Case> {
    use Expect::*;
    vec![
        get("plain GET", &[], 200, None, Whole),
        case("plain HEAD", Method::HEAD, &[], 200, None, NoBody),
    ]
}

/// If-None-Match (RFC 9110 section 13.1.2): weak comparison.
#[rustfmt::skip]
fn if_none_match() -> Vec<Case> {
    use Expect::*;
    vec![
        get("INM exact", &[(INM, ETAG)], 304, Some(IfNoneMatch), NoBody),
        get("INM weak form matches weakly", &[(INM, "W/\"0123456789abcdef0123456789abcdef\"")], 304, Some(IfNoneMatch), NoBody),
        get("INM list, second matches", &[(INM, "\"a\", \"0123456789abcdef0123456789abcdef\"")], 304, Some(IfNoneMatch), NoBody),
        get("INM list, none matches", &[(INM, "\"a\", W/\"b\"")], 200, None, Whole),
        get("INM star", &[(INM, "*")], 304, Some(IfNoneMatch), NoBody),
        get("INM whitespace and empty elements", &[(INM, " ,\t\"x\" ,, \"0123456789abcdef0123456789abcdef\"\t")], 304, Some(IfNoneMatch), NoBody),
    ]
}

/// If-None-Match, continued: field lines, malformed and odd tags, HEAD.
#[rustfmt::skip]
fn if_none_match_lists_and_methods() -> Vec<Case> {
    use Expect::*;
    vec![
        get("INM split over two field lines", &[(INM, "\"x\""), (INM, ETAG)], 304, Some(IfNoneMatch), NoBody),
        get("INM unquoted tag (the Python demo's bug) does not match", &[(INM, "0123456789abcdef0123456789abcdef")], 200, None, Whole),
        get("INM malformed is ignored, IMS then decides", &[(INM, "not-a-tag"), (IMS, LM)], 304, Some(IfModifiedSince), NoBody),
        get("INM empty value is treated as absent", &[(INM, ""), (IMS, LM)], 304, Some(IfModifiedSince), NoBody),
        get("INM obs-text tag does not match", &[(INM, "\"\u{e9}\"")], 200, None, Whole),
        get("INM case matters", &[(INM, "\"0123456789ABCDEF0123456789ABCDEF\"")], 200, None, Whole),
        case("HEAD with INM match", Method::HEAD, &[(INM, ETAG)], 304, Some(IfNoneMatch), NoBody),
    ]
}

/// INM and IMS are not OR-ed: INM present means IMS is not evaluated.
#[rustfmt::skip]
fn inm_before_ims() -> Vec<Case> {
    use Expect::*;
    vec![
        get("INM miss wins over an IMS that would 304", &[(INM, "\"stale\""), (IMS, AFTER_LM)], 200, None, Whole),
        get("INM match wins over an IMS that would 200", &[(INM, ETAG), (IMS, BEFORE_LM)], 304, Some(IfNoneMatch), NoBody),
    ]
}

/// If-Modified-Since (RFC 9110 section 13.1.3).
#[rustfmt::skip]
fn if_modified_since() -> Vec<Case> {
    use Expect::*;
    vec![
        get("IMS equal to Last-Modified", &[(IMS, LM)], 304, Some(IfModifiedSince), NoBody),
        get("IMS later than Last-Modified", &[(IMS, AFTER_LM)], 304, Some(IfModifiedSince), NoBody),
        get("IMS earlier than Last-Modified", &[(IMS, BEFORE_LM)], 200, None, Whole),
        get("IMS in the future is ignored", &[(IMS, FUTURE)], 200, None, Whole),
        get("IMS invalid is ignored", &[(IMS, "yesterday")], 200, None, Whole),
        get("IMS in RFC 850 form", &[(IMS, LM_RFC850)], 304, Some(IfModifiedSince), NoBody),
        get("IMS in asctime form", &[(IMS, LM_ASCTIME)], 304, Some(IfModifiedSince), NoBody),
        get("IMS repeated is ignored", &[(IMS, LM), (IMS, LM)], 200, None, Whole),
        get("IMS as a list is ignored", &[(IMS, "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT")], 200, None, Whole),
        case("HEAD with IMS", Method::HEAD, &[(IMS, LM)], 304, Some(IfModifiedSince), NoBody),
    ]
}

/// If-Match (RFC 9110 section 13.1.1): strong comparison.
#[rustfmt::skip]
fn if_match() -> Vec<Case> {
    use Expect::*;
    vec![
        get("If-Match exact", &[(IM, ETAG)], 200, None, Whole),
        get("If-Match weak tag fails strong comparison", &[(IM, WEAK_ETAG)], 412, Some(IfMatch), Text),
        get("If-Match other tag", &[(IM, OTHER_ETAG)], 412, Some(IfMatch), Text),
        get("If-Match star", &[(IM, "*")], 200, None, Whole),
        get("If-Match list with a match", &[(IM, "\"x\", \"0123456789abcdef0123456789abcdef\"")], 200, None, Whole),
        get("If-Match malformed fails", &[(IM, "\"unterminated")], 412, Some(IfMatch), Text),
    ]
}

/// If-Unmodified-Since (RFC 9110 section 13.1.4).
#[rustfmt::skip]
fn if_unmodified_since() -> Vec<Case> {
    use Expect::*;
    vec![
        get("IUS after Last-Modified", &[(IUS, AFTER_LM)], 200, None, Whole),
        get("IUS equal to Last-Modified", &[(IUS, LM)], 200, None, Whole),
        get("IUS before Last-Modified", &[(IUS, BEFORE_LM)], 412, Some(IfUnmodifiedSince), Text),
        get("IUS invalid is ignored", &[(IUS, "not a date")], 200, None, Whole),
    ]
}

/// Order of evaluation (RFC 9110 section 13.2.2).
#[rustfmt::skip]
fn order_of_evaluation() -> Vec<Case> {
    use Expect::*;
    vec![
        get("If-Match true: IUS is not evaluated", &[(IM, ETAG), (IUS, BEFORE_LM)], 200, None, Whole),
        get("If-Match false comes before INM", &[(IM, OTHER_ETAG), (INM, ETAG)], 412, Some(IfMatch), Text),
        get("IUS false comes before INM", &[(IUS, BEFORE_LM), (INM, ETAG)], 412, Some(IfUnmodifiedSince), Text),
        get("If-Match true, then INM match", &[(IM, ETAG), (INM, ETAG)], 304, Some(IfNoneMatch), NoBody),
        get("INM match comes before Range", &[(INM, ETAG), (RANGE, "bytes=0-9")], 304, Some(IfNoneMatch), NoBody),
        get("If-Match false comes before Range", &[(IM, OTHER_ETAG), (RANGE, "bytes=0-9")], 412, Some(IfMatch), Text),
        get("IMS 304 comes before an unsatisfiable Range", &[(IMS, LM), (RANGE, "bytes=5000-")], 304, Some(IfModifiedSince), NoBody),
    ]
}

/// Range (RFC 9110 section 14).
#[rustfmt::skip]
fn range() -> Vec<Case> {
    use Expect::*;
    vec![
        get("Range first-last", &[(RANGE, "bytes=0-99")], 206, None, Part(0, 99)),
        get("Range suffix", &[(RANGE, "bytes=-10")], 206, None, Part(990, 999)),
        get("Range open-ended", &[(RANGE, "bytes=990-")], 206, None, Part(990, 999)),
        get("Range last past the end is clamped", &[(RANGE, "bytes=0-5000")], 206, None, Part(0, 999)),
        get("Range one byte", &[(RANGE, "bytes=999-999")], 206, None, Part(999, 999)),
        get("Range unit is case-insensitive", &[(RANGE, "Bytes=1-2")], 206, None, Part(1, 2)),
        get("Range first past the end", &[(RANGE, "bytes=1000-")], 416, None, Text),
        get("Range zero suffix", &[(RANGE, "bytes=-0")], 416, None, Text),
    ]
}

/// Range, continued: what is ignored (malformed, other units, several ranges), HEAD.
#[rustfmt::skip]
fn range_edges() -> Vec<Case> {
    use Expect::*;
    vec![
        get("Range malformed is ignored", &[(RANGE, "bytes=abc")], 200, None, Whole),
        get("Range last before first is ignored", &[(RANGE, "bytes=9-1")], 200, None, Whole),
        get("Range other unit is ignored", &[(RANGE, "items=0-1")], 200, None, Whole),
        get("Range several, none satisfiable", &[(RANGE, "bytes=2000-,3000-")], 416, None, Text),
        get("Range repeated field is ignored", &[(RANGE, "bytes=0-1"), (RANGE, "bytes=2-3")], 200, None, Whole),
        get("Range with an overflowing number is ignored", &[(RANGE, "bytes=0-99999999999999999999999")], 200, None, Whole),
        case("HEAD ignores Range", Method::HEAD, &[(RANGE, "bytes=0-99")], 200, None, NoBody),
    ]
}

/// Several ranges (RFC 9110 section 14.6): multipart/byteranges, overlapping
/// and adjacent ones joined, in the order asked, unsatisfiable ones left
/// out; too many, or more bytes than there are, get the whole.
#[rustfmt::skip]
fn several_ranges() -> Vec<Case> {
    use Expect::*;
    const SEVENTEEN: &str = "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30,32-32";
    vec![
        get("Ranges two: multipart", &[(RANGE, "bytes=0-1,5-6")], 206, None, Parts(&[(0, 1), (5, 6)])),
        get("Ranges in the order asked", &[(RANGE, "bytes=500-599, 0-99")], 206, None, Parts(&[(500, 599), (0, 99)])),
        get("Ranges adjacent are joined", &[(RANGE, "bytes=0-4,5-9,20-29")], 206, None, Parts(&[(0, 9), (20, 29)])),
        get("Ranges overlapping join into one part", &[(RANGE, "bytes=0-9,5-14")], 206, None, Part(0, 14)),
        get("Ranges suffix and open-ended", &[(RANGE, "bytes=-10,0-0")], 206, None, Parts(&[(990, 999), (0, 0)])),
        get("Ranges one unsatisfiable is left out", &[(RANGE, "bytes=0-1,2000-")], 206, None, Part(0, 1)),
        get("Ranges none satisfiable", &[(RANGE, "bytes=2000-,3000-")], 416, None, Text),
        get("Ranges more than sixteen get the whole", &[(RANGE, SEVENTEEN)], 200, None, Whole),
        get("Ranges more bytes than there are get the whole", &[(RANGE, "bytes=0-999,0-999")], 200, None, Whole),
        get("Ranges with a matching If-Range", &[(RANGE, "bytes=0-1,5-6"), (IF_RANGE, ETAG)], 206, None, Parts(&[(0, 1), (5, 6)])),
        get("Ranges with another If-Range", &[(RANGE, "bytes=0-1,5-6"), (IF_RANGE, OTHER_ETAG)], 200, None, Whole),
        case("Ranges on HEAD are ignored", Method::HEAD, &[(RANGE, "bytes=0-1,5-6")], 200, None, NoBody),
    ]
}

/// If-Range (RFC 9110 section 13.1.5).
#[rustfmt::skip]
fn if_range() -> Vec<Case> {
    use Expect::*;
    vec![
        get("If-Range strong match", &[(RANGE, "bytes=0-9"), (IF_RANGE, ETAG)], 206, None, Part(0, 9)),
        get("If-Range weak tag never matches", &[(RANGE, "bytes=0-9"), (IF_RANGE, WEAK_ETAG)], 200, None, Whole),
        get("If-Range other tag", &[(RANGE, "bytes=0-9"), (IF_RANGE, OTHER_ETAG)], 200, None, Whole),
        get("If-Range exact date", &[(RANGE, "bytes=0-9"), (IF_RANGE, LM)], 206, None, Part(0, 9)),
        get("If-Range other date", &[(RANGE, "bytes=0-9"), (IF_RANGE, AFTER_LM)], 200, None, Whole),
        get("If-Range garbage", &[(RANGE, "bytes=0-9"), (IF_RANGE, "garbage")], 200, None, Whole),
        get("If-Range false also skips a 416", &[(RANGE, "bytes=5000-"), (IF_RANGE, OTHER_ETAG)], 200, None, Whole),
        get("If-Range without Range is ignored", &[(IF_RANGE, OTHER_ETAG)], 200, None, Whole),
    ]
}

fn request_fields(fields: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in fields {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    headers
}

/// The representation the table's requests are for, with `validators`.
fn representation_with(validators: Validators) -> Representation {
    Representation {
        content_type: HeaderValue::from_static("text/html; charset=utf-8"),
        content_encoding: None,
        len: LEN,
        validators,
        cache_control: HeaderValue::from_static("no-cache"),
    }
}

/// The decision for `outcome` at `now()`, with `request`'s fields.
fn decide_at_now(method: &Method, request: &HeaderMap, outcome: &Outcome) -> ResponsePlan {
    let policy = ResponsePolicy::default();
    decide(
        method,
        request,
        outcome,
        None,
        &HeaderMap::new(),
        &policy,
        now(),
    )
}

fn run(case: &Case, policy: &ResponsePolicy) -> ResponsePlan {
    let outcome = Outcome::Representation(representation_with(validators()));
    let request = request_fields(case.fields);
    decide(
        &case.method,
        &request,
        &outcome,
        None,
        &HeaderMap::new(),
        policy,
        now(),
    )
}

fn field(plan: &ResponsePlan, name: header::HeaderName) -> Option<&str> {
    plan.headers.get(name).map(|v| v.to_str().unwrap())
}

#[test]
fn decision_table() {
    let cases = cases();
    assert!(cases.len() >= 40, "the table has {} cases", cases.len());
    let policy = ResponsePolicy::default();
    let mut failures = Vec::new();
    for case in &cases {
        let plan = run(case, &policy);
        let body = match &plan.body {
            Body::Whole => Expect::Whole,
            Body::Part(r) => Expect::Part(r.first, r.last),
            Body::Multipart(segments) => {
                let parts: Vec<(u64, u64)> = segments
                    .iter()
                    .filter_map(|s| match s {
                        Segment::Bytes(r) => Some((r.first, r.last)),
                        Segment::Framing(_) => None,
                    })
                    .collect();
                Expect::Parts(Box::leak(parts.into_boxed_slice()))
            }
            Body::Empty => Expect::NoBody,
            Body::Text(_) => Expect::Text,
        };
        let got = (plan.status.as_u16(), plan.decided_by, body);
        let want = (case.status, case.decided_by, case.body);
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", case.name));
        }
        check_fields(case, &plan, &mut failures);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The fields every kind of response must (and must not) carry.
fn check_fields(case: &Case, plan: &ResponsePlan, failures: &mut Vec<String>) {
    let mut fail = |what: &str| failures.push(format!("{}: {what}", case.name));
    let length = field(plan, header::CONTENT_LENGTH);
    if field(plan, header::DATE).is_none() {
        fail("no Date");
    }
    match plan.status {
        StatusCode::OK | StatusCode::PARTIAL_CONTENT => {
            if field(plan, header::ETAG) != Some(ETAG) {
                fail("200/206 without the ETag");
            }
            if field(plan, header::LAST_MODIFIED) != Some(LM) {
                fail("200/206 without Last-Modified");
            }
            if field(plan, header::CACHE_CONTROL) != Some("no-cache") {
                fail("200/206 without Cache-Control");
            }
            if field(plan, header::ACCEPT_RANGES) != Some("bytes") {
                fail("200/206 without Accept-Ranges");
            }
            let multipart = matches!(plan.body, Body::Multipart(_));
            let content_type = field(plan, header::CONTENT_TYPE);
            let boundary =
                "multipart/byteranges; boundary=byteranges-0123456789abcdef0123456789abcdef";
            if content_type
                != Some(if multipart {
                    boundary
                } else {
                    "text/html; charset=utf-8"
                })
            {
                fail(&format!("200/206 with Content-Type {content_type:?}"));
            }
            let want = match &plan.body {
                Body::Part(r) => r.length(),
                Body::Multipart(segments) => segments.iter().map(Segment::byte_len).sum(),
                _ => LEN,
            };
            if length != Some(&want.to_string()) {
                fail(&format!("Content-Length {length:?}, want {want}"));
            }
            let range = field(plan, header::CONTENT_RANGE);
            match &plan.body {
                Body::Part(r) if range != Some(&format!("bytes {}-{}/{LEN}", r.first, r.last)) => {
                    fail(&format!("Content-Range {range:?}"))
                }
                Body::Whole | Body::Empty if range.is_some() => fail("Content-Range on a 200"),
                // Each part has its own (RFC 9110 section 14.6).
                Body::Multipart(_) if range.is_some() => fail("Content-Range on a multipart 206"),
                _ => {}
            }
        }
        StatusCode::NOT_MODIFIED => {
            // RFC 9110 section 15.4.5.
            if field(plan, header::ETAG) != Some(ETAG) {
                fail("304 without the ETag");
            }
            if field(plan, header::CACHE_CONTROL) != Some("no-cache") {
                fail("304 without Cache-Control");
            }
            if field(plan, header::LAST_MODIFIED) != Some(LM) {
                fail("304 without Last-Modified");
            }
            if length.is_some() || field(plan, header::CONTENT_TYPE).is_some() {
                fail("304 with Content-Length or Content-Type");
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE
            if field(plan, header::CONTENT_RANGE) != Some("bytes */1000") =>
        {
            fail("416 without Content-Range: bytes */1000");
        }
        _ => {}
    }
    if let Body::Text(text) = &plan.body
        && length != Some(&text.len().to_string())
    {
        fail("text body with a wrong Content-Length");
    }
    if case.method == Method::HEAD && plan.body != Body::Empty {
        fail("HEAD with a body");
    }
}

#[test]
fn head_has_the_fields_of_get() {
    let head = run(
        &case("h", Method::HEAD, &[], 200, None, Expect::NoBody),
        &ResponsePolicy::default(),
    );
    let get = run(
        &get("g", &[], 200, None, Expect::Whole),
        &ResponsePolicy::default(),
    );
    assert_eq!(head.headers, get.headers);
    assert_eq!(field(&head, header::CONTENT_LENGTH), Some("1000"));
}

#[test]
fn last_modified_off_sends_no_date_and_ignores_ims() {
    let policy = ResponsePolicy {
        last_modified: false,
    };
    let plan = run(&get("ims", &[(IMS, LM)], 200, None, Expect::Whole), &policy);
    assert_eq!(plan.status, StatusCode::OK);
    assert_eq!(field(&plan, header::LAST_MODIFIED), None);
    assert_eq!(field(&plan, header::ETAG), Some(ETAG));
}

#[test]
fn a_representations_cache_control_is_sent_on_200_and_304() {
    let outcome = Outcome::Representation(Representation {
        cache_control: HeaderValue::from_static("public, max-age=60"),
        ..representation_with(validators())
    });
    for fields in [&[][..], &[(INM, ETAG)]] {
        let plan = decide_at_now(&Method::GET, &request_fields(fields), &outcome);
        assert_eq!(
            field(&plan, header::CACHE_CONTROL),
            Some("public, max-age=60")
        );
    }
}

#[test]
fn future_file_time_is_sent_as_now() {
    // RFC 9110 section 8.8.2.1.
    let validators = Validators::new(ETAG.to_string(), Some(now() + Duration::from_secs(3600)));
    let outcome = Outcome::Representation(representation_with(validators));
    let plan = decide_at_now(&Method::GET, &HeaderMap::new(), &outcome);
    assert_eq!(
        field(&plan, header::LAST_MODIFIED),
        field(&plan, header::DATE)
    );
}

#[test]
fn no_file_time_means_no_last_modified_and_ims_is_ignored() {
    let validators = Validators::new(ETAG.to_string(), None);
    let outcome = Outcome::Representation(representation_with(validators));
    let request = request_fields(&[(IMS, LM)]);
    let plan = decide_at_now(&Method::GET, &request, &outcome);
    assert_eq!(plan.status, StatusCode::OK);
    assert_eq!(field(&plan, header::LAST_MODIFIED), None);
}

/// The table's values are text; an entity tag with a byte that is no
/// UTF-8 (obs-text, RFC 9110 section 8.8.3) matches nothing either.
#[test]
fn inm_with_an_obs_text_byte_does_not_match() {
    let mut request = HeaderMap::new();
    let value = HeaderValue::from_bytes(&[b'"', 0xe9, b'"']).unwrap();
    request.insert(header::IF_NONE_MATCH, value);
    let outcome = Outcome::Representation(representation_with(validators()));
    let plan = decide_at_now(&Method::GET, &request, &outcome);
    assert_eq!(plan.status, StatusCode::OK);
    assert_eq!(plan.decided_by, None);
    assert_eq!(plan.body, Body::Whole);
}

#[test]
fn method_not_allowed_names_the_allowed_methods() {
    let plan = decide_at_now(&Method::POST, &HeaderMap::new(), &Outcome::MethodNotAllowed);
    assert_eq!(plan.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(field(&plan, header::ALLOW), Some("GET, HEAD, OPTIONS"));
    assert!(matches!(plan.body, Body::Text(_)));
}

#[test]
fn preconditions_on_other_methods_fail_instead_of_304() {
    // RFC 9110 section 13.2.2 step 3: a false If-None-Match is a 412 for
    // methods other than GET and HEAD.
    let mut request = HeaderMap::new();
    request.insert(header::IF_NONE_MATCH, HeaderValue::from_static(ETAG));
    let outcome = crate::decision::preconditions::evaluate_preconditions(
        &Method::DELETE,
        &request,
        &validators(),
        now(),
    );
    assert_eq!(
        outcome,
        crate::decision::preconditions::Precondition::Failed(IfNoneMatch)
    );
}

/// The fields of `_headers` on each kind of response: all of them on a 200,
/// 206, 304, redirect and OPTIONS; on an error, not the caching ones; the
/// Content-Type only where the bytes are; Vary merged with the component's.
#[test]
fn site_fields_on_each_kind_of_response() {
    let mut site = HeaderMap::new();
    site.insert("x-frame-options", HeaderValue::from_static("DENY"));
    site.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=600"),
    );
    site.insert(header::EXPIRES, HeaderValue::from_static(LM));
    site.insert("cdn-cache-control", HeaderValue::from_static("max-age=600"));
    site.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml"),
    );
    site.insert(
        header::VARY,
        HeaderValue::from_static("Origin, accept-encoding"),
    );
    let representation = Outcome::Representation(Representation {
        content_encoding: Some("br"),
        ..representation_with(validators())
    });
    let redirect = Outcome::Redirect {
        status: StatusCode::MOVED_PERMANENTLY,
        location: HeaderValue::from_static("/new"),
        cache_control: HeaderValue::from_static("no-cache"),
    };
    let page = Outcome::ErrorPage {
        status: StatusCode::NOT_FOUND,
        content_type: HeaderValue::from_static("text/html; charset=utf-8"),
        len: 10,
    };
    let own_vary = HeaderValue::from_static("Accept-Encoding");
    let inm = [(header::IF_NONE_MATCH, ETAG)];
    let range = [(header::RANGE, "bytes=0-1")];
    let if_match = [(header::IF_MATCH, "\"other\"")];
    let none: [(header::HeaderName, &str); 0] = [];
    // Which answer, its request fields, then the status, Cache-Control and
    // Content-Type expected.
    type Row<'a, 'b> = (
        &'static str,
        &'a Outcome,
        &'b [(header::HeaderName, &'static str)],
        u16,
        Option<&'static str>,
        Option<&'static str>,
    );
    #[rustfmt::skip]
    let table: [Row<'_, '_>; 7] = [
        ("200", &representation, &none, 200, Some("public, max-age=600"), Some("application/rss+xml")),
        ("206", &representation, &range, 206, Some("public, max-age=600"), Some("application/rss+xml")),
        ("304", &representation, &inm, 304, Some("public, max-age=600"), None),
        ("412", &representation, &if_match, 412, Some("no-store"), Some("text/plain; charset=utf-8")),
        ("301", &redirect, &none, 301, Some("public, max-age=600"), Some("text/plain; charset=utf-8")),
        ("404 page", &page, &none, 404, Some("no-store"), Some("text/html; charset=utf-8")),
        ("OPTIONS", &Outcome::Options, &none, 204, Some("public, max-age=600"), None),
    ];
    for (name, outcome, fields, status, cache_control, content_type) in table {
        let mut request = HeaderMap::new();
        for (field, value) in fields {
            request.insert(field.clone(), HeaderValue::from_static(value));
        }
        let plan = decide(
            &Method::GET,
            &request,
            outcome,
            Some(&own_vary),
            &site,
            &ResponsePolicy::default(),
            now(),
        );
        assert_eq!(plan.status.as_u16(), status, "{name}");
        assert_eq!(
            field(&plan, HeaderName::from_static("x-frame-options")),
            Some("DENY"),
            "{name}"
        );
        assert_eq!(field(&plan, header::CACHE_CONTROL), cache_control, "{name}");
        assert_eq!(field(&plan, header::CONTENT_TYPE), content_type, "{name}");
        assert_eq!(
            field(&plan, header::VARY),
            Some("Accept-Encoding, Origin"),
            "{name}"
        );
        let error = status >= 400;
        assert_eq!(plan.headers.contains_key(header::EXPIRES), !error, "{name}");
        assert_eq!(
            plan.headers.contains_key("cdn-cache-control"),
            !error,
            "{name}"
        );
        assert_eq!(
            plan.headers.get_all(header::CACHE_CONTROL).iter().count(),
            1,
            "{name}"
        );
    }
}

#[test]
fn vary_star_wins_and_names_are_kept_once() {
    let own = HeaderValue::from_static("Accept");
    let mut site = HeaderMap::new();
    site.insert(header::VARY, HeaderValue::from_static("*"));
    let plan = decide(
        &Method::GET,
        &HeaderMap::new(),
        &Outcome::Options,
        Some(&own),
        &site,
        &ResponsePolicy::default(),
        now(),
    );
    assert_eq!(field(&plan, header::VARY), Some("*"));
}
