//! In-process tests of the built site: precompressed variants negotiated per
//! request, each with its own validators; stale variants; cache rules; and a
//! new instance answering 304 from the site manifest without reading.

use super::*;
use http::StatusCode;

/// The body, ETag, Content-Encoding and Vary of a reply.
fn summary(reply: &Reply) -> (u16, Option<&str>, Option<&str>) {
    (
        reply.plan.status.as_u16(),
        field(reply, "content-encoding"),
        field(reply, "vary"),
    )
}

#[test]
fn every_encoding_case_picks_its_bytes_and_their_etag() {
    let mut site = built_fixture(&[]);
    let (identity, br, gz) = (
        site.read("js/big.js"),
        site.read("js/big.js.br"),
        site.read("js/big.js.gz"),
    );
    assert!(br.len() < gz.len() && gz.len() < identity.len());
    for case in cases::ENCODINGS {
        let fields = cases::accept_encoding(case.0);
        let get = site.get("/js/big.js", &fields);
        let head = site.request("HEAD", "/js/big.js", &fields);
        cases::check_encoding(case, &get, &head, &site.read(case.2));
    }
    // A file without variants: no Vary, whatever the request accepts.
    let small = site.get("/js/app.js", &[("Accept-Encoding", "br")]);
    assert_eq!(summary(&small), (200, None, None));
}

#[test]
fn preconditions_and_ranges_apply_to_the_selected_encoding() {
    let mut site = built_fixture(&[]);
    let identity = strong_etag(&site.read("js/big.js"));
    let gz_bytes = site.read("js/big.js.gz");
    let gz = strong_etag(&gz_bytes);
    let br = strong_etag(&site.read("js/big.js.br"));
    let gzip = ("Accept-Encoding", "gzip");
    let brotli = ("Accept-Encoding", "br");
    let vary = Some("Accept-Encoding");
    for (fields, expected) in [
        // Each encoding revalidates with its own tag, never another's.
        (vec![gzip, ("If-None-Match", &gz[..])], (304, None, vary)),
        (vec![brotli, ("If-None-Match", &br[..])], (304, None, vary)),
        (vec![("If-None-Match", &identity[..])], (304, None, vary)),
        (
            vec![brotli, ("If-None-Match", &gz[..])],
            (200, Some("br"), vary),
        ),
        (
            vec![gzip, ("If-None-Match", &identity[..])],
            (200, Some("gzip"), vary),
        ),
        (vec![("If-None-Match", &br[..])], (200, None, vary)),
        (vec![gzip, ("If-Match", &gz[..])], (200, Some("gzip"), vary)),
        (vec![gzip, ("If-Match", &identity[..])], (412, None, vary)),
        (
            vec![gzip, ("Range", "bytes=0-9")],
            (206, Some("gzip"), vary),
        ),
        (vec![gzip, ("Range", "bytes=99999-")], (416, None, vary)),
    ] {
        let reply = site.get("/js/big.js", &fields);
        assert_eq!(summary(&reply), expected, "{fields:?}");
        if expected.0 == 304 {
            assert!(reply.body.is_empty());
            assert!(field(&reply, "etag").is_some());
        }
        if expected.0 == 206 {
            assert_eq!(
                &reply.body[..],
                &gz_bytes[..10],
                "the range is of the gzip bytes"
            );
            assert_eq!(
                field(&reply, "content-range"),
                Some(&format!("bytes 0-9/{}", gz_bytes.len())[..])
            );
        }
    }
}

