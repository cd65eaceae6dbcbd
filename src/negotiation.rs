//! Proactive negotiation (RFC 9110 section 12): what the request's Accept
//! fields allow. Pure; `crate::server` decides with it.

use http::{HeaderMap, header};

/// Whether the request accepts HTML: a `text/html` or
/// `application/xhtml+xml` media range in Accept (RFC 9110 section 12.5.1)
/// with a weight above zero. A browser's navigation sends one; `*/*` alone,
/// as API clients and `fetch()` send, does not count: the app shell is for
/// pages, not for a script's missing JSON.
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|element| {
            let mut parts = element.split(';');
            let range = parts.next().unwrap_or("").trim();
            let html = range.eq_ignore_ascii_case("text/html")
                || range.eq_ignore_ascii_case("application/xhtml+xml");
            html && weight(parts) > 0.0
        })
}

/// The `q` parameter among a media range's parameters (RFC 9110 section
/// 12.4.2); 1 when absent, 0 when it is not a valid weight.
fn weight<'a>(parameters: impl Iterator<Item = &'a str>) -> f32 {
    for parameter in parameters {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            return parse_qvalue(value.trim()).unwrap_or(0.0);
        }
    }
    1.0
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn parse_qvalue(value: &str) -> Option<f32> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let valid = matches!(whole, "0" | "1")
        && fraction.len() <= 3
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || fraction.bytes().all(|b| b == b'0'));
    valid.then(|| value.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn accepts(values: &[&'static str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_static(value));
        }
        accepts_html(&headers)
    }

    #[test]
    fn html_with_a_weight_above_zero() {
        // Chromium's and Firefox's navigation requests.
        assert!(accepts(&[
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
        ]));
        assert!(accepts(&["application/xhtml+xml"]));
        assert!(accepts(&["TEXT/HTML ; q=0.5"]));
        assert!(accepts(&["application/json", "text/html;level=1"]));
        assert!(accepts(&["text/html;q=1.000"]));
        assert!(!accepts(&[]));
        assert!(!accepts(&["*/*"]));
        assert!(!accepts(&["text/*"]));
        assert!(!accepts(&["application/json"]));
        assert!(!accepts(&["text/html;q=0"]));
        assert!(!accepts(&["text/html;q=0.000"]));
        assert!(!accepts(&["text/html;q=2"]));
        assert!(!accepts(&["text/html;q=0.0001"]));
        assert!(!accepts(&["text/htmlx"]));
    }
}
