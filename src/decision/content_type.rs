//! What a file's name says of its representation: the Content-Type (RFC 9110
//! section 8.3), from the name's extension (crate `mime_guess`), with
//! `charset=utf-8` on text: a site's text files are written in UTF-8, and a
//! browser that is not told guesses; and, for the few extensions that name
//! a content coding of another type, the Content-Encoding (section 8.4).
//!
//! A name's last extension decides, as in Apache's and nginx's mappings:
//! - `logo.svgz` is an SVG image in gzip: `image/svg+xml` with
//!   `Content-Encoding: gzip`, so that a browser decodes it and renders the
//!   image ([`CODED_TYPES`]).
//! - `site.tar.gz`, `site.tgz`, `data.json.br`, `app.js.zst` asked for by
//!   their own name are archives, sent as the bytes they are with their
//!   archive type and no Content-Encoding, so that a browser saves them as
//!   they are instead of decoding them ([`ARCHIVE_TYPES`]). The component's
//!   own precompressed variants (`app.js.br` beside `app.js`) are sent with
//!   Content-Encoding only when the request names `app.js`.
//! - No charset on bytes that are not text, coded text included.

use http::HeaderValue;

/// The type of a name whose extension says nothing.
pub const UNKNOWN: &str = "application/octet-stream";

/// Extensions that name a media type in a content coding: (extension, type,
/// coding). Apache ships `AddEncoding gzip svgz`-style rules and
/// `image/svg+xml svg svgz`; nginx's mime.types maps `svgz` to the type, and
/// its users add the coding.
const CODED_TYPES: &[(&str, &str, &str)] = &[("svgz", "image/svg+xml", "gzip")];

/// Extensions of compressed files that are archives when asked for by their
/// own name, where `mime_guess` has no type or another one: gzip (RFC 6713),
/// zstd (RFC 8878), and brotli, which has no registered media type.
const ARCHIVE_TYPES: &[(&str, &str)] = &[
    ("gz", "application/gzip"),
    ("tgz", "application/gzip"),
    ("zst", "application/zstd"),
    ("br", UNKNOWN),
];

/// What a file's name says of how to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedType {
    /// The Content-Type field value.
    pub content_type: HeaderValue,
    /// The content coding the file's bytes are in, by its name (`gzip` for
    /// `.svgz`); None for every other name.
    pub content_encoding: Option<&'static str>,
}

/// The name's last extension, lower-cased; None without one.
fn extension(name: &str) -> Option<String> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let (stem, extension) = file.rsplit_once('.')?;
    (!stem.is_empty()).then(|| extension.to_ascii_lowercase())
}

/// The media type of a file named `name`, without parameters, and the
/// content coding its name says.
fn essence(name: &str) -> (&'static str, Option<&'static str>) {
    if let Some(extension) = extension(name) {
        if let Some((_, essence, coding)) = CODED_TYPES.iter().find(|(e, ..)| *e == extension) {
            return (essence, Some(coding));
        }
        if let Some((_, essence)) = ARCHIVE_TYPES.iter().find(|(e, _)| *e == extension) {
            return (essence, None);
        }
    }
    (
        mime_guess::from_path(name).first_raw().unwrap_or(UNKNOWN),
        None,
    )
}

/// The Content-Type and Content-Encoding a file named `name` is sent with.
pub fn for_file_name(name: &str) -> NamedType {
    let (essence, content_encoding) = essence(name);
    let content_type = if is_text(essence) && content_encoding.is_none() {
        HeaderValue::try_from(format!("{essence}; charset=utf-8"))
            .unwrap_or_else(|_| HeaderValue::from_static(UNKNOWN))
    } else {
        HeaderValue::from_static(essence)
    };
    NamedType {
        content_type,
        content_encoding,
    }
}

/// Whether a file of this name is worth compressing: text, and the binary
/// types that are not compressed already (WebAssembly, icons, fonts of the
/// older kinds). Images, archives, WOFF2 fonts and files whose name says a
/// coding (`.svgz`) are.
pub fn is_compressible(name: &str) -> bool {
    match essence(name) {
        (_, Some(_)) => false,
        (essence, None) => {
            is_text(essence)
                || matches!(
                    essence,
                    "application/wasm"
                        | "image/x-icon"
                        | "font/ttf"
                        | "font/otf"
                        | "application/xhtml+xml"
                )
        }
    }
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
            (".gz", UNKNOWN),
        ] {
            let named = for_file_name(name);
            assert_eq!(named.content_type, expected, "{name}");
            assert_eq!(named.content_encoding, None, "{name}");
        }
    }

    /// Every name whose extension says a coding (RFC 9110 sections 8.3 and
    /// 8.4): a coded type gets its type and Content-Encoding, an archive its
    /// archive type and none; neither gets a charset.
    #[test]
    fn names_that_say_a_content_coding() {
        for (name, content_type, coding) in [
            ("logo.svgz", "image/svg+xml", Some("gzip")),
            ("img/LOGO.SVGZ", "image/svg+xml", Some("gzip")),
            ("site.tar.gz", "application/gzip", None),
            ("site.tgz", "application/gzip", None),
            ("css/site.css.gz", "application/gzip", None),
            ("js/app.js.br", UNKNOWN, None),
            ("data.json.zst", "application/zstd", None),
            ("dump.tar.zst", "application/zstd", None),
            ("notes.txt.bz2", "application/x-bzip2", None),
            ("notes.txt.xz", "application/x-xz", None),
            ("site.zip", "application/zip", None),
        ] {
            let named = for_file_name(name);
            assert_eq!(named.content_type, content_type, "{name}");
            assert_eq!(named.content_encoding, coding, "{name}");
            assert!(!is_compressible(name), "{name}: compressed already");
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
            "a.png", "a.jpg", "a.woff2", "a.gz", "a.br", "a.zip", "LICENSE", "a.svgz",
        ] {
            assert!(!is_compressible(name), "{name}");
        }
    }
}
