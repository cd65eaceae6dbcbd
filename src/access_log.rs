//! The access log: one line per request on stdout.

use std::fmt;

use crate::decision::preconditions::DecidedBy;

/// Longest part of a request path that is written to the log.
const MAX_LOGGED_PATH: usize = 200;

/// `method=GET path=/ status=304 bytes=0 decided-by=if-none-match
/// host=example.org`: the method, the path, the status, the bytes of body
/// sent, the precondition field that decided a 304 or 412 (`-` otherwise),
/// and the authority (the host the request named) as the runtime passed it
/// on (`-` when none).
#[derive(Debug, Clone, Copy)]
pub struct AccessLogLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub bytes: u64,
    pub decided_by: Option<DecidedBy>,
    pub authority: Option<&'a str>,
}

impl fmt::Display for AccessLogLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "method={} path=", escaped(self.method))?;
        write!(f, "{}", escaped(self.path))?;
        write!(
            f,
            " status={} bytes={} decided-by=",
            self.status, self.bytes
        )?;
        f.write_str(self.decided_by.map_or("-", DecidedBy::field_name))?;
        write!(f, " host={}", escaped(self.authority.unwrap_or_default()))
    }
}

/// The text with anything but printable ASCII (and with spaces) escaped as
/// `\xNN`, cut to `MAX_LOGGED_PATH` characters, so that a request cannot
/// forge log lines.
pub fn escaped(text: &str) -> String {
    let max = MAX_LOGGED_PATH;
    let mut out = String::with_capacity(text.len().min(max));
    for byte in text.bytes() {
        if out.len() >= max {
            out.push_str("...");
            break;
        }
        if byte.is_ascii_graphic() && byte != b'\\' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_line() {
        let line = AccessLogLine {
            method: "GET",
            path: "/",
            status: 304,
            bytes: 0,
            decided_by: Some(DecidedBy::IfNoneMatch),
            authority: Some("example.org:8081"),
        };
        assert_eq!(
            line.to_string(),
            "method=GET path=/ status=304 bytes=0 decided-by=if-none-match host=example.org:8081"
        );
    }

    #[test]
    fn escapes_and_cuts_paths() {
        let line = AccessLogLine {
            method: "GET",
            path: "/a b\nmethod=FAKE\u{e9}",
            status: 404,
            bytes: 14,
            decided_by: None,
            authority: Some("a b\nc"),
        };
        let text = line.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(text.matches(' ').count(), 5, "{text}");
        assert!(text.ends_with(" host=a\\x20b\\x0ac"), "{text}");
        assert!(
            text.contains("/a\\x20b\\x0amethod=FAKE\\xc3\\xa9"),
            "{text}"
        );
        let long = "/".repeat(1000);
        let line = AccessLogLine {
            path: &long,
            ..line
        };
        assert!(line.to_string().len() < 300);
    }
}