#[test]
fn a_variant_older_than_its_source_is_never_sent() {
    let mut site = built_fixture(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let changed = b"export const changed = true;\n".repeat(40);
    fs::write(site.dir.path().join("js/big.js"), &changed).unwrap();
    for accept in ["br", "gzip", "gzip, deflate, br"] {
        let reply = site.get("/js/big.js", &[("Accept-Encoding", accept)]);
        assert_eq!(summary(&reply), (200, None, None), "{accept}");
        assert_eq!(&reply.body[..], &changed[..], "{accept}");
        assert_eq!(field(&reply, "etag"), Some(&strong_etag(&changed)[..]));
    }
    // The build writes them again and records them, and they are sent again.
    site_build::build_site(site.dir.path()).unwrap();
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let again = site.get("/js/big.js", &[("Accept-Encoding", "br")]);
    assert_eq!(summary(&again), (200, Some("br"), Some("Accept-Encoding")));
}

/// The gzip variant the build step writes of `css` (at least 256 bytes of
/// CSS), through the build step itself.
fn gzip_of(css: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.css"), css).unwrap();
    site_build::variants::write_variants(dir.path()).unwrap();
    fs::read(dir.path().join("f.css.gz")).unwrap()
}

/// A variant is sent only when the site manifest proves it encodes the
/// source's current bytes. Here `css/old.css.gz` holds other bytes than
/// `css/old.css` (an older version), with a time that cannot tell, as under
/// Spin's copy where every file has the copy's time.
#[test]
fn a_variant_that_cannot_be_proven_is_never_sent() {
    let current = b"body { color: green; margin: 0 auto; }\n".repeat(30);
    let older = b"body { color: red; }\n".repeat(30);
    let (stale, fresh) = (gzip_of(&older), gzip_of(&current));
    let gzip = [("Accept-Encoding", "gzip, deflate, br")];
    let same_time = SystemTime::now() - Duration::from_secs(3600);
    let write = |site: &Fixture, name: &str, bytes: &[u8]| {
        let path = site.dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let file = fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(same_time).unwrap();
    };
    // No build step ran: no manifest, nothing proven, whatever the times.
    let mut site = fixture(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    write(&site, "css/old.css", &current);
    write(&site, "css/old.css.gz", &fresh);
    let reply = site.get("/css/old.css", &gzip);
    assert_eq!(
        summary(&reply),
        (200, None, None),
        "no manifest: the source"
    );
    assert_eq!(&reply.body[..], &current[..]);
    // Built: the variant is recorded as made from these bytes, and sent.
    site_build::write_manifest(site.dir.path()).unwrap();
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let reply = site.get("/css/old.css", &gzip);
    assert_eq!(
        summary(&reply),
        (200, Some("gzip"), Some("Accept-Encoding"))
    );
    assert_eq!(&reply.body[..], &fresh[..]);
    // The variant replaced by a stale one after the build (same time): its
    // bytes are not the recorded ones. The source is sent; Vary stays, as
    // the manifest still names a variant the selection looked at (RFC 9110
    // section 12.5.5).
    write(&site, "css/old.css.gz", &stale);
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let reply = site.get("/css/old.css", &gzip);
    let vary = Some("Accept-Encoding");
    assert_eq!(summary(&reply), (200, None, vary), "stale variant");
    assert_eq!(&reply.body[..], &current[..]);
    // Built again with the stale variant in place: the build decodes it,
    // finds other bytes, and does not record it as the source's.
    site_build::write_manifest(site.dir.path()).unwrap();
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let reply = site.get("/css/old.css", &gzip);
    assert_eq!(summary(&reply), (200, None, None), "stale variant, rebuilt");
    // The source edited after the build, variant untouched: not sent.
    write(&site, "css/old.css.gz", &fresh);
    site_build::write_manifest(site.dir.path()).unwrap();
    write(&site, "css/old.css", &older);
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let reply = site.get("/css/old.css", &gzip);
    assert_eq!(summary(&reply), (200, None, None), "source edited");
    assert_eq!(&reply.body[..], &older[..]);
}

/// Names that say a content coding (RFC 9110 sections 8.3 and 8.4): an
/// `.svgz` is an SVG image sent with `Content-Encoding: gzip`, whatever the
/// request accepts, its validators and ranges over the bytes sent; an
/// archive, or a variant asked for by its own name, is sent as the bytes it
/// is, with its archive type and no Content-Encoding.
#[test]
fn names_that_say_a_content_coding() {
    let mut site = built_fixture(&[]);
    let svgz = site.read("img/logo.svgz");
    assert_eq!(&svgz[..2], b"\x1f\x8b", "the fixture is gzip");
    for accept in [None, Some("gzip, deflate, br"), Some("identity")] {
        let fields: Vec<(&str, &str)> = accept
            .map(|a| vec![("Accept-Encoding", a)])
            .unwrap_or_default();
        let reply = site.get("/img/logo.svgz", &fields);
        assert_eq!(summary(&reply), (200, Some("gzip"), None), "{accept:?}");
        assert_eq!(field(&reply, "content-type"), Some("image/svg+xml"));
        assert_eq!(&reply.body[..], &svgz[..]);
        assert_eq!(field(&reply, "etag"), Some(&strong_etag(&svgz)[..]));
    }
    let part = site.get("/img/logo.svgz", &[("Range", "bytes=0-9")]);
    assert_eq!(summary(&part), (206, Some("gzip"), None));
    assert_eq!(&part.body[..], &svgz[..10], "a range of the gzip bytes");
    let tag = strong_etag(&svgz);
    let revalidated = site.get("/img/logo.svgz", &[("If-None-Match", &tag)]);
    assert_eq!(summary(&revalidated), (304, None, None));
    for (target, content_type) in [
        ("/docs/archive.tar.gz", "application/gzip"),
        ("/js/big.js.gz", "application/gzip"),
        ("/js/big.js.br", http_caching_server::UNKNOWN_CONTENT_TYPE),
    ] {
        let bytes = site.read(&target[1..]);
        let reply = site.get(target, &[("Accept-Encoding", "gzip, deflate, br")]);
        assert_eq!(summary(&reply), (200, None, None), "{target}");
        assert_eq!(
            field(&reply, "content-type"),
            Some(content_type),
            "{target}"
        );
        assert_eq!(&reply.body[..], &bytes[..], "{target}");
        assert_eq!(field(&reply, "etag"), Some(&strong_etag(&bytes)[..]));
    }
}

#[test]
fn cache_rules_by_path() {
    let mut site = built_fixture(&[("CACHE_CONTROL", "public, max-age=60")]);
    let immutable = Some(http_caching_server::IMMUTABLE);
    for (target, expected) in [
        ("/js/app.3f9a2c1b.js", immutable),
        ("/index.html", Some("no-cache")),
        ("/", Some("no-cache")),
        ("/docs/guide.txt", Some("public, max-age=600")),
        ("/docs/", Some("public, max-age=600")),
        ("/css/site.css", Some("public, max-age=60")),
        ("/missing.txt", Some("no-store")),
        ("/_headers", Some("no-store")),
    ] {
        let reply = site.get(target, &[]);
        assert_eq!(field(&reply, "cache-control"), expected, "{target}");
    }
    // A 304 carries the rule too, and each encoding of an asset the same.
    let tag = strong_etag(&site.read("js/big.js.gz"));
    let revalidated = site.get(
        "/js/big.js",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &tag)],
    );
    assert_eq!(revalidated.plan.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        field(&revalidated, "cache-control"),
        Some("public, max-age=60")
    );
}

