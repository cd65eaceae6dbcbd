//! The case tables of the fixture site (`tests/fixture-site`), written
//! once and run by two drivers: in process against the server
//! (`tests/in_process/main.rs`, milliseconds, no runtime) and over real HTTP
//! under every runtime and WASI version (`tests/runtimes/site.rs`, through a raw
//! socket, so that every target goes out exactly as written). The checks of
//! an answer are the same for both, through [`Answered`].

use super::{etag_of, fixture_file};

/// What a case expects in the body.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// The file's bytes, its type, and its ETag.
    File(&'static str, &'static str),
    /// The short text of an error status.
    Text,
    /// A site page sent for an error status: its bytes, no validators.
    Page(&'static str),
    /// No body.
    Empty,
    /// A redirect to this location, with the short text of its status.
    Moved(&'static str),
}

/// Settings of the component, as environment variables.
pub type Env = &'static [(&'static str, &'static str)];

/// One row of a table: method, target, request fields, status, body.
pub type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    Expect,
);

/// What a browser's navigation sends.
pub const HTML: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

const HTML_TYPE: &str = "text/html; charset=utf-8";

/// The site's configuration of [`paths_of_a_site`]: a 404 page, an app
/// shell and clean URLs.
pub const SITE: &[(&str, &str)] = &[
    ("NOT_FOUND_PAGE", "/404.html"),
    ("FALLBACK_PAGE", "/app.html"),
    ("CLEAN_URLS", "on"),
];

/// Every kind of path, with the default configuration (no 404 page, no app
/// shell, no clean URLs). The Host checks, which runtimes differ in passing
/// on, are not here: `tests/in_process/main.rs` and `tests/runtimes/hostile.rs` have them.
#[rustfmt::skip]
pub fn paths_by_default() -> Vec<Case> {
    use Expect::*;
    let html = HTML_TYPE;
    vec![
        ("GET", "/", &[], 200, File("index.html", html)),
        ("GET", "/index.html", &[], 200, File("index.html", html)),
        ("GET", "/%69ndex.html", &[], 200, File("index.html", html)),
        ("GET", "/?v=2", &[], 200, File("index.html", html)),
        ("GET", "/css/site.css", &[], 200, File("css/site.css", "text/css; charset=utf-8")),
        ("GET", "/js/app.js", &[], 200, File("js/app.js", "text/javascript; charset=utf-8")),
        ("GET", "/img/logo.png", &[], 200, File("img/logo.png", "image/png")),
        ("HEAD", "/img/logo.png", &[], 200, File("img/logo.png", "image/png")),
        ("GET", "/docs/", &[], 200, File("docs/index.html", html)),
        ("GET", "/docs/guide.txt", &[], 200, File("docs/guide.txt", "text/plain; charset=utf-8")),
        ("GET", "/.well-known/security.txt", &[], 200, File(".well-known/security.txt", "text/plain; charset=utf-8")),
        ("GET", "/empty.txt", &[], 200, File("empty.txt", "text/plain; charset=utf-8")),
        ("GET", "/nodir/", &[], 404, Text),
        ("GET", "/nodir/readme.md", &[], 200, File("nodir/readme.md", "text/markdown; charset=utf-8")),
        ("GET", "/missing", &[("Accept", HTML)], 404, Text),
        ("GET", "/about", &[], 404, Text),
        ("GET", "/.env", &[], 404, Text),
        ("GET", "/.hidden/x.txt", &[], 404, Text),
        ("GET", "/.well-known/", &[], 404, Text),
        ("GET", "/css/site.css/", &[], 404, Text),
        ("GET", "/css//site.css", &[], 404, Text),
        ("GET", "/a%2fb", &[], 404, Text),
        ("GET", "/C:/x", &[], 404, Text),
        ("GET", "/../index.html", &[], 400, Text),
        ("GET", "/%2e%2e/index.html", &[], 400, Text),
        ("GET", "/%zz", &[], 400, Text),
        ("GET", "/%c0%ae%c0%ae/", &[], 400, Text),
        ("GET", "/index.html%00", &[], 400, Text),
        ("GET", "/favicon.ico", &[], 204, Empty),
        ("POST", "/css/site.css", &[], 405, Text),
        ("POST", "/docs", &[], 405, Text),
        ("DELETE", "/missing", &[], 404, Text),
        ("OPTIONS", "/css/site.css", &[], 204, Empty),
        ("OPTIONS", "/docs", &[], 204, Empty),
        ("OPTIONS", "/docs/", &[], 204, Empty),
        ("OPTIONS", "*", &[], 204, Empty),
        ("OPTIONS", "/missing", &[], 404, Text),
        ("GET", "*", &[], 400, Text),
        ("HEAD", "*", &[], 400, Empty),
    ]
}

