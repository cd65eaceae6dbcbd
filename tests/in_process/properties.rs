//! Property-based tests of the header parsers and of the HTTP decision:
//! arbitrary bytes in every precondition and range field never panic, and
//! the answer is always one RFC 9110 allows for that request.

use crate::support::invariants;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_caching_server::SitePath;
use http_caching_server::{EntityTagList, Validators, parse_http_date, strong_etag};
use http_caching_server::{Outcome, Representation, ResponsePolicy, decide};
use http_caching_server::{Precondition, evaluate_preconditions};
use http_caching_server::{RangeSpec, parse_range};
use proptest::prelude::*;

const LEN: u64 = 1000;
const MODIFIED: u64 = 784_111_777;

fn validators() -> Validators {
    Validators::of_content(
        b"the page",
        Some(UNIX_EPOCH + Duration::from_secs(MODIFIED)),
    )
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(MODIFIED + 3600)
}

/// Field values: raw bytes a field may hold, or pieces of plausible syntax.
fn field_value() -> impl Strategy<Value = Vec<u8>> {
    let etag = strong_etag(b"the page");
    let pieces: Vec<Vec<u8>> = [
        "\"",
        "W/",
        ",",
        " ",
        "\t",
        "*",
        "abc",
        etag.as_str(),
        "bytes=",
        "items=",
        "-",
        "0",
        "1",
        "999",
        "1000",
        "18446744073709551616",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Fri, 01 Jan 2100 00:00:00 GMT",
        "\u{e9}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    prop_oneof![
        prop::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..80),
        prop::collection::vec(prop::sample::select(pieces), 0..10).prop_map(|p| p.concat()),
    ]
}

/// A request with each precondition and range field absent, present once, or
/// repeated.
fn request() -> impl Strategy<Value = (Method, HeaderMap)> {
    let method = prop::sample::select(vec![Method::GET, Method::HEAD]);
    let fields = prop::collection::vec(prop::collection::vec(field_value(), 0..3), 6);
    (method, fields).prop_map(|(method, fields)| {
        let mut headers = HeaderMap::new();
        for (name, values) in invariants::FIELDS.iter().zip(fields) {
            for value in values {
                if let Ok(value) = HeaderValue::from_bytes(&value) {
                    headers.append(name.clone(), value);
                }
            }
        }
        (method, headers)
    })
}

