//! Range requests (RFC 9110 section 14) and If-Range (RFC 9110 section 13.1.5):
//! which part of the representation a GET receives.

use std::time::SystemTime;

use http::{HeaderMap, Method, header};

use crate::decision::preconditions::{Condition, single_date};
use crate::decision::validators::{Malformed, Validators, parse_entity_tag};

/// A range of bytes, `first..=last`, within a representation of known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    /// How many bytes the range holds (never zero).
    pub fn length(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// Which part of the representation to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeDecision {
    /// 200 with the whole representation: no Range, or one that is ignored.
    Full,
    /// 206 Partial Content with one part (RFC 9110 section 15.3.7).
    Partial(ByteRange),
    /// 206 with several parts, as multipart/byteranges (RFC 9110 section
    /// 14.6), in the order they were asked for, none overlapping or
    /// adjacent to another.
    Multipart(Vec<ByteRange>),
    /// 416 Range Not Satisfiable (RFC 9110 section 15.5.17).
    Unsatisfiable,
}

/// The most parts a multipart/byteranges answer has (after overlapping and
/// adjacent ranges are joined); a request for more, or for ranges that
/// together hold more bytes than the representation, gets it whole (RFC
/// 9110 section 14.2 lets a server ignore a Range; nginx's `max_ranges`
/// does the same).
pub const MAX_PARTS: usize = 16;

/// One byte-range-spec or suffix-range (RFC 9110 section 14.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `first-last`
    Bounded(u64, u64),
    /// `first-`
    From(u64),
    /// `-length`: the last `length` bytes.
    Suffix(u64),
}

/// A Range field with more specs than this is ignored: answering it would
/// cost more than sending the whole representation (RFC 9110 section 14.2
/// lets a server ignore a Range field).
pub const MAX_RANGE_SPECS: usize = 100;

/// Step 5 of RFC 9110 section 13.2.2: decides the part of a representation of
/// `len` bytes that a request receives, once its other preconditions passed.
///
/// Only GET has range semantics (RFC 9110 section 14.2); a Range field that is
/// repeated, malformed or in another unit is ignored and the whole
/// representation is sent. Several satisfiable ranges are answered as
/// multipart/byteranges, those that overlap or touch joined (section 14.6);
/// more than [`MAX_PARTS`], or more bytes than the representation has, get
/// the whole of it.
pub fn decide_range(
    method: &Method,
    headers: &HeaderMap,
    validators: &Validators,
    len: u64,
    now: SystemTime,
) -> RangeDecision {
    if method != Method::GET {
        return RangeDecision::Full;
    }
    let mut lines = headers.get_all(header::RANGE).iter();
    let (Some(range), None) = (lines.next(), lines.next()) else {
        return RangeDecision::Full;
    };
    if if_range(headers, validators, now) == Condition::False {
        return RangeDecision::Full;
    }
    match parse_range(range.as_bytes()).as_deref() {
        // RFC 9110 section 14.1.1: a suffix-range with a non-zero length is
        // satisfiable, and section 14.1.2: a representation shorter than the
        // suffix is used whole. For an empty representation that is zero
        // bytes, which no 206 Content-Range can state (section 14.4), so the
        // whole (empty) representation goes out as a 200.
        Ok(specs)
            if len == 0
                && specs
                    .iter()
                    .any(|spec| matches!(spec, RangeSpec::Suffix(n) if *n > 0)) =>
        {
            RangeDecision::Full
        }
        Ok(specs) => {
            // Section 15.3.7.2: the unsatisfiable ones left out.
            let ranges: Vec<ByteRange> =
                specs.iter().filter_map(|s| satisfiable(*s, len)).collect();
            let asked: u64 = ranges.iter().map(ByteRange::length).sum();
            if ranges.len() > MAX_PARTS || asked > len {
                return RangeDecision::Full;
            }
            let mut parts = joined(ranges);
            match parts.len() {
                0 => RangeDecision::Unsatisfiable,
                1 => RangeDecision::Partial(parts.remove(0)),
                _ => RangeDecision::Multipart(parts),
            }
        }
        Err(_) => RangeDecision::Full,
    }
}

/// `ranges` with every two that overlap or touch joined into one, which
/// takes the place of the first of them (section 15.3.7.2: the parts in the
/// order they were asked for).
fn joined(mut ranges: Vec<ByteRange>) -> Vec<ByteRange> {
    let touch = |a: &ByteRange, b: &ByteRange| {
        a.first <= b.last.saturating_add(1) && b.first <= a.last.saturating_add(1)
    };
    'again: loop {
        for i in 0..ranges.len() {
            for j in i + 1..ranges.len() {
                if touch(&ranges[i], &ranges[j]) {
                    let other = ranges.remove(j);
                    let first = &mut ranges[i];
                    *first = ByteRange {
                        first: first.first.min(other.first),
                        last: first.last.max(other.last),
                    };
                    continue 'again;
                }
            }
        }
        return ranges;
    }
}

/// If-Range, RFC 9110 section 13.1.5: true when its entity tag matches by
/// strong comparison, or its date is exactly the Last-Modified date. A weak
/// tag, a value that parses as neither, or a date without a Last-Modified to
/// compare with is false, so the whole representation is sent.
pub fn if_range(headers: &HeaderMap, validators: &Validators, now: SystemTime) -> Condition {
    let mut lines = headers.get_all(header::IF_RANGE).iter();
    let Some(value) = lines.next() else {
        return Condition::Absent;
    };
    if lines.next().is_some() {
        return Condition::False;
    }
    let value = value.as_bytes();
    let matches = if value.trim_ascii_start().starts_with(b"\"")
        || value.trim_ascii_start().starts_with(b"W/")
    {
        matches!(parse_entity_tag(value.trim_ascii()),
            Some((tag, rest)) if rest.is_empty() && tag.strong_eq(validators.etag()))
    } else {
        let date = single_date(headers, header::IF_RANGE);
        date.is_some() && date == validators.last_modified_at(now)
    };
    if matches {
        Condition::True
    } else {
        Condition::False
    }
}

