//! A site on a route of a Spin app, beside other components, as users run
//! it (issue 24): the site at `/static/...` (files mounted at `/`, the
//! layout of Spin's `static-fileserver` template), another component at
//! `/...`, and a single-file route `/favicon.ico`, configured by Spin
//! variables. Under wasmtime, where no Spin sets the route fields, the same
//! answers come from `BASE_PATH=/static`, and route fields a client sends
//! change nothing.

use harness::runtime::{Mounts, RunningServer, ServerSpec};
use harness::spec::SpinApp;

use crate::support::cases::{self, HTML, check};
use crate::support::{self, Runtime, Served, etag_of, fixture_file};

/// The app's manifest: `site` and `icon` are the Spin build (Spin's route,
/// variables), `other` the plain artifact, standing for an API.
fn app_manifest(runtime: Runtime) -> String {
    let spin = harness::tools::build_spin_artifact(runtime.wasi).expect("the Spin build");
    let plain = harness::tools::build_artifact(runtime.wasi).expect("the artifact");
    let environment = cases::UNDER_A_PREFIX
        .iter()
        .chain(&[
            ("CACHE_CONTROL", "no-cache"),
            ("FILE_CHECK_INTERVAL_MS", "0"),
        ])
        .map(|(name, value)| format!("{name} = {value:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"spin_manifest_version = 2

[application]
name = "site-beside-an-api"

[variables]
cache_control = {{ default = "" }}

[[trigger.http]]
route = "/static/..."
component = "site"

[[trigger.http]]
route = "/..."
component = "other"

[[trigger.http]]
route = "/favicon.ico"
component = "icon"

[component.site]
source = "{spin}"
files = [{{ source = "site", destination = "/" }}]
environment = {{ {environment} }}

[component.site.variables]
cache_control = "{{{{ cache_control }}}}"

[component.other]
source = "{plain}"
files = [{{ source = "other", destination = "/" }}]

[component.icon]
source = "{spin}"
files = [{{ source = "icon", destination = "/" }}]
"#,
        spin = spin.display(),
        plain = plain.display(),
    )
}

/// The app under `runtime` (a Spin), with `extra` arguments for `spin up`.
fn serve_app(runtime: Runtime, extra: &[&str]) -> (Served, tempfile::TempDir) {
    let site = support::built_fixture_site_dir();
    let dirs = tempfile::tempdir().unwrap();
    let (other, icon) = (dirs.path().join("other"), dirs.path().join("icon"));
    std::fs::create_dir_all(&other).unwrap();
    std::fs::create_dir_all(&icon).unwrap();
    std::fs::write(
        other.join("index.html"),
        "<!doctype html><title>other</title>",
    )
    .unwrap();
    std::fs::write(other.join("api.json"), "{\"from\":\"the other component\"}").unwrap();
    std::fs::write(icon.join("favicon.ico"), "an icon").unwrap();
    let app = SpinApp {
        manifest: app_manifest(runtime),
        dirs: vec![("other".into(), other), ("icon".into(), icon)],
    };
    (start_app(runtime, site, app, extra), dirs)
}

/// `app` under `runtime` (a Spin), its `site` linked as `site`, with
/// `extra` arguments for `spin up`.
fn start_app(runtime: Runtime, site: tempfile::TempDir, app: SpinApp, extra: &[&str]) -> Served {
    let artifact = harness::tools::build_spin_artifact(runtime.wasi).unwrap();
    let mut spec = ServerSpec::new(runtime.host, &artifact, site.path())
        .unwrap()
        .wasi(runtime.wasi);
    if runtime.spin_4_0 {
        spec.spin = harness::tools::find_spin_4_0();
    }
    spec.extra_args = extra.iter().map(|arg| arg.to_string()).collect();
    spec.app = Some(app);
    let server =
        RunningServer::start(spec).unwrap_or_else(|err| panic!("starting {runtime}: {err:#}"));
    Served { server, dir: site }
}

/// The checks of a site under `/static` that hold however it got there.
fn check_under_the_prefix(runtime: Runtime, served: &Served) {
    for case in cases::under_a_prefix() {
        let (method, target, fields, ..) = case;
        check(&case, &served.raw_request(method, target, fields));
    }
    // 304 at the prefixed URL, with its validator.
    let css = fixture_file("css/site.css");
    let revalidated = served.get("/static/css/site.css", &[("If-None-Match", &etag_of(&css))]);
    assert_eq!(revalidated.status, 304, "{runtime}");
    assert_eq!(revalidated.field("etag"), Some(&etag_of(&css)[..]));
    // A precompressed variant under the prefix.
    let big = served.get("/static/js/big.js", &[("Accept-Encoding", "br")]);
    assert_eq!(big.status, 200, "{runtime}");
    assert_eq!(big.field("content-encoding"), Some("br"), "{runtime}");
    assert_eq!(big.field("vary"), Some("Accept-Encoding"), "{runtime}");
    // `_headers` matches the site path.
    let guide = served.get("/static/docs/guide.txt", &[]);
    assert_eq!(
        guide.field("cache-control"),
        Some("public, max-age=600"),
        "{runtime}"
    );
    // The access log has the whole path.
    let logged = served.output_containing("path=/static/docs/guide.txt");
    assert!(logged.contains("path=/static/css/site.css"), "{runtime}");
}

fn a_site_on_a_route_beside_other_components(runtime: Runtime) {
    if runtime.host == harness::runtime::Runtime::Wasmtime {
        let mut env = cases::UNDER_A_PREFIX.to_vec();
        env.push(("BASE_PATH", "/static"));
        let site = support::built_fixture_site_dir();
        let artifact = harness::tools::build_artifact(runtime.wasi).unwrap();
        let mut spec = ServerSpec::new(runtime.host, &artifact, site.path())
            .unwrap()
            .wasi(runtime.wasi);
        // `/` is outside the site: the probe takes its 404.
        spec.ready_on_any_status = true;
        for (name, value) in env {
            spec = spec.env(name, value);
        }
        let server = RunningServer::start(spec).unwrap_or_else(|err| panic!("{runtime}: {err:#}"));
        let served = Served { server, dir: site };
        check_under_the_prefix(runtime, &served);
        // Route fields from a client, where no Spin sets them: read by
        // nobody, so one client cannot change what a URL gets for others.
        let claimed = [
            ("spin-raw-component-route", "/static/docs/..."),
            ("spin-component-route", "/static/docs"),
            ("spin-path-info", "/guide.txt"),
        ];
        let plain = served.get("/static/docs/guide.txt", &[]);
        let with_fields = served.get("/static/docs/guide.txt", &claimed);
        assert_eq!(with_fields.status, 200, "{runtime}");
        assert_eq!(with_fields.body, plain.body, "{runtime}");
        assert_eq!(with_fields.field("etag"), plain.field("etag"), "{runtime}");
        let outside = served.get("/css/site.css", &[]);
        assert_eq!(outside.status, 404, "{runtime}: outside BASE_PATH");
        return;
    }
    let (served, _dirs) = serve_app(runtime, &[]);
    check_under_the_prefix(runtime, &served);
    // The other components have the rest: the app's `/...` and the exact
    // route of one file.
    let other = served.get("/api.json", &[]);
    assert_eq!(
        (other.status, &other.body[..]),
        (200, &b"{\"from\":\"the other component\"}"[..]),
        "{runtime}"
    );
    let icon = served.get("/favicon.ico", &[]);
    assert_eq!(
        (icon.status, &icon.body[..]),
        (200, &b"an icon"[..]),
        "{runtime}"
    );
    // Route fields a client adds come before Spin's, whose last values win.
    let claimed = [
        ("spin-component-route", "/static/docs"),
        ("spin-path-info", "/guide.txt"),
    ];
    let index = served.get("/static/index.html", &claimed);
    assert_eq!(index.body, fixture_file("index.html"), "{runtime}");
    // Without the variable, the environment's value.
    assert_eq!(
        served
            .get("/static/css/site.css", &[])
            .field("cache-control"),
        Some("no-cache"),
        "{runtime}"
    );
}

/// `spin up --variable` configures the same artifact: the variable wins
/// over the environment, and an invalid one is refused with a line.
fn spin_variables_configure_the_same_artifact(runtime: Runtime) {
    if runtime.host == harness::runtime::Runtime::Wasmtime {
        // No Spin variables there: the environment alone, the same setting.
        let env = [("CACHE_CONTROL", "public, max-age=60")];
        let served = Served::start_in(runtime, support::fixture_site_dir(), Mounts::Copied, &env);
        let css = served.get("/css/site.css", &[]);
        assert_eq!(
            css.field("cache-control"),
            Some("public, max-age=60"),
            "{runtime}"
        );
        return;
    }
    let (served, _dirs) = serve_app(runtime, &["--variable", "cache_control=public, max-age=60"]);
    let css = served.get("/static/css/site.css", &[]);
    assert_eq!(
        css.field("cache-control"),
        Some("public, max-age=60"),
        "{runtime}"
    );
    let redirect = served.get("/static/docs", &[]);
    assert_eq!(
        redirect.field("cache-control"),
        Some("public, max-age=60"),
        "{runtime}"
    );
    let (served, _dirs) = serve_app(runtime, &["--variable", "cache_control=no-cache\u{1}"]);
    let css = served.get("/static/css/site.css", &[("Accept", HTML)]);
    assert_eq!(css.field("cache-control"), Some("no-cache"), "{runtime}");
    served.output_containing("config: CACHE_CONTROL=");
}

/// The password of `bob`, given as a variable, never written in the site.
const VAULT_PASSWORD: &str = "correct horse battery staple";

/// A `Basic-Auth` password named by variable (`bob:variable:vault_password`):
/// a secret Spin variable under Spin, the environment variable
/// `VAULT_PASSWORD` under wasmtime. It admits with it, refuses without,
/// and its value is in no answer and no log line.
fn a_basic_auth_password_from_a_variable(runtime: Runtime) {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("vault")).unwrap();
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>home</title>",
    )
    .unwrap();
    std::fs::write(site.path().join("vault/index.html"), "the vault").unwrap();
    std::fs::write(
        site.path().join("_headers"),
        "/vault/*\n  Basic-Auth: bob:variable:vault_password\n",
    )
    .unwrap();
    let served = if runtime.host == harness::runtime::Runtime::Wasmtime {
        let env = [("VAULT_PASSWORD", VAULT_PASSWORD)];
        Served::start_in(runtime, site, Mounts::Copied, &env)
    } else {
        let artifact = harness::tools::build_spin_artifact(runtime.wasi).unwrap();
        let app = SpinApp {
            manifest: format!(
                r#"spin_manifest_version = 2

[application]
name = "a-vault"

[variables]
vault_password = {{ required = true, secret = true }}

[[trigger.http]]
route = "/..."
component = "site"

[component.site]
source = "{artifact}"
files = [{{ source = "site", destination = "/" }}]

[component.site.variables]
vault_password = "{{{{ vault_password }}}}"
"#,
                artifact = artifact.display()
            ),
            dirs: Vec::new(),
        };
        let variable = format!("vault_password={VAULT_PASSWORD}");
        start_app(runtime, site, app, &["--variable", &variable])
    };
    let bob = (
        "Authorization",
        "Basic Ym9iOmNvcnJlY3QgaG9yc2UgYmF0dGVyeSBzdGFwbGU=",
    );
    let wrong = ("Authorization", "Basic Ym9iOmNvcnJlY3QgaG9yc2U=");
    let admitted = served.get("/vault/", &[bob]);
    assert_eq!(
        (admitted.status, &admitted.body[..]),
        (200, &b"the vault"[..]),
        "{runtime}"
    );
    for fields in [&[][..], &[wrong][..]] {
        let refused = served.get("/vault/", fields);
        assert_eq!(refused.status, 401, "{runtime}: {fields:?}");
        assert!(!String::from_utf8_lossy(&refused.body).contains("horse"));
        assert!(
            refused
                .fields
                .iter()
                .all(|(_, value)| !value.contains("horse"))
        );
    }
    assert_eq!(served.get("/", &[]).status, 200, "{runtime}");
    let output = served.output_containing("path=/vault/");
    assert!(
        !output.contains("horse"),
        "{runtime}: the password in the log"
    );
    assert!(!output.contains("vault_password"), "{runtime}: {output}");
}

runtime_tests!(
    a_site_on_a_route_beside_other_components,
    spin_variables_configure_the_same_artifact,
    a_basic_auth_password_from_a_variable,
);