/// The 404 page, the app shell and clean URLs ([`SITE`]).
#[rustfmt::skip]
pub fn paths_of_a_site() -> Vec<Case> {
    use Expect::*;
    let html = HTML_TYPE;
    vec![
        ("GET", "/about", &[], 200, File("about.html", html)),
        // One URL per page (HTML_HANDLING=auto-trailing-slash): its other
        // names redirect there, query kept.
        ("GET", "/about.html", &[], 308, Moved("/about")),
        ("GET", "/about.html?x=1", &[], 308, Moved("/about?x=1")),
        ("GET", "/about/", &[], 308, Moved("/about")),
        ("GET", "/docs/index.html", &[], 308, Moved("/docs/")),
        ("GET", "/index.html", &[], 308, Moved("/")),
        ("GET", "/docs", &[], 308, Moved("/docs/")),
        ("GET", "/docs/", &[], 200, File("docs/index.html", html)),
        ("GET", "/old/", &[], 200, File("old/index.htm", html)),
        ("GET", "/missing", &[("Accept", HTML)], 200, File("app.html", html)),
        ("GET", "/app/settings/profile", &[("Accept", HTML)], 200, File("app.html", html)),
        ("GET", "/app/settings/", &[("Accept", HTML)], 200, File("app.html", html)),
        ("HEAD", "/missing", &[("Accept", HTML)], 200, File("app.html", html)),
        ("GET", "/missing", &[("Accept", "*/*")], 404, Page("404.html")),
        ("GET", "/missing", &[], 404, Page("404.html")),
        ("GET", "/missing.png", &[("Accept", HTML)], 404, Page("404.html")),
        ("GET", "/.env", &[("Accept", HTML)], 404, Page("404.html")),
        ("GET", "/nodir/", &[], 404, Page("404.html")),
        ("HEAD", "/missing", &[], 404, Empty),
        ("POST", "/missing", &[("Accept", HTML)], 404, Text),
        ("GET", "/../x", &[("Accept", HTML)], 400, Text),
        ("GET", "/", &[], 200, File("index.html", html)),
    ]
}

/// An answer as the checks see it, whichever driver got it.
pub trait Answered: std::fmt::Debug {
    fn status(&self) -> u16;
    /// The value of a field, if it is there.
    fn field_value(&self, name: &str) -> Option<String>;
    fn body(&self) -> &[u8];
}

/// Checks `answer` against what `case` expects.
pub fn check(case: &Case, answer: &impl Answered) {
    let (method, target, fields, status, expect) = *case;
    let what = format!("{method} {target} {fields:?}");
    let field = |name: &str| answer.field_value(name);
    assert_eq!(answer.status(), status, "{what}: {answer:?}");
    match expect {
        Expect::File(name, content_type) => {
            let bytes = fixture_file(name);
            if method == "HEAD" {
                assert!(answer.body().is_empty(), "{what}");
            } else {
                assert_eq!(answer.body(), &bytes[..], "{what}");
            }
            assert_eq!(
                field("content-type").as_deref(),
                Some(content_type),
                "{what}"
            );
            assert_eq!(field("etag"), Some(etag_of(&bytes)), "{what}");
            assert!(field("last-modified").is_some(), "{what}");
            assert_eq!(
                field("content-length"),
                Some(bytes.len().to_string()),
                "{what}"
            );
        }
        Expect::Page(name) => {
            assert_eq!(answer.body(), &fixture_file(name)[..], "{what}");
            assert_eq!(field("etag"), None, "{what}: no validators");
            assert_eq!(
                field("cache-control").as_deref(),
                Some("no-store"),
                "{what}"
            );
        }
        Expect::Text => {
            let text = String::from_utf8_lossy(answer.body());
            assert!(text.starts_with(&status.to_string()), "{what}: {text}");
            assert_eq!(field("etag"), None, "{what}");
        }
        Expect::Empty => assert!(answer.body().is_empty(), "{what}"),
        Expect::Moved(location) => {
            assert_eq!(field("location").as_deref(), Some(location), "{what}");
            let text = String::from_utf8_lossy(answer.body());
            assert!(text.starts_with(&status.to_string()), "{what}: {text}");
        }
    }
}

