//! The whole server in-process on a fixture site, as tower-http tests
//! `ServeDir`: every kind of path, and the RFC 9110 answers on files other
//! than the page. The same paths go through both runtimes in tests/runtimes/site.rs.

use std::fs;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use http_caching_server::Clock;
use http_caching_server::RequestHead;
use http_caching_server::strong_etag;
use http_caching_server::{Config, DOCUMENT_ROOT};
use http_caching_server::{LogLines, ResponsePlan, Server};

#[allow(unused_macros)]
#[path = "../support/mod.rs"]
mod support;

mod built;
mod properties;
mod settings;

use support::cases::{self, Answered, Case, Expect, HTML, SITE, check, check_conditional};

/// The fixture site (`support::fixture_site_dir`), served in process.
struct Fixture {
    dir: tempfile::TempDir,
    server: Server,
}

fn fixture(env: &[(&str, &str)]) -> Fixture {
    serve_dir(support::fixture_site_dir(), env)
}

/// The fixture site after the build step: precompressed variants and the
/// site manifest written.
fn built_fixture(env: &[(&str, &str)]) -> Fixture {
    serve_dir(support::built_fixture_site_dir(), env)
}

fn serve_dir(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Fixture {
    let server = Server::new(config_of(dir.path(), env));
    Fixture { dir, server }
}

/// The configuration of `env` for the site at `dir`.
fn config_of(dir: &std::path::Path, env: &[(&str, &str)]) -> Config {
    let root = dir.to_str().unwrap().to_string();
    let (config, log_lines) = Config::from_lookup(|name| {
        if name == DOCUMENT_ROOT {
            return Some(root.clone());
        }
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    });
    assert!(log_lines.is_empty(), "{log_lines:?}");
    config
}

impl Fixture {
    /// A new server on the same directory, as a new instance starts.
    fn new_instance(&mut self, env: &[(&str, &str)]) {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        *self = serve_dir(dir, env);
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.dir.path().join(name)).unwrap()
    }
}

impl Fixture {
    fn request(&mut self, method: &str, target: &str, fields: &[(&str, &str)]) -> Reply {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let mut headers = HeaderMap::new();
        let pseudo = |wanted: &str| {
            fields
                .iter()
                .find(|(name, _)| *name == wanted)
                .map(|(_, v)| *v)
        };
        for (name, value) in fields.iter().filter(|(name, _)| !name.starts_with(':')) {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let head = RequestHead {
            method: &method,
            path,
            query,
            authority: pseudo(":authority"),
            // As the runtimes report a request over plain HTTP.
            scheme: pseudo(":scheme").or(Some("http")),
            headers: &headers,
            route_from_spin: pseudo(":spin").is_some(),
        };
        Reply::received(self.server.handle(&head, Clock::now()))
    }

    fn get(&mut self, target: &str, fields: &[(&str, &str)]) -> Reply {
        self.request("GET", target, fields)
    }
}

/// A reply as a client has it: its body received whole (read from the file,
/// for a file sent from it).
#[derive(Debug)]
struct Reply {
    plan: ResponsePlan,
    body: bytes::Bytes,
    log_lines: LogLines,
}

impl Reply {
    fn received(reply: http_caching_server::Reply) -> Reply {
        let body = reply.body.into_bytes();
        Reply {
            plan: reply.plan,
            body: body.unwrap_or_else(|cut_short| panic!("{cut_short}")),
            log_lines: reply.log_lines,
        }
    }
}

fn field<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.plan.headers.get(name).map(|v| v.to_str().unwrap())
}

impl Answered for Reply {
    fn status(&self) -> u16 {
        self.plan.status.as_u16()
    }

    fn field_value(&self, name: &str) -> Option<String> {
        field(self, name).map(str::to_string)
    }

    fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Runs `cases` in process on `fixture`.
fn check_all(fixture: &mut Fixture, cases: &[Case]) {
    for case in cases {
        let (method, target, fields, ..) = *case;
        check(case, &fixture.request(method, target, fields));
    }
}

/// The site under `BASE_PATH=/static`: the prefix on every URL written,
/// nothing outside it.
#[test]
fn a_site_under_a_base_path() {
    let mut env = cases::UNDER_A_PREFIX.to_vec();
    env.push(("BASE_PATH", "/static/"));
    let mut site = built_fixture(&env);
    check_all(&mut site, &cases::under_a_prefix());
    let outside = site.get("/css/site.css", &[]);
    assert_eq!(outside.plan.status, StatusCode::NOT_FOUND);
    let guide = site.get("/static/docs/guide.txt", &[]);
    assert_eq!(field(&guide, "cache-control"), Some("public, max-age=600"));
}

/// Spin's route fields, where the Spin build trusts them (`:spin`): the same
/// answers as BASE_PATH's; fields that do not make the path are ignored.
#[test]
fn a_site_under_spins_route() {
    let mut site = built_fixture(cases::UNDER_A_PREFIX);
    for (method, target, fields, status, expect) in cases::under_a_prefix() {
        let path = target.split('?').next().unwrap();
        let info = path.strip_prefix("/static").unwrap();
        let mut fields = fields.to_vec();
        fields.extend([
            (":spin", ""),
            ("spin-raw-component-route", "/static/..."),
            ("spin-component-route", "/static"),
            ("spin-path-info", info),
        ]);
        let fields: &'static [(&str, &str)] = Box::leak(fields.into_boxed_slice());
        let case = (method, target, fields, status, expect);
        check(&case, &site.request(method, target, fields));
    }
    // Fields that do not make the path: ignored, and logged.
    let claimed = [
        (":spin", ""),
        ("spin-raw-component-route", "/static/..."),
        ("spin-component-route", "/static"),
        ("spin-path-info", "/css/site.css"),
    ];
    let reply = site.get("/css/site.css", &claimed);
    assert_eq!(reply.plan.status, StatusCode::OK);
    assert_eq!(reply.body, site.read("css/site.css"));
    assert!(
        reply
            .log_lines
            .to_string()
            .contains("route: spin-component-route"),
        "{:?}",
        reply.log_lines
    );
    // The same fields where they are not trusted (the plain artifacts): not
    // even read.
    let reply = site.get("/static/css/site.css", &claimed[1..]);
    assert_eq!(reply.plan.status, StatusCode::NOT_FOUND);
    assert!(reply.log_lines.is_empty(), "{:?}", reply.log_lines);
}

/// Each HTML_HANDLING mode: the canonical URL of a page is its only 200.
#[test]
fn one_url_per_page_in_each_html_handling_mode() {
    for (env, cases) in cases::canonical_urls() {
        check_all(&mut fixture(env), &cases);
    }
}

#[test]
fn every_kind_of_path_by_default() {
    check_all(&mut fixture(&[]), &cases::paths_by_default());
}

/// The Host checks (RFC 9112 section 3.2), in process only: runtimes
/// differ in what of Host they pass on (tests/runtimes/hostile.rs shows each).
#[test]
fn two_host_lines_and_host_lists() {
    use Expect::*;
    let html = "text/html; charset=utf-8";
    let cases: &[Case] = &[
        (
            "GET",
            "/about.html",
            &[("Host", "127.0.0.1"), ("Host", "other.example")],
            400,
            Text,
        ),
        (
            "GET",
            "/about.html",
            &[("Host", "127.0.0.1, other.example")],
            400,
            Text,
        ),
        (
            "GET",
            "/about.html",
            &[("Host", "127.0.0.1:8081")],
            200,
            File("about.html", html),
        ),
        // The authority as a runtime passes it on (wasmtime's WASIp2 path
        // passes a folded Host there).
        (
            "GET",
            "/about.html",
            &[(":authority", "127.0.0.1, other.example")],
            400,
            Text,
        ),
        (
            "GET",
            "/about.html",
            &[(":authority", "[::1]:8081")],
            200,
            File("about.html", html),
        ),
    ];
    check_all(&mut fixture(&[]), cases);
}

/// OPTIONS (RFC 9110 section 9.3.7) on what exists and on `*` (RFC 9112
/// section 3.2.4): 204 with Allow; every 405 names the same methods.
#[test]
fn options_and_allow() {
    let mut site = fixture(&[]);
    for target in ["*", "/css/site.css", "/docs", "/"] {
        let reply = site.request("OPTIONS", target, &[]);
        assert_eq!(reply.plan.status, StatusCode::NO_CONTENT, "{target}");
        assert_eq!(
            field(&reply, "allow"),
            Some("GET, HEAD, OPTIONS"),
            "{target}"
        );
        assert_eq!(field(&reply, "content-length"), None, "{target}: a 204");
        assert!(
            reply.log_lines.is_empty(),
            "{target}: {:?}",
            reply.log_lines
        );
    }
    let refused = site.request("PUT", "/css/site.css", &[]);
    assert_eq!(field(&refused, "allow"), Some("GET, HEAD, OPTIONS"));
    let asterisk = site.get("*", &[]);
    assert_eq!(
        asterisk.log_lines.text().as_deref(),
        Some("refused: path=*: the asterisk form `*` is only for OPTIONS (400)")
    );
    let hosts = site.get("/", &[("Host", "a.example"), ("Host", "b.example")]);
    assert!(
        hosts
            .log_lines
            .text()
            .as_deref()
            .is_some_and(|e| e.contains("more than one Host field line")),
        "{:?}",
        hosts.log_lines.text()
    );
}

/// The site's `_headers` and `_redirects` are read as files: a refused
/// rule goes to the log once per version of the file, with its file and
/// line, and is never applied; an edit of a mounted site's rules is seen.
#[test]
fn refused_rules_are_logged_once_and_an_edit_is_seen() {
    let every_time = [("FILE_CHECK_INTERVAL_MS", "0")];
    let mut site = fixture(&every_time);
    let headers = site.dir.path().join("_headers");
    let redirects = site.dir.path().join("_redirects");
    fs::write(
        &headers,
        "/*.txt\n  Cache-Control: public\n/css/*\n  ETag: \"x\"\n  X-A: 1\n",
    )
    .unwrap();
    fs::write(&redirects, "/gone /docs/ 410\n/was /about.html\n").unwrap();
    site.new_instance(&every_time);
    let first = site.get("/css/site.css", &[]);
    let logged = first.log_lines.text().unwrap_or_default();
    let headers_line = format!("error: {}:4: ETag cannot be set", headers.display());
    let redirects_line = format!(
        "error: {}:1: status \"410\" is not one of",
        redirects.display()
    );
    assert!(logged.contains(&headers_line), "{logged}");
    assert!(logged.contains(&redirects_line), "{logged}");
    assert_eq!(
        field(&first, "x-a"),
        None,
        "a refused rule is never applied in part"
    );
    assert_ne!(field(&first, "etag"), Some("\"x\""));
    let again = site.get("/docs/guide.txt", &[]);
    assert_eq!(again.log_lines.text(), None, "logged once");
    assert_eq!(
        field(&again, "cache-control"),
        Some("public"),
        "the valid rule applies"
    );
    assert_eq!(site.get("/gone", &[]).plan.status, StatusCode::NOT_FOUND);
    assert_eq!(
        site.get("/was", &[]).plan.status,
        StatusCode::MOVED_PERMANENTLY
    );
    // An edit of the mounted rules is seen by the running instance.
    support::replace_file(&headers, b"/*.txt\n  Cache-Control: private, max-age=9\n");
    support::replace_file(&redirects, b"/was /index.html 302\n");
    let edited = site.get("/docs/guide.txt", &[]);
    assert_eq!(edited.log_lines.text(), None);
    assert_eq!(field(&edited, "cache-control"), Some("private, max-age=9"));
    let moved = site.get("/was", &[]);
    assert_eq!(
        (moved.plan.status, field(&moved, "location")),
        (StatusCode::FOUND, Some("/index.html"))
    );
    // A site of an earlier version: `.cache-rules` is not read, and is never served.
    fs::write(site.dir.path().join(".cache-rules"), "*.css private\n").unwrap();
    let css = site.get("/css/site.css", &[]);
    assert_ne!(field(&css, "cache-control"), Some("private"));
}

#[test]
fn a_directory_without_its_slash_is_redirected_with_the_query() {
    let mut site = fixture(&[]);
    for (target, location) in [
        ("/docs", "/docs/"),
        ("/docs?lang=en&x=%20", "/docs/?lang=en&x=%20"),
        ("/.well-known", "/.well-known/"),
        ("/d%6fcs", "/d%6fcs/"),
    ] {
        let reply = site.get(target, &[]);
        assert_eq!(
            reply.plan.status,
            StatusCode::PERMANENT_REDIRECT,
            "{target}"
        );
        assert_eq!(field(&reply, "location"), Some(location), "{target}");
        assert_eq!(field(&reply, "cache-control"), Some("no-cache"));
    }
    let head = site.request("HEAD", "/docs", &[]);
    assert_eq!(head.plan.status, StatusCode::PERMANENT_REDIRECT);
    assert!(head.body.is_empty());
}

#[test]
fn the_404_page_the_app_shell_and_clean_urls() {
    let mut site = fixture(SITE);
    check_all(&mut site, &cases::paths_of_a_site());
    // Vary: Accept wherever the answer for the path depends on it.
    for (target, accept, vary) in [
        ("/missing", HTML, Some("Accept")),
        ("/missing", "*/*", Some("Accept")),
        ("/missing.png", HTML, None),
        ("/about", HTML, None),
        ("/.env", HTML, None),
    ] {
        let reply = site.get(target, &[("Accept", accept)]);
        assert_eq!(field(&reply, "vary"), vary, "{target} {accept}");
    }
    let head = site.request("HEAD", "/missing", &[]);
    assert_eq!(
        field(&head, "content-length"),
        Some(&support::fixture_file("404.html").len().to_string()[..])
    );
}

#[test]
fn the_app_shell_revalidates_and_the_404_page_ignores_preconditions() {
    let mut site = fixture(SITE);
    let shell = strong_etag(&support::fixture_file("app.html"));
    let page = strong_etag(&support::fixture_file("404.html"));
    let revalidated = site.get("/app/x", &[("Accept", HTML), ("If-None-Match", &shell)]);
    assert_eq!(revalidated.plan.status, StatusCode::NOT_MODIFIED);
    assert_eq!(field(&revalidated, "etag"), Some(&shell[..]));
    assert_eq!(field(&revalidated, "vary"), Some("Accept"));
    assert!(revalidated.body.is_empty());
    // RFC 9110 section 13.2.1: no preconditions, no range on a 404.
    for fields in [
        &[("If-None-Match", &page[..])][..],
        &[("If-Match", "\"other\"")],
        &[("Range", "bytes=0-3")],
    ] {
        let reply = site.get("/gone.txt", fields);
        assert_eq!(reply.plan.status, StatusCode::NOT_FOUND, "{fields:?}");
        assert_eq!(
            &reply.body[..],
            support::fixture_file("404.html"),
            "{fields:?}"
        );
    }
}

#[test]
fn preconditions_and_ranges_on_files_other_than_the_page() {
    let mut site = fixture(SITE);
    for case in cases::conditionals() {
        let date_of = |path: &str| {
            let reply = site.get(path, &[]);
            field(&reply, "last-modified").unwrap().to_string()
        };
        let fields = cases::resolve(case.1, date_of);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        check_conditional(&case, &site.get(case.0, &fields));
    }
}

#[test]
fn refusals_and_site_problems_are_logged() {
    let mut site = fixture(&[SITE, &[("FILE_CHECK_INTERVAL_MS", "0")]].concat());
    let refused = site.get("/%2e%2e/etc/passwd", &[]);
    assert_eq!(refused.plan.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.log_lines.text().as_deref(),
        Some("refused: path=/%2e%2e/etc/passwd: dot-segment (400)")
    );
    let hidden = site.get("/.env", &[]);
    assert_eq!(
        hidden.log_lines.text().as_deref(),
        Some("refused: path=/.env: dot-file (404)")
    );
    // A link out of the root is never followed; the log says why.
    let outside = site.dir.path().parent().unwrap().join("outside-secret.txt");
    fs::write(&outside, b"SECRET").unwrap();
    std::os::unix::fs::symlink(&outside, site.dir.path().join("leak.txt")).unwrap();
    let leak = site.get("/leak.txt", &[]);
    fs::remove_file(&outside).unwrap();
    assert_eq!(leak.plan.status, StatusCode::NOT_FOUND);
    assert_eq!(&leak.body[..], support::fixture_file("404.html"));
    let error = leak.log_lines.text().unwrap();
    assert!(
        error.contains("leak.txt: a symbolic link out of the document root"),
        "{error}"
    );
    // A missing 404 page: the short text, and a line that names the file,
    // after the refusal's line when there is one.
    fs::remove_file(site.dir.path().join("404.html")).unwrap();
    let missing = site.get("/nope.txt", &[]);
    assert_eq!(missing.plan.status, StatusCode::NOT_FOUND);
    assert_eq!(&missing.body[..], b"404 Not Found\n");
    assert!(
        missing
            .log_lines
            .text()
            .unwrap()
            .contains("404.html: no such file")
    );
    let both = site.get("/.env", &[]).log_lines.text().unwrap();
    let lines: Vec<&str> = both.lines().collect();
    assert_eq!(lines.len(), 2, "{both}");
    assert_eq!(lines[0], "refused: path=/.env: dot-file (404)");
    assert!(lines[1].ends_with("404.html: no such file"), "{both}");
}

#[test]
fn the_one_page_special_cases_stay() {
    let mut site = fixture(&[]);
    fs::remove_file(site.dir.path().join("index.html")).unwrap();
    let missing = site.get("/", &[]);
    assert_eq!(missing.plan.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        missing
            .log_lines
            .text()
            .unwrap()
            .ends_with("index.html: no such file")
    );
    // /index.html is an ordinary file: a 404 when it is gone.
    assert_eq!(
        site.get("/index.html", &[]).plan.status,
        StatusCode::NOT_FOUND
    );
    fs::write(site.dir.path().join("favicon.ico"), b"icon").unwrap();
    let icon = site.get("/favicon.ico", &[]);
    assert_eq!(icon.plan.status, StatusCode::OK);
    assert_eq!(field(&icon, "content-type"), Some("image/x-icon"));
}

#[test]
fn a_changed_file_is_served_with_its_new_validators() {
    let mut site = fixture(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let path = site.dir.path().join("js/app.js");
    let before = site.get("/js/app.js", &[]);
    fs::write(&path, b"console.log('changed');\n").unwrap();
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let after = site.get("/js/app.js", &[]);
    assert_ne!(field(&before, "etag"), field(&after, "etag"));
    assert_eq!(&after.body[..], b"console.log('changed');\n");
    assert_eq!(
        field(&after, "etag"),
        Some(&strong_etag(b"console.log('changed');\n")[..])
    );
}

/// A rules file with many refused lines: the first 20 in the log of the
/// request that read it, then a count (the build step lists them all).
#[test]
fn many_refused_rules_are_counted_not_all_logged() {
    let mut site = fixture(&[]);
    let bad: String = (0..30).map(|i| format!("/r{i} /t 999\n")).collect();
    fs::write(site.dir.path().join("_redirects"), bad).unwrap();
    site.new_instance(&[]);
    let logged = site.get("/", &[]).log_lines.text().unwrap_or_default();
    assert_eq!(logged.matches("status \"999\"").count(), 20, "{logged}");
    assert!(logged.contains("_redirects: 10 more problems"), "{logged}");
}

/// The rules files are a 404 even where the app shell would answer a page
/// (`/_headers` has no extension), and their names in any case.
#[test]
fn the_rules_files_are_never_the_app_shell() {
    let mut site = fixture(&[("FALLBACK_PAGE", "/app.html"), ("NOT_FOUND_PAGE", "")]);
    for target in ["/_headers", "/_redirects", "/_Headers"] {
        let reply = site.get(target, &[("Accept", support::cases::HTML)]);
        assert_eq!(reply.plan.status, StatusCode::NOT_FOUND, "{target}");
        assert_eq!(field(&reply, "etag"), None, "{target}");
    }
    assert_eq!(
        site.get("/page", &[("Accept", support::cases::HTML)])
            .plan
            .status,
        StatusCode::OK
    );
}

/// Basic-Auth: no password, hash, salt or credential of `_headers` or of the
/// request in any field, body or error-log line, whatever the answer; the
/// refusal is logged without the user.
#[test]
fn protected_paths_leak_no_credential() {
    let mut site = fixture(&[]);
    let wrong = [("Authorization", "Basic YWRtaW46c2VjcmV0MTI0")];
    let right = [("Authorization", "Basic YWRtaW46c2VjcmV0MTIz")];
    let secrets = [
        "secret12",
        "YWRtaW46c2VjcmV0MTI",
        "9aba1108",
        "pepper",
        "open sesame",
        "admin",
    ];
    for fields in [&[][..], &wrong, &right] {
        for target in [
            "/docs/private/page.html",
            "/docs/private/",
            "/docs/private/gone",
            "/docs/private",
        ] {
            let reply = site.get(target, fields);
            let body = String::from_utf8_lossy(&reply.body);
            let text = format!("{:?} {body} {}", reply.plan.headers, reply.log_lines);
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "{target} {fields:?}: {secret} in {text}"
                );
            }
        }
    }
    let refused = site.get("/docs/private/page.html", &wrong);
    assert_eq!(
        refused.log_lines.text().as_deref(),
        Some(
            "refused: path=/docs/private/page.html: no valid credentials for a path that \
             Basic-Auth protects (401)"
        )
    );
}

