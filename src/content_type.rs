//! The Content-Type of a file, from its name (crate `mime_guess`), with
//! `charset=utf-8` on text: a site's text files are written in UTF-8, and a
//! browser that is not told guesses (RFC 9110 section 8.3).

use http::HeaderValue;

/// The type of a name whose extension says nothing.
pub const UNKNOWN: &str = "application/octet-stream";

/// The media type of a file named `name`, without parameters.
fn essence(name: &str) -> &'static str {
    mime_guess::from_path(name).first_raw().unwrap_or(UNKNOWN)
}

/// The Content-Type field value for a file named `name`.
pub fn for_file_name(name: &str) -> HeaderValue {
    let essence = essence(name);
    if is_text(essence) {
        HeaderValue::try_from(format!("{essence}; charset=utf-8"))
            .unwrap_or_else(|_| HeaderValue::from_static(UNKNOWN))
    } else {
        HeaderValue::from_static(essence)
    }
}

/// Whether a file of this name is worth compressing: text, and the binary
/// types that are not compressed already (WebAssembly, icons, fonts of the
/// older kinds). Images, archives and WOFF2 fonts are.
pub fn is_compressible(name: &str) -> bool {
    let essence = essence(name);
    is_text(essence)
        || matches!(
            essence,
            "application/wasm" | "image/x-icon" | "font/ttf" | "font/otf" | "application/xhtml+xml"
        )
}

/// Types whose content is text in a character encoding.
fn is_text(essence: &str) -> bool {
    essence.starts_with("text/")
        || matches!(
            essence,
            "application/javascript"
                | "application/json"
                | "application/manifest+json"
                | "application/xml"
                | "image/svg+xml"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_name() {
        for (name, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("site.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("data.json", "application/json; charset=utf-8"),
            ("logo.svg", "image/svg+xml; charset=utf-8"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("photo.png", "image/png"),
            ("photo.JPG", "image/jpeg"),
            ("favicon.ico", "image/x-icon"),
            ("font.woff2", "font/woff2"),
            ("app.wasm", "application/wasm"),
            ("archive.tar.gz", "application/gzip"),
            ("LICENSE", UNKNOWN),
            ("weird.zzzz", UNKNOWN),
        ] {
            assert_eq!(for_file_name(name), expected, "{name}");
        }
    }

    #[test]
    fn what_is_worth_compressing() {
        for name in [
            "a.html", "a.css", "a.js", "a.json", "a.svg", "a.wasm", "a.txt",
        ] {
            assert!(is_compressible(name), "{name}");
        }
        for name in [
            "a.png", "a.jpg", "a.woff2", "a.gz", "a.br", "a.zip", "LICENSE",
        ] {
            assert!(!is_compressible(name), "{name}");
        }
    }
}