/// The settings of [`under_a_prefix`]: a 404 page and an app shell.
pub const UNDER_A_PREFIX: Env = &[
    ("NOT_FOUND_PAGE", "/404.html"),
    ("FALLBACK_PAGE", "/app.html"),
];

/// The fixture site served under `/static` (a Spin route `/static/...`, or
/// `BASE_PATH=/static`): files, directories, redirects, rewrites, the app
/// shell and the 404 page, every URL written with the prefix, the rules
/// matched against the site path.
#[rustfmt::skip]
pub fn under_a_prefix() -> Vec<Case> {
    use Expect::*;
    let html = HTML_TYPE;
    vec![
        ("GET", "/static/", &[], 200, File("index.html", html)),
        ("GET", "/static/index.html", &[], 200, File("index.html", html)),
        ("GET", "/static/css/site.css", &[], 200, File("css/site.css", "text/css; charset=utf-8")),
        ("HEAD", "/static/img/logo.png", &[], 200, File("img/logo.png", "image/png")),
        ("GET", "/static", &[], 308, Moved("/static/")),
        ("GET", "/static?x=1", &[], 308, Moved("/static/?x=1")),
        ("GET", "/static/docs", &[], 308, Moved("/static/docs/")),
        ("GET", "/static/docs/", &[], 200, File("docs/index.html", html)),
        ("GET", "/static/old-about", &[], 301, Moved("/static/about.html")),
        ("GET", "/static/moved/guide.txt", &[], 308, Moved("/static/docs/guide.txt")),
        ("GET", "/static/away", &[], 301, Moved("https://example.com/a%20b")),
        ("GET", "/static/app-route/x", &[], 200, File("app.html", html)),
        ("GET", "/static/app/x", &[("Accept", HTML)], 200, File("app.html", html)),
        ("GET", "/static/missing", &[], 404, Page("404.html")),
        ("GET", "/static/_headers", &[], 404, Page("404.html")),
        ("GET", "/static/static/index.html", &[], 404, Page("404.html")),
    ]
}

