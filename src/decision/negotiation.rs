//! Proactive negotiation (RFC 9110 section 12): what the request's Accept
//! and Accept-Encoding fields allow. Pure; `crate::resolve` chooses with it.

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

/// A content coding of a precompressed variant (RFC 9110 section 8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Zstd,
    Gzip,
}

impl Encoding {
    /// Every coding the build writes a variant in.
    pub const ALL: [Encoding; 3] = [Encoding::Brotli, Encoding::Zstd, Encoding::Gzip];

    /// The Content-Encoding token.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zstd",
            Encoding::Gzip => "gzip",
        }
    }

    /// The extension of the variant's file: `app.js.br`, `app.js.zst`,
    /// `app.js.gz`.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Zstd => "zst",
            Encoding::Gzip => "gz",
        }
    }

    /// The name of the variant of the file `name` in this coding:
    /// `app.js.br` for `app.js`. The build writes it; the component looks it up.
    pub fn variant_name(self, name: &str) -> String {
        format!("{name}.{}", self.extension())
    }

    /// The coding and source name of a variant's name: `(Brotli, "app.js")`
    /// for `app.js.br`; None for a name that is no variant's.
    pub fn of_variant_name(name: &str) -> Option<(Encoding, &str)> {
        Encoding::ALL.into_iter().find_map(|coding| {
            let source = name.strip_suffix(coding.extension())?.strip_suffix('.')?;
            let file = source.rsplit('/').next().unwrap_or(source);
            (!file.is_empty()).then_some((coding, source))
        })
    }

    fn matches(self, coding: &str) -> bool {
        coding.eq_ignore_ascii_case(self.token())
            || (self == Encoding::Gzip && coding.eq_ignore_ascii_case("x-gzip"))
    }
}

/// Which of the `available` codings to send, or None for the file as it is
/// (`identity`), by RFC 9110 section 12.5.3:
/// - Without Accept-Encoding, the file as it is: any coding would be
///   allowed, but a client that sent no field (curl without `--compressed`)
///   may not decode one.
/// - A coding is acceptable with its own weight, else with the weight of
///   `*`, else not at all; `identity` with its own weight, else that of `*`,
///   else the lowest weight above 0. A weight of 0 refuses (`gzip;q=0`, `identity;q=0`, `*;q=0`).
///   `x-gzip` is `gzip` (section 8.4.1.3). An empty field value accepts only
///   `identity`.
/// - The highest weight wins; a tie goes to the smallest bytes (`available`
///   gives each variant's length), then to the order of [`Encoding::ALL`],
///   and any coding to identity (a variant is kept only when it is smaller).
/// - When nothing available is acceptable (`identity;q=0` and no coding we
///   have), the file as it is: sending it is more useful than a 406, as the
///   RFC's editors intended.
pub fn choose_encoding(headers: &HeaderMap, available: &[(Encoding, u64)]) -> Option<Encoding> {
    let mut lines = headers.get_all(header::ACCEPT_ENCODING).iter().peekable();
    lines.peek()?;
    let elements: Vec<(&str, f32)> = lines
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            let mut parts = element.split(';');
            let coding = parts.next()?.trim();
            (!coding.is_empty()).then(|| (coding, weight(parts)))
        })
        .collect();
    let listed = |matches: &dyn Fn(&str) -> bool| {
        elements
            .iter()
            .find(|(coding, _)| matches(coding))
            .map(|(_, q)| *q)
    };
    let star = listed(&|coding| coding == "*");
    let mut best: (Option<Encoding>, f32, u64) = (None, 0.0, u64::MAX);
    for encoding in Encoding::ALL {
        let Some(&(_, len)) = available.iter().find(|(e, _)| *e == encoding) else {
            continue;
        };
        let q = listed(&|coding| encoding.matches(coding))
            .or(star)
            .unwrap_or(0.0);
        if q > best.1 || (q > 0.0 && q == best.1 && len < best.2) {
            best = (Some(encoding), q, len);
        }
    }
    // Not named, identity is acceptable but last: a client that lists
    // codings prefers any of them to none.
    let identity = listed(&|coding| coding.eq_ignore_ascii_case("identity"))
        .or(star)
        .unwrap_or(f32::MIN_POSITIVE);
    if identity > best.1 { None } else { best.0 }
}