#[test]
fn a_new_instance_answers_304_from_the_manifest_without_reading() {
    let mut site = built_fixture(&[]);
    let tag = strong_etag(&site.read("js/big.js.br"));
    site.new_instance(&[]);
    let revalidated = site.get(
        "/js/big.js",
        &[("Accept-Encoding", "br"), ("If-None-Match", &tag)],
    );
    assert_eq!(revalidated.plan.status, StatusCode::NOT_MODIFIED);
    assert_eq!(field(&revalidated, "etag"), Some(&tag[..]));
    assert_eq!(
        site.server.cached_bytes(),
        rules_bytes(&site),
        "nothing but the site's rules files was read"
    );
    // A body is read when one is due.
    let whole = site.get("/js/big.js", &[("Accept-Encoding", "br")]);
    assert_eq!(&whole.body[..], &site.read("js/big.js.br")[..]);
    assert!(site.server.cached_bytes() > 0);
}

#[test]
fn an_edit_after_the_build_never_sends_an_etag_that_is_not_the_bytes() {
    let mut site = built_fixture(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let path = site.dir.path().join("css/site.css");
    let built = site.read("css/site.css");
    let built_tag = strong_etag(&built);
    let recorded = fs::metadata(&path).unwrap().modified().unwrap();
    // An ordinary edit: a new time. The new bytes and their own tag.
    let edited = b"body { color: #456; }\n".to_vec();
    assert_eq!(edited.len(), built.len());
    fs::write(&path, &edited).unwrap();
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let reply = site.get("/css/site.css", &[("If-None-Match", &built_tag)]);
    assert_eq!(reply.plan.status, StatusCode::OK);
    assert_eq!(&reply.body[..], &edited[..]);
    assert_eq!(field(&reply, "etag"), Some(&strong_etag(&edited)[..]));
    // An edit that keeps the length and puts the recorded time back to the
    // nanosecond: the manifest vouches for bytes that are gone. A 304 to the
    // old tag is the documented limit; a body still carries its own tag.
    let restored = b"body { color: #789; }\n".to_vec();
    fs::write(&path, &restored).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(recorded)
        .unwrap();
    site.new_instance(&[("FILE_CHECK_INTERVAL_MS", "0")]);
    let limit = site.get("/css/site.css", &[("If-None-Match", &built_tag)]);
    assert_eq!(limit.plan.status, StatusCode::NOT_MODIFIED);
    let body = site.get("/css/site.css", &[]);
    assert_eq!(&body.body[..], &restored[..]);
    assert_eq!(field(&body, "etag"), Some(&strong_etag(&restored)[..]));
}

/// Only the variant a request chooses is looked at: the manifest alone says
/// which variants are candidates. Here every file has a new time, as under
/// Spin's copy, so nothing is vouched for and whatever is looked at is read
/// and hashed: an identity request reads the source alone, a gzip request
/// the gzip variant alone.
#[test]
fn a_variant_not_chosen_is_never_read() {
    let mut site = built_fixture(&[]);
    harness::trees::set_tree_time(site.dir.path(), SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    let identity = site.read("js/big.js").len() as u64;
    let gz = site.read("js/big.js.gz").len() as u64;
    site.new_instance(&[]);
    let plain = site.get("/js/big.js", &[]);
    assert_eq!(summary(&plain), (200, None, Some("Accept-Encoding")));
    let rules = rules_bytes(&site);
    assert_eq!(
        site.server.cached_bytes(),
        identity + rules,
        "the source alone was read, and the rules files"
    );
    site.new_instance(&[]);
    let gzip = site.get("/js/big.js", &[("Accept-Encoding", "gzip")]);
    assert_eq!(summary(&gzip), (200, Some("gzip"), Some("Accept-Encoding")));
    assert_eq!(
        site.server.cached_bytes(),
        identity + gz + rules,
        "the source, then the gzip variant"
    );
}

/// The bytes of the site's `_headers` and `_redirects`, which every instance
/// reads (the core's `rules` module).
fn rules_bytes(site: &Fixture) -> u64 {
    (site.read("_headers").len() + site.read("_redirects").len()) as u64
}

/// The site the build would embed from the built directory `dir`, its table
/// kept for the rest of the process as the generated statics would be.
fn embedded_site_of(dir: &std::path::Path) -> http_caching_server::EmbeddedSite {
    use http_caching_server::{EmbeddedFile, EmbeddedSite};
    let leak = |text: &str| -> &'static str { Box::leak(text.to_string().into_boxed_str()) };
    let table = site_build::embed::table(dir).unwrap();
    let files: Vec<EmbeddedFile> = table
        .files
        .iter()
        .map(|entry| EmbeddedFile {
            path: leak(&entry.path),
            bytes: Box::leak(fs::read(&entry.file).unwrap().into_boxed_slice()),
            md5: leak(&entry.md5),
            modified_secs: entry.modified_secs,
            content_type: leak(&entry.content_type),
            content_encoding: entry.content_encoding,
            made_from: entry.made_from.as_deref().map(leak),
        })
        .collect();
    let directories: Vec<&'static str> = table.directories.iter().map(|d| leak(d)).collect();
    EmbeddedSite::new(
        Box::leak(files.into_boxed_slice()),
        Box::leak(directories.into_boxed_slice()),
    )
}

/// A request of a table: method, target, fields.
type Request = (&'static str, String, Vec<(&'static str, String)>);

/// Every request of the shared tables, sent to the mounted built fixture
/// and to the embedded site of the same build, gets the same status, the
/// same fields (Date aside) and the same bytes.
#[test]
fn the_mounted_and_the_embedded_site_give_the_same_answers() {
    let no_page = [("NOT_FOUND_PAGE", "")];
    for (env, paths) in [
        (&no_page[..], cases::paths_by_default()),
        (SITE, cases::paths_of_a_site()),
    ] {
        let mut mounted = built_fixture(env);
        let site = embedded_site_of(mounted.dir.path());
        let server = Server::with_source(config_of(mounted.dir.path(), env), Box::new(site));
        let mut embedded = Fixture {
            dir: tempfile::tempdir().unwrap(),
            server,
        };
        let mut requests: Vec<Request> = paths
            .iter()
            .map(|(method, target, fields, ..)| {
                let fields = fields.iter().map(|(n, v)| (*n, v.to_string())).collect();
                (*method, target.to_string(), fields)
            })
            .collect();
        for case in cases::conditionals() {
            let fields = cases::resolve(case.1, |path| {
                let reply = mounted.get(path, &[]);
                field(&reply, "last-modified")
                    .unwrap_or_default()
                    .to_string()
            });
            requests.push(("GET", case.0.to_string(), fields));
        }
        for case in cases::site_rules() {
            requests.push((case.method, case.target.to_string(), case.fields));
        }
        for case in cases::ENCODINGS {
            let fields: Vec<(&str, String)> = cases::accept_encoding(case.0)
                .into_iter()
                .map(|(n, v)| (n, v.to_string()))
                .collect();
            requests.push(("GET", "/js/big.js".to_string(), fields.clone()));
            requests.push(("HEAD", "/js/big.js".to_string(), fields));
        }
        for (method, target, fields) in &requests {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let (a, b) = (
                mounted.request(method, target, &fields),
                embedded.request(method, target, &fields),
            );
            let what = format!("{method} {target} {fields:?}");
            assert_eq!(a.plan.status, b.plan.status, "{what}");
            let without_date = |reply: &Reply| {
                let mut headers = reply.plan.headers.clone();
                headers.remove("date");
                headers
            };
            assert_eq!(without_date(&a), without_date(&b), "{what}");
            assert_eq!(a.body, b.body, "{what}");
        }
    }
}

/// What differs: the embedded site is the build's. A file changed after the
/// build is seen by the mounted site and not by the embedded one: a change
/// is a new build and a new deployment.
#[test]
fn a_file_changed_after_the_build_is_not_in_the_embedded_site() {
    let env = [("FILE_CHECK_INTERVAL_MS", "0")];
    let mut mounted = built_fixture(&env);
    let site = embedded_site_of(mounted.dir.path());
    let built = mounted.read("css/site.css");
    let mut embedded = Fixture {
        server: Server::with_source(config_of(mounted.dir.path(), &env), Box::new(site)),
        dir: tempfile::tempdir().unwrap(),
    };
    fs::write(
        mounted.dir.path().join("css/site.css"),
        b"body { color: red }\n",
    )
    .unwrap();
    assert_eq!(
        &mounted.get("/css/site.css", &[]).body[..],
        b"body { color: red }\n"
    );
    assert_eq!(&embedded.get("/css/site.css", &[]).body[..], &built[..]);
}

/// The fixture site's `_headers` and `_redirects` in force, in process, for
/// the mounted built site and the embedded site of the same build
/// (`support::cases::site_rules`; tests/runtimes/site_rules.rs runs the same table
/// over HTTP).
#[test]
fn the_site_rules_in_force_mounted_and_embedded() {
    let no_page = [("NOT_FOUND_PAGE", "")];
    let mut mounted = built_fixture(&no_page);
    let site = embedded_site_of(mounted.dir.path());
    let server = Server::with_source(config_of(mounted.dir.path(), &no_page), Box::new(site));
    let mut embedded = Fixture {
        dir: tempfile::tempdir().unwrap(),
        server,
    };
    for case in cases::site_rules() {
        let fields: Vec<(&str, &str)> = case.fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        cases::check_rule_case(&case, &mounted.request(case.method, case.target, &fields));
        cases::check_rule_case(&case, &embedded.request(case.method, case.target, &fields));
    }
    // A rewrite to nothing is logged, with the rule's paths.
    let ghost = mounted.get("/ghost/x", &[]);
    let logged = ghost.log_lines.text().unwrap_or_default();
    assert!(
        logged.contains("the rewrite of /ghost/x to /nothing.html: no file there"),
        "{logged}"
    );
}