/// Each `HTML_HANDLING` mode but the default (whose cases, with clean
/// URLs, are [`paths_of_a_site`]'s) with its cases: the canonical URL of a
/// page is its only 200, the others redirect there with 308.
#[rustfmt::skip]
pub fn canonical_urls() -> Vec<(Env, Vec<Case>)> {
    use Expect::*;
    let html = HTML_TYPE;
    let css = ("GET", "/css/site.css", &[][..], 200, File("css/site.css", "text/css; charset=utf-8"));
    vec![
        (&[("HTML_HANDLING", "force-trailing-slash")], vec![
            ("GET", "/about", &[], 308, Moved("/about/")),
            ("GET", "/about.html?x=1", &[], 308, Moved("/about/?x=1")),
            ("GET", "/about/", &[], 200, File("about.html", html)),
            ("GET", "/docs", &[], 308, Moved("/docs/")),
            ("GET", "/docs/index.html", &[], 308, Moved("/docs/")),
            ("GET", "/docs/", &[], 200, File("docs/index.html", html)),
            ("GET", "/index.html", &[], 308, Moved("/")),
            ("GET", "/", &[], 200, File("index.html", html)),
            ("GET", "/old/", &[], 200, File("old/index.htm", html)),
            ("GET", "/docs/guide.txt", &[], 200, File("docs/guide.txt", "text/plain; charset=utf-8")),
            css,
        ]),
        (&[("HTML_HANDLING", "drop-trailing-slash")], vec![
            ("GET", "/about", &[], 200, File("about.html", html)),
            ("GET", "/about/", &[], 308, Moved("/about")),
            ("GET", "/about.html", &[], 308, Moved("/about")),
            ("GET", "/docs", &[], 200, File("docs/index.html", html)),
            ("GET", "/docs/?a=b", &[], 308, Moved("/docs?a=b")),
            ("GET", "/docs/index.html", &[], 308, Moved("/docs")),
            ("HEAD", "/docs/", &[], 308, Empty),
            ("GET", "/", &[], 200, File("index.html", html)),
            ("GET", "/index.html", &[], 308, Moved("/")),
            ("GET", "/old", &[], 200, File("old/index.htm", html)),
            ("GET", "/nodir", &[], 404, Text),
            css,
        ]),
        (&[("HTML_HANDLING", "none"), ("CLEAN_URLS", "on")], vec![
            ("GET", "/about", &[], 404, Text),
            ("GET", "/about.html", &[], 200, File("about.html", html)),
            ("GET", "/docs", &[], 404, Text),
            ("GET", "/docs/", &[], 200, File("docs/index.html", html)),
            ("GET", "/docs/index.html", &[], 200, File("docs/index.html", html)),
            ("GET", "/index.html", &[], 200, File("index.html", html)),
            css,
        ]),
        (&[("INDEX_FILES", "index.htm,index.html")], vec![
            ("GET", "/old/", &[], 200, File("old/index.htm", html)),
            ("GET", "/docs/", &[], 200, File("docs/index.html", html)),
            ("GET", "/old", &[], 308, Moved("/old/")),
        ]),
    ]
}

/// The Accept-Encoding cases of the built fixture site's `/js/big.js`
/// (brotli smaller than gzip, both proven by the build's manifest): the
/// field (None: not sent), the content coding chosen, and the file whose
/// bytes come back (RFC 9110 section 12.5.3).
pub const ENCODINGS: &[(Option<&str>, Option<&str>, &str)] = &[
    (None, None, "js/big.js"),
    (Some("gzip, deflate, br, zstd"), Some("br"), "js/big.js.br"),
    (Some("gzip"), Some("gzip"), "js/big.js.gz"),
    (Some("x-gzip"), Some("gzip"), "js/big.js.gz"),
    (Some("br;q=0.5, gzip;q=0.9"), Some("gzip"), "js/big.js.gz"),
    (Some("*"), Some("br"), "js/big.js.br"),
    (Some("br;q=0, gzip;q=0"), None, "js/big.js"),
    (Some("identity"), None, "js/big.js"),
    (Some("identity;q=0"), None, "js/big.js"),
    (Some("compress, zstd"), Some("zstd"), "js/big.js.zst"),
    (Some("zstd"), Some("zstd"), "js/big.js.zst"),
    (Some("compress"), None, "js/big.js"),
    (Some(""), None, "js/big.js"),
];

/// The request fields of an [`ENCODINGS`] case.
pub fn accept_encoding(accept: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
    accept
        .map(|a| vec![("Accept-Encoding", a)])
        .unwrap_or_default()
}

/// Checks the answers to GET and HEAD of `/js/big.js` in an [`ENCODINGS`]
/// case: the coding, Vary, the bytes of the file it names (`bytes`, read
/// from the served site, where the build wrote the variants), their ETag,
/// the source's type, and HEAD's length.
pub fn check_encoding(
    case: &(Option<&str>, Option<&str>, &str),
    get: &impl Answered,
    head: &impl Answered,
    bytes: &[u8],
) {
    let (accept, coding, _) = *case;
    let what = format!("Accept-Encoding {accept:?}");
    assert_eq!(get.status(), 200, "{what}");
    assert_eq!(
        get.field_value("content-encoding").as_deref(),
        coding,
        "{what}"
    );
    assert_eq!(
        get.field_value("vary").as_deref(),
        Some("Accept-Encoding"),
        "{what}"
    );
    assert_eq!(get.body(), bytes, "{what}");
    assert_eq!(get.field_value("etag"), Some(etag_of(bytes)), "{what}");
    let js = "text/javascript; charset=utf-8";
    assert_eq!(
        get.field_value("content-type").as_deref(),
        Some(js),
        "{what}"
    );
    assert_eq!(
        head.field_value("content-length"),
        Some(bytes.len().to_string()),
        "{what}: HEAD"
    );
    assert_eq!(
        head.field_value("content-encoding").as_deref(),
        coding,
        "{what}: HEAD"
    );
}

