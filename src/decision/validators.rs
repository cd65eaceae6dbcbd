//! Validators of a representation: its entity tag and its modification date
//! (RFC 9110 section 8.8), and how request fields are compared with them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;
use md5::{Digest, Md5};

/// The validators of one representation, as the origin sends them, with
/// their header values built once (they are sent with every response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    /// A strong entity tag, quoted: `"` + the MD5 of the exact bytes, in hex, + `"`
    /// (RFC 9110 section 8.8.3), as a field value (cloned without copying).
    etag_header: HeaderValue,
    /// The file's modification time, if the runtime gave a usable one
    /// (RFC 9110 section 8.8.2): its whole seconds and their IMF-fixdate.
    modified: Option<(u64, HeaderValue)>,
}

impl Validators {
    pub fn new(etag: String, modified: Option<SystemTime>) -> Self {
        // Only visible ASCII, so that `etag()` can read it back as text.
        let etag_header = HeaderValue::try_from(etag)
            .ok()
            .filter(|value| value.to_str().is_ok())
            .unwrap_or_else(|| HeaderValue::from_static("\"\""));
        let modified = modified.and_then(|time| {
            let secs = whole_seconds(time).filter(|&secs| secs > 0)?;
            Some((secs, date_header(secs)))
        });
        Validators {
            etag_header,
            modified,
        }
    }

    /// The validators of `content`, modified at `modified`.
    pub fn of_content(content: &[u8], modified: Option<SystemTime>) -> Self {
        Self::new(strong_etag(content), modified)
    }

    /// The validators of a content whose MD5 is `md5_hex`, modified at `modified`.
    pub fn from_md5_hex(md5_hex: &str, modified: Option<SystemTime>) -> Self {
        Self::new(quoted(md5_hex), modified)
    }

    /// The same entity tag without a modification date.
    pub fn without_date(&self) -> Self {
        Validators {
            modified: None,
            ..self.clone()
        }
    }

    pub fn etag(&self) -> &str {
        // Visible ASCII only (`new`), so never the default.
        self.etag_header.to_str().unwrap_or_default()
    }

    /// The MD5 the entity tag quotes, in hex.
    pub fn md5_hex(&self) -> &str {
        self.etag().trim_matches('"')
    }

    pub fn etag_header(&self) -> HeaderValue {
        self.etag_header.clone()
    }

    /// The Last-Modified date to send with a response made at `now`, in whole
    /// seconds since the epoch.
    ///
    /// RFC 9110 section 8.8.2.1: an origin server MUST NOT send a Last-Modified
    /// later than the time of the message's origination; a file time in the
    /// future is replaced by the origination time. A time at or before the
    /// epoch is not a usable time and gives no Last-Modified at all.
    pub fn last_modified_at(&self, now: SystemTime) -> Option<u64> {
        let (secs, _) = self.modified.as_ref()?;
        Some((*secs).min(whole_seconds(now).unwrap_or(u64::MAX)))
    }

    /// The Last-Modified field value for a response made at `now`.
    pub fn last_modified_header(&self, now: SystemTime) -> Option<HeaderValue> {
        let (secs, header) = self.modified.as_ref()?;
        let now_secs = whole_seconds(now).unwrap_or(u64::MAX);
        Some(if *secs <= now_secs {
            header.clone()
        } else {
            date_header(now_secs)
        })
    }
}

/// The IMF-fixdate of whole seconds since the epoch, as a field value.
fn date_header(secs: u64) -> HeaderValue {
    HeaderValue::try_from(http_date(secs)).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The Date field value for a response made at `now` (RFC 9110 section 6.6.1),
/// formatted once per second.
pub fn date_now_header(now: SystemTime) -> HeaderValue {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(u64, HeaderValue)>> =
            const { std::cell::RefCell::new(None) };
    }
    let secs = whole_seconds(now).unwrap_or(0);
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((cached, value)) if *cached == secs => value.clone(),
            _ => {
                let value = date_header(secs);
                *last = Some((secs, value.clone()));
                value
            }
        }
    })
}