/// `Strict-Transport-Security` of `_headers` goes only on an answer to a
/// request that came over HTTPS, as the runtime reports it (RFC 6797
/// section 7.2).
#[test]
fn strict_transport_security_only_over_https() {
    let mut site = fixture(&[]);
    for (scheme, sent) in [("http", None), ("https", Some("max-age=600"))] {
        let reply = site.get("/docs/guide.txt", &[(":scheme", scheme)]);
        assert_eq!(field(&reply, "strict-transport-security"), sent, "{scheme}");
    }
    assert_eq!(
        field(
            &site.get("/docs/guide.txt", &[]),
            "strict-transport-security"
        ),
        None
    );
}

/// Request fields of a table row.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// Basic-Auth follows what would be served, not the URL as written: the
/// clean URL of a protected `.html`, a directory's index, a precompressed
/// variant asked for by name, another case, a directory named without its
/// slash, and a rewrite from another protected area all ask for the
/// credentials of the protected file. OPTIONS without them gets one answer
/// whatever is there, and a 401 carries no field of the rule but its
/// security and CORS ones.
#[test]
fn protection_follows_the_file_not_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, text) in [
        ("index.html", "<!doctype html><title>public</title>"),
        ("report.html", "<!doctype html><title>report</title>"),
        ("report.html.gz", "not really gzip, but named so"),
        (
            "members/index.html",
            "<!doctype html><title>members</title>",
        ),
        ("client/x.html", "<!doctype html><title>client</title>"),
    ] {
        fs::create_dir_all(root.join(name).parent().unwrap()).unwrap();
        fs::write(root.join(name), text).unwrap();
    }
    fs::write(
        root.join("_headers"),
        "/report.html\n  Basic-Auth: boss:pw\n  Link: </report-data.json>; rel=preload\n  \
         X-Frame-Options: DENY\n/members/index.html\n  Basic-Auth: boss:pw\n\
         /client/*\n  Basic-Auth: client:pw\n",
    )
    .unwrap();
    fs::write(root.join("_redirects"), "/client/* /:splat 200\n").unwrap();
    let mut site = serve_dir(dir, &[("CLEAN_URLS", "on")]);
    let boss = ("Authorization", "Basic Ym9zczpwdw==");
    let client = ("Authorization", "Basic Y2xpZW50OnB3");
    #[rustfmt::skip]
    let table: &[(&str, &str, Fields, u16)] = &[
        ("GET", "/report.html", &[], 401),
        ("GET", "/report", &[], 401),
        ("GET", "/report.html.gz", &[], 401),
        ("GET", "/REPORT.html", &[], 401),
        ("GET", "/members/", &[], 401),
        ("GET", "/members", &[], 401),
        ("GET", "/client/report.html", &[client], 404),
        ("GET", "/client/members/", &[client], 404),
        ("OPTIONS", "/report.html", &[], 204),
        ("OPTIONS", "/client/missing.html", &[], 204),
        ("GET", "/report", &[boss], 200),
        ("GET", "/members/", &[boss], 200),
        ("GET", "/", &[], 200),
    ];
    for (method, target, fields, status) in table {
        let reply = site.request(method, target, fields);
        assert_eq!(
            reply.plan.status.as_u16(),
            *status,
            "{method} {target}: {reply:?}"
        );
    }
    let refused = site.get("/report.html", &[]);
    assert_eq!(field(&refused, "link"), None, "a rule's own field on a 401");
    assert_eq!(
        field(&refused, "x-frame-options"),
        Some("DENY"),
        "a security field"
    );
    let read = site.get("/report.html", &[boss]);
    assert!(field(&read, "link").is_some());
    assert!(field(&read, "cache-control").is_some_and(|c| c.starts_with("private")));
}