/// The `q` parameter among an element's parameters (RFC 9110 section
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

    /// The coding chosen among `available`, whose variants have the sizes
    /// of a typical stylesheet: brotli smallest, then zstd, then gzip.
    fn chosen(values: &[&'static str], available: &[Encoding]) -> Option<&'static str> {
        let sized: Vec<(Encoding, u64)> = available
            .iter()
            .map(|&coding| {
                let len = match coding {
                    Encoding::Brotli => 900,
                    Encoding::Zstd => 1000,
                    Encoding::Gzip => 1100,
                };
                (coding, len)
            })
            .collect();
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        }
        choose_encoding(&headers, &sized).map(Encoding::token)
    }

    #[test]
    fn every_accept_encoding_case() {
        use Encoding::{Brotli, Gzip, Zstd};
        let both = &[Brotli, Gzip][..];
        let all = &[Brotli, Zstd, Gzip][..];
        for (values, available, expected) in [
            // No field: as it is. An empty value: only identity.
            (&[][..], both, None),
            (&[""], both, None),
            // Browsers.
            (&["gzip, deflate, br, zstd"], both, Some("br")),
            (&["gzip, deflate, br, zstd"], &[Gzip][..], Some("gzip")),
            (&["gzip, deflate, br, zstd"], &[][..], None),
            (&["gzip, deflate"], both, Some("gzip")),
            // Weights, across lines, case and the x-gzip alias.
            (&["br;q=0.5, gzip;q=0.8"], both, Some("gzip")),
            (&["br;q=0.5", "gzip;q=0.8"], both, Some("gzip")),
            (&["GZIP"], both, Some("gzip")),
            (&["x-gzip"], both, Some("gzip")),
            (&["gzip;q=0.5, identity"], both, None),
            (&["gzip, identity;q=0.5"], both, Some("gzip")),
            // q=0 refuses.
            (&["br;q=0, gzip"], both, Some("gzip")),
            (&["br;q=0, gzip;q=0"], both, None),
            // * stands for what is not listed.
            (&["*"], both, Some("br")),
            (&["*;q=0.1, gzip"], both, Some("gzip")),
            (&["*;q=0, identity"], both, None),
            (&["br;q=0, *"], both, Some("gzip")),
            // Nothing acceptable: the file as it is rather than 406.
            (&["identity;q=0"], &[][..], None),
            (&["*;q=0"], both, None),
            (&["identity;q=0, br"], &[Gzip][..], None),
            (&["identity;q=0, gzip"], both, Some("gzip")),
            // zstd: Chromium's and Firefox's field; the smallest at equal weight.
            (&["gzip, deflate, br, zstd"], all, Some("br")),
            (&["gzip, deflate, zstd"], all, Some("zstd")),
            (&["zstd, br;q=0.9"], all, Some("zstd")),
            (&["zstd"], both, None),
            (&["*"], &[Zstd, Gzip][..], Some("zstd")),
            // Unknown codings and bad weights.
            (&["compress"], both, None),
            (&["gzip;q=2"], both, None),
            (&["gzip;q=0.5;x=y"], both, Some("gzip")),
        ] {
            assert_eq!(
                chosen(values, available),
                expected,
                "{values:?} of {available:?}"
            );
        }
    }

    /// At equal weight the smallest bytes win, whatever the coding.
    #[test]
    fn the_smallest_at_equal_weight() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br, zstd"),
        );
        let sizes = [
            (Encoding::Brotli, 500),
            (Encoding::Zstd, 480),
            (Encoding::Gzip, 600),
        ];
        assert_eq!(choose_encoding(&headers, &sizes), Some(Encoding::Zstd));
        let sizes = [
            (Encoding::Brotli, 500),
            (Encoding::Zstd, 520),
            (Encoding::Gzip, 400),
        ];
        assert_eq!(choose_encoding(&headers, &sizes), Some(Encoding::Gzip));
        let sizes = [(Encoding::Brotli, 500), (Encoding::Zstd, 500)];
        assert_eq!(
            choose_encoding(&headers, &sizes),
            Some(Encoding::Brotli),
            "then the order"
        );
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0.9"),
        );
        let sizes = [(Encoding::Brotli, 100), (Encoding::Gzip, 600)];
        assert_eq!(
            choose_encoding(&headers, &sizes),
            Some(Encoding::Gzip),
            "the weight first"
        );
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