/// The strong entity tag of `content`: its MD5 in lower-case hex, in double quotes.
pub fn strong_etag(content: &[u8]) -> String {
    quoted(&md5_hex(content))
}

/// The MD5 of `content` in lower-case hex.
pub fn md5_hex(content: &[u8]) -> String {
    hex(&Md5::digest(content))
}

/// `digest` in lower-case hex.
pub fn hex(digest: &[u8]) -> String {
    let mut hex = String::with_capacity(2 * digest.len());
    for &byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

fn quoted(hex: &str) -> String {
    format!("\"{hex}\"")
}

/// Whole seconds since the Unix epoch, or None for a time before it.
pub fn whole_seconds(time: SystemTime) -> Option<u64> {
    time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

/// Formats whole seconds since the epoch as an IMF-fixdate (RFC 9110 section 5.6.7).
pub fn http_date(secs: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Parses an HTTP-date in any of the three forms a recipient must accept
/// (RFC 9110 section 5.6.7), to whole seconds since the epoch.
pub fn parse_http_date(value: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(value).ok()?;
    httpdate::parse_http_date(text.trim())
        .ok()
        .and_then(whole_seconds)
}

/// One entity tag as a request field carries it (RFC 9110 section 8.8.3):
/// `opaque` keeps the double quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityTag<'a> {
    pub weak: bool,
    pub opaque: &'a [u8],
}

impl EntityTag<'_> {
    /// Strong comparison (RFC 9110 section 8.8.3.2): both strong, same opaque tag.
    /// Our own tag is always strong.
    pub fn strong_eq(&self, ours: &str) -> bool {
        !self.weak && self.opaque == ours.as_bytes()
    }

    /// Weak comparison (RFC 9110 section 8.8.3.2): same opaque tag, weakness ignored.
    pub fn weak_eq(&self, ours: &str) -> bool {
        self.opaque == ours.as_bytes()
    }
}

/// The value of If-Match or If-None-Match: `"*"` / #entity-tag
/// (RFC 9110 sections 13.1.1 and 13.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityTagList<'a> {
    Any,
    Tags(Vec<EntityTag<'a>>),
}

/// The field value does not follow the grammar of its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

impl<'a> EntityTagList<'a> {
    /// Parses `"*"` or a comma-separated list of entity tags with optional
    /// whitespace and empty elements (RFC 9110 section 5.6.1).
    pub fn parse(value: &'a [u8]) -> Result<Self, Malformed> {
        if trim_ows(value) == b"*" {
            return Ok(EntityTagList::Any);
        }
        let mut tags = Vec::new();
        let mut rest = value;
        loop {
            rest = skip_ows_and_commas(rest);
            if rest.is_empty() {
                break;
            }
            let (tag, after) = parse_entity_tag(rest).ok_or(Malformed)?;
            tags.push(tag);
            rest = trim_ows_start(after);
            match rest.first() {
                None | Some(b',') => {}
                Some(_) => return Err(Malformed),
            }
        }
        Ok(EntityTagList::Tags(tags))
    }

    /// Whether any member matches `ours` under `compare`.
    pub fn any(&self, ours: &str, compare: fn(&EntityTag<'a>, &str) -> bool) -> bool {
        match self {
            EntityTagList::Any => true,
            EntityTagList::Tags(tags) => tags.iter().any(|tag| compare(tag, ours)),
        }
    }
}

/// `entity-tag = [ weak ] opaque-tag; weak = %s"W/"; opaque-tag = DQUOTE *etagc DQUOTE;`
/// etagc = %x21 / %x23-7E / obs-text (RFC 9110 section 8.8.3).
/// Returns the tag and what follows it.
pub fn parse_entity_tag(input: &[u8]) -> Option<(EntityTag<'_>, &[u8])> {
    let (weak, input) = match input.strip_prefix(b"W/") {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    if input.first() != Some(&b'"') {
        return None;
    }
    let close = input[1..].iter().position(|&b| b == b'"')? + 1;
    let opaque = &input[..=close];
    let etagc = |b: &u8| *b == 0x21 || (0x23..=0x7e).contains(b) || *b >= 0x80;
    if !opaque[1..close].iter().all(etagc) {
        return None;
    }
    Some((EntityTag { weak, opaque }, &input[close + 1..]))
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ows_start(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(value.len());
    &value[start..]
}

fn trim_ows(value: &[u8]) -> &[u8] {
    let value = trim_ows_start(value);
    let end = value.iter().rposition(|&b| !is_ows(b)).map_or(0, |i| i + 1);
    &value[..end]
}

fn skip_ows_and_commas(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| !is_ows(b) && b != b',')
        .unwrap_or(value.len());
    &value[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_quoted_md5_hex() {
        assert_eq!(strong_etag(b""), "\"d41d8cd98f00b204e9800998ecf8427e\"");
        assert_eq!(strong_etag(b"abc"), "\"900150983cd24fb0d6963f7d28e17f72\"");
    }

    #[test]
    fn last_modified_is_clamped_to_now_and_cut_to_seconds() {
        let v = Validators::of_content(b"x", Some(UNIX_EPOCH + Duration::from_millis(5_500)));
        assert_eq!(
            v.last_modified_at(UNIX_EPOCH + Duration::from_secs(100)),
            Some(5)
        );
        assert_eq!(
            v.last_modified_at(UNIX_EPOCH + Duration::from_secs(3)),
            Some(3)
        );
        let epoch = Validators::of_content(b"x", Some(UNIX_EPOCH));
        assert_eq!(epoch.last_modified_at(SystemTime::now()), None);
        let none = Validators::of_content(b"x", None);
        assert_eq!(none.last_modified_at(SystemTime::now()), None);
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(
            v.last_modified_header(at(100)).unwrap(),
            "Thu, 01 Jan 1970 00:00:05 GMT"
        );
        assert_eq!(
            v.last_modified_header(at(3)).unwrap(),
            "Thu, 01 Jan 1970 00:00:03 GMT"
        );
        assert_eq!(
            date_now_header(at(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            date_now_header(at(784111778)),
            "Sun, 06 Nov 1994 08:49:38 GMT"
        );
    }

    #[test]
    fn http_dates_round_trip_in_all_three_forms() {
        assert_eq!(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(form.as_bytes()), Some(784111777), "{form}");
        }
        assert_eq!(parse_http_date(b"yesterday"), None);
        assert_eq!(parse_http_date(&[0xff, 0xfe]), None);
    }

    #[test]
    fn entity_tag_lists_parse() {
        let parsed = EntityTagList::parse(b" \"a\" ,W/\"b\",, \"\" ").unwrap();
        let EntityTagList::Tags(tags) = parsed else {
            panic!("expected tags")
        };
        assert_eq!(tags.len(), 3);
        assert!(!tags[0].weak && tags[0].opaque == b"\"a\"");
        assert!(tags[1].weak && tags[1].opaque == b"\"b\"");
        assert_eq!(tags[2].opaque, b"\"\"");
        assert_eq!(EntityTagList::parse(b" * "), Ok(EntityTagList::Any));
        for bad in [
            &b"a"[..],
            b"\"a",
            b"\"a\" \"b\"",
            b"*, \"a\"",
            b"w/\"a\"",
            b"\"a b\"",
        ] {
            assert_eq!(EntityTagList::parse(bad), Err(Malformed), "{bad:?}");
        }
    }

    #[test]
    fn strong_and_weak_comparison_follow_the_rfc_table() {
        // RFC 9110 section 8.8.3.2, the example table.
        let ours = "\"1\"";
        let weak = EntityTag {
            weak: true,
            opaque: b"\"1\"",
        };
        let strong = EntityTag {
            weak: false,
            opaque: b"\"1\"",
        };
        let other = EntityTag {
            weak: false,
            opaque: b"\"2\"",
        };
        assert!(!weak.strong_eq(ours) && weak.weak_eq(ours));
        assert!(strong.strong_eq(ours) && strong.weak_eq(ours));
        assert!(!other.strong_eq(ours) && !other.weak_eq(ours));
    }
}