/// Several ranges in one request: `206` with multipart/byteranges (RFC
/// 9110 section 14.6), read back by a real MIME parser: each part the bytes
/// asked for, with the representation's Content-Type and its own
/// Content-Range, in the order asked; overlapping ranges joined; for a
/// precompressed variant, ranges of its bytes.
#[test]
fn several_ranges_are_a_multipart_answer() {
    let mut site = built_fixture(&[]);
    let page = support::fixture_file("about.html");
    let len = page.len();
    let reply = site.get("/about.html", &[("Range", "bytes=10-19,0-4,2-6,-5")]);
    assert_eq!(reply.plan.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(field(&reply, "content-range"), None);
    let content_type = field(&reply, "content-type").unwrap().to_string();
    assert!(
        content_type.starts_with("multipart/byteranges; boundary="),
        "{content_type}"
    );
    let length: usize = field(&reply, "content-length").unwrap().parse().unwrap();
    assert_eq!(length, reply.body.len());
    let parts = support::multipart_parts(&content_type, &reply.body);
    let wanted = [(10, 19), (0, 6), (len - 5, len - 1)];
    assert_eq!(parts.len(), wanted.len(), "{parts:?}");
    for ((part_type, range, bytes), (first, last)) in parts.iter().zip(wanted) {
        assert_eq!(part_type, "text/html; charset=utf-8");
        assert_eq!(range, &format!("bytes {first}-{last}/{len}"));
        assert_eq!(bytes, &page[first..=last]);
    }
    // The same request gets the same bytes (the boundary is the ETag's).
    let again = site.get("/about.html", &[("Range", "bytes=10-19,0-4,2-6,-5")]);
    assert_eq!(again.body, reply.body);
    // Ranges of a variant are of its bytes.
    let coded = site.get(
        "/js/big.js",
        &[("Accept-Encoding", "br"), ("Range", "bytes=0-9,20-29")],
    );
    assert_eq!(field(&coded, "content-encoding"), Some("br"));
    let br = site.read("js/big.js.br");
    let parts = support::multipart_parts(field(&coded, "content-type").unwrap(), &coded.body);
    assert_eq!(parts[0].2, br[0..=9]);
    assert_eq!(parts[1].2, br[20..=29]);
}

/// Files sent from the file (`MAX_KEPT_FILE_BYTES=0`: every file but an
/// empty one) get the answers of files kept in memory, field for field and
/// byte for byte: every kind of path, conditionals, one range and several,
/// encodings, HEAD, the 404 page. Nothing of theirs is kept.
#[test]
fn files_sent_from_the_file_answer_as_kept_ones() {
    let mut kept = built_fixture(SITE);
    let mut env = SITE.to_vec();
    env.push(("MAX_KEPT_FILE_BYTES", "0"));
    // A second server on the same directory: the same files, the same times.
    let mut sent = Fixture {
        server: Server::new(config_of(kept.dir.path(), &env)),
        dir: tempfile::tempdir().unwrap(),
    };
    let page = strong_etag(&support::fixture_file("about.html"));
    // (method, target, fields)
    type Request<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
    let mut requests: Vec<Request> = cases::paths_of_a_site()
        .into_iter()
        .chain(cases::paths_by_default())
        .map(|(method, target, fields, ..)| (method, target, fields.to_vec()))
        .collect();
    for (method, target) in [("GET", "/about.html"), ("HEAD", "/about.html")] {
        for fields in [
            vec![("Range", "bytes=10-19")],
            vec![("Range", "bytes=10-19,0-4,2-6,-5")],
            vec![("Range", "bytes=99999-")],
            vec![("If-None-Match", page.as_str())],
            vec![("If-Match", "\"other\"")],
            vec![("Range", "bytes=0-9"), ("If-Range", page.as_str())],
        ] {
            requests.push((method, target, fields));
        }
    }
    for accept in ["br", "gzip", "zstd", "identity"] {
        for range in [None, Some("bytes=0-9,20-29")] {
            let mut fields = vec![("Accept-Encoding", accept)];
            fields.extend(range.map(|r| ("Range", r)));
            requests.push(("GET", "/js/big.js", fields));
        }
    }
    for (method, target, fields) in &requests {
        let (a, b) = (
            kept.request(method, target, fields),
            sent.request(method, target, fields),
        );
        let what = format!("{method} {target} {fields:?}");
        assert_eq!(a.plan.status, b.plan.status, "{what}");
        let without_date = |reply: &Reply| {
            let mut headers = reply.plan.headers.clone();
            headers.remove(http::header::DATE);
            headers
        };
        assert_eq!(without_date(&a), without_date(&b), "{what}");
        assert!(a.body == b.body, "{what}: other bytes");
    }
    assert!(kept.server.cached_bytes() > 0);
    assert_eq!(
        sent.server.cached_bytes(),
        0,
        "a file sent from the file was kept"
    );
}

/// A `_headers` over 1 MiB is not read, kept or not (a raised
/// MAX_KEPT_FILE_BYTES keeps it): the log says why, and the rules it had
/// stay (here none: the instance never read one).
#[test]
fn a_rules_file_over_the_limit_is_not_read() {
    let mut site = fixture(&[]);
    let mut headers = b"/*\n  X-Big: yes\n".to_vec();
    while headers.len() <= 1 << 20 {
        headers.extend_from_slice(b"# a comment to make the file large\n");
    }
    fs::write(site.dir.path().join("_headers"), &headers).unwrap();
    for env in [&[][..], &[("MAX_KEPT_FILE_BYTES", "4194304")]] {
        site.new_instance(env);
        let reply = site.get("/about.html", &[]);
        assert_eq!(reply.plan.status, StatusCode::OK, "{env:?}");
        assert_eq!(field(&reply, "x-big"), None, "{env:?}");
        let log = reply.log_lines.to_string();
        assert!(
            log.contains("_headers: ") && log.contains("more than a rules file may have (1048576)"),
            "{env:?}: {log}"
        );
    }
}