/// Parses `bytes=` followed by a comma-separated list of range specs
/// (RFC 9110 section 14.1.2). The unit is case-insensitive (section 14.1).
pub fn parse_range(value: &[u8]) -> Result<Vec<RangeSpec>, Malformed> {
    let value = value.trim_ascii();
    let Some(eq) = value.iter().position(|&b| b == b'=') else {
        return Err(Malformed);
    };
    if !value[..eq].eq_ignore_ascii_case(b"bytes") {
        return Err(Malformed);
    }
    let mut specs = Vec::new();
    for element in value[eq + 1..].split(|&b| b == b',') {
        let element = element.trim_ascii();
        if element.is_empty() {
            continue;
        }
        if specs.len() == MAX_RANGE_SPECS {
            return Err(Malformed);
        }
        specs.push(parse_spec(element)?);
    }
    if specs.is_empty() {
        Err(Malformed)
    } else {
        Ok(specs)
    }
}

fn parse_spec(spec: &[u8]) -> Result<RangeSpec, Malformed> {
    let dash = spec.iter().position(|&b| b == b'-').ok_or(Malformed)?;
    let (first, last) = (&spec[..dash], &spec[dash + 1..]);
    match (first.is_empty(), last.is_empty()) {
        (true, false) => Ok(RangeSpec::Suffix(digits(last)?)),
        (false, true) => Ok(RangeSpec::From(digits(first)?)),
        (false, false) => {
            let (first, last) = (digits(first)?, digits(last)?);
            // A spec whose last is less than its first is invalid (section 14.1.1).
            if last < first {
                return Err(Malformed);
            }
            Ok(RangeSpec::Bounded(first, last))
        }
        (true, true) => Err(Malformed),
    }
}

/// 1*DIGIT as a u64; a value too large for u64 is refused rather than wrapped.
fn digits(text: &[u8]) -> Result<u64, Malformed> {
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return Err(Malformed);
    }
    std::str::from_utf8(text)
        .map_err(|_| Malformed)?
        .parse()
        .map_err(|_| Malformed)
}

/// The bytes a spec selects from a representation of `len` bytes, or None
/// when it is unsatisfiable (RFC 9110 section 14.1.2: a first position at or
/// past the end, or a zero-length suffix).
pub fn satisfiable(spec: RangeSpec, len: u64) -> Option<ByteRange> {
    let (first, last) = match spec {
        RangeSpec::Bounded(first, last) => (first, last.min(len.checked_sub(1)?)),
        RangeSpec::From(first) => (first, len.checked_sub(1)?),
        RangeSpec::Suffix(0) => return None,
        RangeSpec::Suffix(n) => (len.saturating_sub(n), len.checked_sub(1)?),
    };
    (first < len && first <= last).then_some(ByteRange { first, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            parse_range(b"bytes=0-499, 500-,-5"),
            Ok(vec![
                RangeSpec::Bounded(0, 499),
                RangeSpec::From(500),
                RangeSpec::Suffix(5)
            ])
        );
        assert_eq!(
            parse_range(b"BYTES=1-1"),
            Ok(vec![RangeSpec::Bounded(1, 1)])
        );
        for bad in [
            &b"bytes=5-1"[..],
            b"bytes=-",
            b"bytes=",
            b"items=0-1",
            b"bytes 0-1",
            b"bytes=a-b",
            b"bytes=99999999999999999999-",
            b"bytes=+1-2",
        ] {
            assert_eq!(parse_range(bad), Err(Malformed), "{bad:?}");
        }
    }

    #[test]
    fn too_many_specs_are_refused() {
        let many = format!("bytes={}", vec!["0-0"; MAX_RANGE_SPECS + 1].join(","));
        assert_eq!(parse_range(many.as_bytes()), Err(Malformed));
    }

    #[test]
    fn satisfiable_clamps_and_refuses() {
        let r = |first, last| Some(ByteRange { first, last });
        assert_eq!(satisfiable(RangeSpec::Bounded(0, 999), 10), r(0, 9));
        assert_eq!(satisfiable(RangeSpec::From(9), 10), r(9, 9));
        assert_eq!(satisfiable(RangeSpec::From(10), 10), None);
        assert_eq!(satisfiable(RangeSpec::Suffix(3), 10), r(7, 9));
        assert_eq!(satisfiable(RangeSpec::Suffix(30), 10), r(0, 9));
        assert_eq!(satisfiable(RangeSpec::Suffix(0), 10), None);
        assert_eq!(satisfiable(RangeSpec::Suffix(1), 0), None);
        assert_eq!(satisfiable(RangeSpec::Bounded(0, 0), 0), None);
    }

    #[test]
    fn a_suffix_range_of_an_empty_representation_is_satisfiable() {
        let validators = Validators::of_content(b"", None);
        let decide = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, value.parse().unwrap());
            decide_range(&Method::GET, &headers, &validators, 0, SystemTime::now())
        };
        assert_eq!(decide("bytes=-5"), RangeDecision::Full);
        assert_eq!(decide("bytes=0-0, -1"), RangeDecision::Full);
        assert_eq!(decide("bytes=-0"), RangeDecision::Unsatisfiable);
        assert_eq!(decide("bytes=0-"), RangeDecision::Unsatisfiable);
    }
}