fn plan(method: &Method, request: &HeaderMap) -> http_caching_server::ResponsePlan {
    let outcome = Outcome::Representation(Representation {
        content_type: HeaderValue::from_static("text/html; charset=utf-8"),
        content_encoding: None,
        len: LEN,
        validators: validators(),
        cache_control: HeaderValue::from_static("no-cache"),
    });
    let policy = ResponsePolicy::default();
    decide(
        method,
        request,
        &outcome,
        None,
        &HeaderMap::new(),
        &policy,
        now(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn any_request_gets_an_allowed_well_framed_answer((method, request) in request()) {
        let plan = plan(&method, &request);
        let etag = strong_etag(b"the page");
        if let Err(problem) = invariants::check_plan(&method, &request, LEN, &etag, &plan) {
            return Err(TestCaseError::fail(problem));
        }
    }

    #[test]
    fn head_answers_as_get_would_without_ranges((_, request) in request()) {
        let get = plan(&Method::GET, &request).status;
        let head = plan(&Method::HEAD, &request).status;
        let expected = match get {
            StatusCode::PARTIAL_CONTENT | StatusCode::RANGE_NOT_SATISFIABLE => {
                let mut without_range = request.clone();
                without_range.remove(header::RANGE);
                plan(&Method::GET, &without_range).status
            }
            other => other,
        };
        prop_assert_eq!(head, expected);
    }

    #[test]
    fn a_matching_if_none_match_always_gives_304((method, mut request) in request()) {
        // Without If-Match or If-Unmodified-Since, which come first.
        request.remove(header::IF_MATCH);
        request.remove(header::IF_UNMODIFIED_SINCE);
        request.remove(header::IF_NONE_MATCH);
        let etag = strong_etag(b"the page");
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("\"x\", W/{etag}")).unwrap());
        prop_assert_eq!(plan(&method, &request).status, StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn other_methods_never_get_304((_, request) in request(), method in prop::sample::select(vec![Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS])) {
        let outcome = evaluate_preconditions(&method, &request, &validators(), now());
        prop_assert!(!matches!(outcome, Precondition::NotModified(_)));
    }

    #[test]
    fn entity_tag_lists_parse_what_was_listed(tags in prop::collection::vec((any::<bool>(), "[!#-~]{0,12}"), 1..20), spaces in "[ \t]{0,3}") {
        let listed: Vec<String> = tags
            .iter()
            .map(|(weak, opaque)| format!("{}\"{opaque}\"", if *weak { "W/" } else { "" }))
            .collect();
        let value = listed.join(&format!("{spaces},{spaces}"));
        let EntityTagList::Tags(parsed) = EntityTagList::parse(value.as_bytes()).unwrap() else {
            return Err(TestCaseError::fail("parsed as *"));
        };
        prop_assert_eq!(parsed.len(), tags.len());
        for (tag, (weak, opaque)) in parsed.iter().zip(&tags) {
            prop_assert_eq!(tag.weak, *weak);
            let quoted = format!("\"{opaque}\"");
            prop_assert_eq!(tag.opaque, quoted.as_bytes());
        }
    }

    #[test]
    fn entity_tag_lists_never_panic(value in field_value()) {
        let _ = EntityTagList::parse(&value);
    }

    #[test]
    fn byte_ranges_parse_what_was_written(first in 0u64..u64::MAX / 2, extra in 0u64..1_000_000, suffix in 1u64..1_000_000) {
        let value = format!("bytes={first}-{}, {first}-, -{suffix}", first + extra);
        prop_assert_eq!(
            parse_range(value.as_bytes()).unwrap(),
            vec![RangeSpec::Bounded(first, first + extra), RangeSpec::From(first), RangeSpec::Suffix(suffix)]
        );
    }

    #[test]
    fn ranges_never_panic(value in field_value()) {
        let _ = parse_range(&value);
    }

    #[test]
    fn http_dates_round_trip(secs in 0u64..253_402_300_799) {
        let formatted = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        prop_assert_eq!(parse_http_date(formatted.as_bytes()), Some(secs));
    }

    #[test]
    fn dates_never_panic(value in field_value()) {
        let _ = parse_http_date(&value);
    }

    /// Any target built from dots, slashes, escapes, backslashes, drive
    /// letters and names either is refused or gives a relative path that
    /// stays under the root: no dot-segment, no empty segment, no backslash,
    /// no control character, no dot-file but `.well-known` first. A decoder
    /// that decoded twice or checked before decoding would fail.
    #[test]
    fn a_checked_path_never_leaves_the_root(
        pieces in prop::collection::vec(prop::sample::select(vec![
            "/", ".", "..", "%2e", "%2E", "%2f", "%5c", "\\", "%00", "%25", "a", "b.txt",
            ".well-known", "%", "C:", "%c0%ae", "%2e%2e", "~",
        ]), 0..10),
    ) {
        let raw: String = pieces.concat();
        if let Ok(path) = SitePath::parse(&raw) {
            let relative = path.relative();
            prop_assert!(!relative.starts_with('/'), "{raw} -> {relative}");
            for (index, segment) in relative.split('/').enumerate() {
                if relative.is_empty() {
                    break;
                }
                prop_assert!(!segment.is_empty(), "{raw} -> {relative}");
                prop_assert!(segment != "." && segment != "..", "{raw} -> {relative}");
                prop_assert!(!segment.contains(['\\', '\0']), "{raw} -> {relative}");
                prop_assert!(
                    !segment.starts_with('.') || (index == 0 && segment == ".well-known"),
                    "{raw} -> {relative}"
                );
                prop_assert!(!segment.starts_with("C:"), "{raw} -> {relative}");
            }
        }
    }
}

#[test]
fn fuzz_input_decoding_covers_every_field() {
    // The fuzz target's decoder gives every field a value, in turn.
    let (method, headers) = invariants::request_from_bytes(b"\x02a\0b\0c\0d\0e\0f\0g");
    assert_eq!(method, Method::HEAD);
    for name in invariants::FIELDS {
        assert!(headers.contains_key(&name), "{name}");
    }
    assert_eq!(headers.get_all(header::IF_MATCH).iter().count(), 2);
}