/// A request field's value in [`conditionals`], resolved by the driver.
#[derive(Debug, Clone, Copy)]
pub enum Value {
    Literal(&'static str),
    /// The strong ETag of this fixture file's bytes.
    TagOf(&'static str),
    /// The Last-Modified the server sends for this path.
    LastModifiedOf(&'static str),
}

/// The body a [`conditionals`] case expects.
#[derive(Debug, Clone, Copy)]
pub enum Bytes {
    None,
    /// This fixture file whole.
    Whole(&'static str),
    /// Bytes `from..to` of this fixture file.
    Range(&'static str, usize, usize),
    /// The last `n` bytes of this fixture file.
    Tail(&'static str, usize),
    /// A short text.
    Text(&'static str),
}

impl Bytes {
    pub fn of(self) -> Vec<u8> {
        match self {
            Bytes::None => Vec::new(),
            Bytes::Whole(name) => fixture_file(name),
            Bytes::Range(name, from, to) => fixture_file(name)[from..to].to_vec(),
            Bytes::Tail(name, n) => {
                let bytes = fixture_file(name);
                bytes[bytes.len() - n..].to_vec()
            }
            Bytes::Text(text) => text.as_bytes().to_vec(),
        }
    }
}

/// A conditional or range request: GET of the target with these fields,
/// the status and the body.
pub type Conditional = (&'static str, &'static [(&'static str, Value)], u16, Bytes);

/// Preconditions (RFC 9110 section 13) and ranges (section 14) on files
/// other than the page, with [`SITE`]'s configuration.
#[rustfmt::skip]
pub fn conditionals() -> Vec<Conditional> {
    use Bytes::{Tail, Text, Whole};
    use Value::{LastModifiedOf as Date, Literal, TagOf as Tag};
    const CSS: &str = "css/site.css";
    const FAILED: Bytes = Text("412 Precondition Failed\n");
    const UNSATISFIABLE: Bytes = Text("416 Range Not Satisfiable\n");
    vec![
        ("/css/site.css", &[("If-None-Match", Tag(CSS))], 304, Bytes::None),
        ("/css/site.css", &[("If-Modified-Since", Date("/css/site.css"))], 304, Bytes::None),
        ("/css/site.css", &[("If-None-Match", Literal("\"other\"")), ("If-Modified-Since", Date("/css/site.css"))], 200, Whole(CSS)),
        ("/css/site.css", &[("If-Match", Literal("\"other\""))], 412, FAILED),
        ("/css/site.css", &[("If-Match", Tag(CSS))], 200, Whole(CSS)),
        ("/css/site.css", &[("Range", Literal("bytes=0-3"))], 206, Bytes::Range(CSS, 0, 4)),
        ("/css/site.css", &[("Range", Literal("bytes=-1"))], 206, Tail(CSS, 1)),
        ("/css/site.css", &[("Range", Literal("bytes=0-3")), ("If-Range", Tag(CSS))], 206, Bytes::Range(CSS, 0, 4)),
        ("/css/site.css", &[("Range", Literal("bytes=0-3")), ("If-Range", Literal("\"other\""))], 200, Whole(CSS)),
        ("/css/site.css", &[("Range", Literal("bytes=999-"))], 416, UNSATISFIABLE),
        ("/img/logo.png", &[("Range", Literal("bytes=1-3"))], 206, Text("PNG")),
        ("/img/logo.png", &[("If-None-Match", Literal("*"))], 304, Bytes::None),
        ("/docs/", &[("If-None-Match", Tag("docs/index.html"))], 304, Bytes::None),
        // RFC 9110 section 14.1.2: a suffix of an empty file is satisfiable.
        ("/empty.txt", &[("Range", Literal("bytes=-5"))], 200, Bytes::None),
        ("/empty.txt", &[("Range", Literal("bytes=0-"))], 416, UNSATISFIABLE),
        // The app shell revalidates with its own validators.
        ("/app/x", &[("Accept", Literal(HTML)), ("If-None-Match", Tag("app.html"))], 304, Bytes::None),
        // The 404 page ignores preconditions (RFC 9110 section 13.2.1).
        ("/gone.txt", &[("If-None-Match", Literal("*"))], 404, Whole("404.html")),
    ]
}

/// The request fields of a [`conditionals`] case, `date_of` giving the
/// Last-Modified the server sends for a path.
pub fn resolve(
    fields: &[(&'static str, Value)],
    mut date_of: impl FnMut(&str) -> String,
) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .map(|&(name, value)| {
            let value = match value {
                Value::Literal(text) => text.to_string(),
                Value::TagOf(file) => etag_of(&fixture_file(file)),
                Value::LastModifiedOf(path) => date_of(path),
            };
            (name, value)
        })
        .collect()
}

/// Checks the answer to a [`conditionals`] case.
pub fn check_conditional(case: &Conditional, answer: &impl Answered) {
    let (target, fields, status, body) = *case;
    let what = format!("{target} {fields:?}");
    assert_eq!(answer.status(), status, "{what}: {answer:?}");
    assert_eq!(answer.body(), &body.of()[..], "{what}");
    if status == 206 {
        assert!(answer.field_value("content-range").is_some(), "{what}");
    }
    if status == 304 {
        assert!(
            answer.field_value("etag").is_some(),
            "{what}: a 304 carries its validators"
        );
    }
}

/// A case of the fixture site's `_headers` and `_redirects`: the request,
/// the status, the fields the answer has (`Some`) or has not (`None`), and
/// the file whose bytes and ETag it carries, if any.
#[derive(Debug, Clone)]
pub struct RuleCase {
    pub method: &'static str,
    pub target: &'static str,
    pub fields: Vec<(&'static str, String)>,
    pub status: u16,
    pub expect: Vec<(&'static str, Option<&'static str>)>,
    pub file: Option<&'static str>,
}

fn rule_case(
    method: &'static str,
    target: &'static str,
    fields: &[(&'static str, &str)],
    status: u16,
    expect: &[(&'static str, Option<&'static str>)],
    file: Option<&'static str>,
) -> RuleCase {
    RuleCase {
        method,
        target,
        fields: fields.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        status,
        expect: expect.to_vec(),
        file,
    }
}

/// The rules of the fixture site's `_headers` and `_redirects` in force:
/// fields by path on 200, 304, 404, redirects and OPTIONS; a detached
/// field; a placeholder in a value; Vary merged; CORS preflight; every
/// redirect status, splats, placeholders and queries; rewrites with their
/// target's validators; the rules files never served. For the built site
/// (its variants written), with the default configuration.
#[rustfmt::skip]
pub fn site_rules() -> Vec<RuleCase> {
    let nosniff = ("x-content-type-options", Some("nosniff"));
    let about_tag = etag_of(&fixture_file("about.html"));
    let app_tag = etag_of(&fixture_file("app.html"));
    let css_tag = etag_of(&fixture_file("css/site.css"));
    let private_tag = etag_of(&fixture_file("docs/private/page.html"));
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let (about_tag, app_tag, css_tag) = (leak(about_tag), leak(app_tag), leak(css_tag));
    let private_tag = leak(private_tag);
    // Basic-Auth of /docs/private/*: admin's password as written, ann's hashed.
    let (admin, ann) = (("Authorization", "Basic YWRtaW46c2VjcmV0MTIz"), ("Authorization", "basic YW5uOm9wZW4gc2VzYW1l"));
    let wrong = ("Authorization", "Basic YWRtaW46c2VjcmV0MTI0");
    let challenge = ("www-authenticate", Some("Basic realm=\"site\", charset=\"UTF-8\""));
    let private = ("cache-control", Some("private, max-age=600"));
    let (no_hsts, no_auth_field) = (("strict-transport-security", None), ("basic-auth", None));
    let origin = ("Origin", "http://app.example");
    let (no_nosniff, noindex) = (("x-content-type-options", None), ("x-robots-tag", Some("noindex")));
    let allow = ("allow", Some("GET, HEAD, OPTIONS"));
    let from_app = ("access-control-allow-origin", Some("http://app.example"));
    vec![
        // Fields by path, on the 200 and the 304 of a file.
        rule_case("GET", "/", &[], 200, &[nosniff, ("cache-control", Some("no-cache"))], Some("index.html")),
        rule_case("GET", "/docs/guide.txt", &[], 200, &[nosniff, ("cache-control", Some("public, max-age=600"))], Some("docs/guide.txt")),
        rule_case("GET", "/about.html", &[("If-None-Match", about_tag)], 304, &[no_nosniff, noindex, ("etag", Some(about_tag))], None),
        rule_case("GET", "/about.html", &[], 200, &[no_nosniff, noindex], Some("about.html")),
        // CORS: Vary merged with the component's; the preflight answered.
        rule_case("GET", "/api/data.json", &[origin, ("Accept-Encoding", "gzip")], 200,
            &[from_app, ("vary", Some("Accept-Encoding, Origin")), ("content-encoding", Some("gzip")), nosniff], None),
        rule_case("OPTIONS", "/api/data.json", &[origin, ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "x-requested-with")], 204,
            &[allow, from_app, ("access-control-allow-methods", Some("GET, HEAD, OPTIONS")),
              ("access-control-allow-headers", Some("X-Requested-With")), ("access-control-max-age", Some("600"))], None),
        rule_case("OPTIONS", "/api/missing.json", &[origin], 404, &[("allow", None)], None),
        rule_case("OPTIONS", "*", &[], 204, &[allow, no_nosniff], None),
        // A 404: the fields of its path, a placeholder's value, no-store kept.
        rule_case("GET", "/team/ann", &[], 404, &[("x-member", Some("ann")), nosniff, ("cache-control", Some("no-store"))], None),
        // Redirects: each status, the query kept unless the rule has one.
        rule_case("GET", "/old-about", &[], 301, &[("location", Some("/about.html")), nosniff], None),
        rule_case("HEAD", "/old-about?x=1", &[], 301, &[("location", Some("/about.html?x=1"))], None),
        rule_case("GET", "/found", &[], 302, &[("location", Some("/about.html"))], None),
        rule_case("GET", "/see-other", &[], 303, &[("location", Some("/about.html"))], None),
        rule_case("GET", "/temporary", &[], 307, &[("location", Some("/about.html"))], None),
        rule_case("GET", "/moved/a%20b/c.txt?v=1", &[], 308, &[("location", Some("/docs/a%20b/c.txt?v=1"))], None),
        rule_case("GET", "/blog/2026/guide.txt?x=1", &[], 302, &[("location", Some("/docs/guide.txt?year=2026"))], None),
        rule_case("GET", "/away", &[], 301, &[("location", Some("https://example.com/a%20b"))], None),
        // Rewrites: the target's bytes and validators, so a 304 works.
        rule_case("GET", "/app-route/settings/x", &[], 200, &[nosniff, ("etag", Some(app_tag))], Some("app.html")),
        rule_case("GET", "/app-route/y", &[("If-None-Match", app_tag)], 304, &[nosniff, ("etag", Some(app_tag))], None),
        rule_case("GET", "/css/old.css", &[("If-None-Match", css_tag)], 304, &[("etag", Some(css_tag))], None),
        rule_case("GET", "/ghost/x", &[], 404, &[("cache-control", Some("no-store"))], None),
        // Basic-Auth: a 401 without credentials, whatever else the path would
        // answer (a 304, a 404), no byte or validator of the page; with them
        // the page, private; never the Basic-Auth line; preflights pass.
        rule_case("GET", "/docs/private/page.html", &[], 401, &[challenge, ("etag", None), ("cache-control", Some("no-store")), ("vary", Some("Authorization")), no_auth_field], None),
        rule_case("GET", "/docs/private/page.html", &[admin], 200, &[private, ("vary", Some("Authorization")), ("etag", Some(private_tag)), no_auth_field], Some("docs/private/page.html")),
        rule_case("HEAD", "/docs/private/page.html", &[ann], 200, &[private, ("www-authenticate", None)], None),
        rule_case("GET", "/docs/private/page.html", &[wrong], 401, &[challenge, ("etag", None)], None),
        rule_case("GET", "/docs/private/page.html", &[("If-None-Match", private_tag)], 401, &[challenge, ("etag", None)], None),
        rule_case("GET", "/docs/private/page.html", &[("If-None-Match", private_tag), admin], 304, &[private, ("etag", Some(private_tag))], None),
        rule_case("GET", "/docs/private/missing.html", &[], 401, &[challenge], None),
        rule_case("GET", "/docs/private", &[], 401, &[challenge, ("location", None)], None),
        rule_case("GET", "/DOCS/private/page.html", &[], 401, &[challenge], None),
        rule_case("OPTIONS", "/docs/private/nothing.html", &[], 204, &[("etag", None)], None),
        rule_case("GET", "/rules/docs/private/page.html", &[admin], 404, &[("etag", None)], None),
        rule_case("OPTIONS", "/docs/private/page.html", &[origin], 204, &[("allow", Some("GET, HEAD, OPTIONS"))], None),
        // Strict-Transport-Security only over HTTPS (RFC 6797 section 7.2).
        rule_case("GET", "/docs/guide.txt", &[], 200, &[no_hsts, ("cache-control", Some("public, max-age=600"))], Some("docs/guide.txt")),
        // An allow-list of origins, more specific than /api/*'s one origin.
        rule_case("GET", "/api/list/data.json", &[("Origin", "http://b.example")], 200, &[("access-control-allow-origin", Some("http://b.example")), ("vary", Some("Origin"))], Some("api/list/data.json")),
        rule_case("GET", "/api/list/data.json", &[("Origin", "http://c.example")], 200, &[("access-control-allow-origin", None), ("vary", Some("Origin"))], Some("api/list/data.json")),
        rule_case("OPTIONS", "/api/list/data.json", &[("Origin", "http://a.example"), ("Access-Control-Request-Method", "GET")], 204, &[("access-control-allow-origin", Some("http://a.example"))], None),
        rule_case("OPTIONS", "/api/list/data.json", &[("Origin", "http://c.example"), ("Access-Control-Request-Method", "GET")], 204, &[("access-control-allow-origin", None), ("access-control-allow-methods", Some("GET, HEAD, OPTIONS"))], None),
        rule_case("GET", "/api/data.json", &[("Origin", "http://b.example")], 200, &[from_app], None),
        // The rules files are never served.
        rule_case("GET", "/_headers", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/_redirects", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/%5Fheaders", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/_HEADERS", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/rules/_headers", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/rules/_Redirects", &[], 404, &[("etag", None)], None),
        rule_case("GET", "/rules/index.html", &[], 200, &[], Some("index.html")),
        // A rewrite does not apply where a file is; the next rule does.
        rule_case("GET", "/kept.txt", &[], 302, &[("location", Some("/about.html"))], None),
    ]
}

/// Checks `answer` against a [`RuleCase`].
pub fn check_rule_case(case: &RuleCase, answer: &impl Answered) {
    let what = format!("{} {} {:?}", case.method, case.target, case.fields);
    assert_eq!(answer.status(), case.status, "{what}: {answer:?}");
    for (name, expected) in &case.expect {
        assert_eq!(
            answer.field_value(name).as_deref(),
            *expected,
            "{what}: {name}: {answer:?}"
        );
    }
    if let Some(file) = case.file {
        let bytes = fixture_file(file);
        assert_eq!(answer.body(), &bytes[..], "{what}");
        assert_eq!(answer.field_value("etag"), Some(etag_of(&bytes)), "{what}");
    }
}
