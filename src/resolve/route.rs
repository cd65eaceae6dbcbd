//! Where the site sits among the URLs the component answers: under the
//! prefix of its route, so that a site routed at `/static/...` beside other
//! components serves `/static/site.css` from its `site.css`.
//!
//! The prefix comes from Spin's route fields in the Spin build only, and
//! only when they agree with the request's own path; else from the
//! `BASE_PATH` setting. Spin sets the fields (`spin-component-route`,
//! `spin-path-info`, `spin-raw-component-route`) after the client's, so
//! its values are the last ones (crates/trigger-http/src/headers.rs; the
//! same in Spin 4.0.1 and 4.1, for both WASI versions). Where no Spin sets
//! them (wasmtime serve) a client could send them, and a cache in front
//! keys by URL: a field that changed which file a URL gets would let one
//! client poison it for every other. So the plain artifacts never read them.

use crate::access_log::escaped;
use crate::request::RequestHead;

/// Where a request's path sits.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Placement<'a> {
    /// Under the prefix (empty for a site at `/`): the site path to resolve,
    /// from `/`; `request.path` is the prefix followed by it.
    Site { prefix: &'a str, site_path: &'a str },
    /// The prefix itself, without the slash after it: the site's root is
    /// `prefix/` (a 308 there, as for a directory).
    Prefix { prefix: &'a str },
    /// Not under `BASE_PATH`: nothing of the site.
    Outside,
}

/// The placement of `request`, with a line for the error log when Spin's
/// route fields were there but disagreed with its path (and were ignored).
pub(crate) fn place<'a>(
    request: &RequestHead<'a>,
    base_path: &'a str,
) -> (Placement<'a>, Option<String>) {
    let mut line = None;
    if request.route_from_spin
        && let Some(route) = SpinRoute::of(request)
    {
        if let Some(placement) = route.placement(request.path) {
            return (placement, None);
        }
        line = Some(format!(
            "route: spin-component-route {:?} and spin-path-info {:?} do not make the path {}; \
             ignored, the path is served as it is",
            escaped(route.component_route),
            escaped(route.path_info),
            escaped(request.path),
        ));
    }
    (under_base_path(request.path, base_path), line)
}

/// The placement of `path` under `base_path` (empty: none).
fn under_base_path<'a>(path: &'a str, base_path: &'a str) -> Placement<'a> {
    if base_path.is_empty() {
        return Placement::Site {
            prefix: "",
            site_path: path,
        };
    }
    match path.strip_prefix(base_path) {
        Some("") => Placement::Prefix { prefix: base_path },
        Some(rest) if rest.starts_with('/') => Placement::Site {
            prefix: base_path,
            site_path: rest,
        },
        _ => Placement::Outside,
    }
}

/// Spin's fields of the component's route, each its last value.
struct SpinRoute<'a> {
    /// As the manifest writes it: `/static/...`, `/favicon.ico`, `/...`.
    raw_route: &'a str,
    /// The raw route without its trailing `/...`.
    component_route: &'a str,
    /// What the trailing wildcard matched: empty for `/static` and for an
    /// exact route, `/` for `/static/`, `/site.css` for `/static/site.css`.
    path_info: &'a str,
}

impl<'a> SpinRoute<'a> {
    fn of(request: &RequestHead<'a>) -> Option<SpinRoute<'a>> {
        let last = |name: &str| {
            let value = request.headers.get_all(name).iter().next_back()?;
            value.to_str().ok()
        };
        Some(SpinRoute {
            raw_route: last("spin-raw-component-route")?,
            component_route: last("spin-component-route")?,
            path_info: last("spin-path-info")?,
        })
    }

    /// Where `path` sits, if the fields agree with it: the path is the
    /// component route followed by the path info. An exact route
    /// (`/favicon.ico`) serves the file of its own path.
    fn placement(&self, path: &'a str) -> Option<Placement<'a>> {
        let rest = path.strip_prefix(self.component_route)?;
        if rest != self.path_info {
            return None;
        }
        if !self.raw_route.ends_with("/...") {
            return (rest.is_empty()).then_some(Placement::Site {
                prefix: "",
                site_path: path,
            });
        }
        let prefix = &path[..self.component_route.len()];
        Some(match rest {
            "" => Placement::Prefix { prefix },
            site_path => Placement::Site { prefix, site_path },
        })
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, Method};

    use super::*;

    fn placed<'a>(
        path: &'a str,
        fields: &[(&'static str, &'static str)],
        from_spin: bool,
        base_path: &'a str,
        headers: &'a mut HeaderMap,
    ) -> (Placement<'a>, bool) {
        for (name, value) in fields {
            headers.append(*name, HeaderValue::from_static(value));
        }
        let request = RequestHead {
            method: &Method::GET,
            path,
            query: None,
            authority: None,
            scheme: None,
            headers,
            route_from_spin: from_spin,
        };
        let (placement, line) = place(&request, base_path);
        (placement, line.is_some())
    }

    const STATIC: [(&str, &str); 3] = [
        ("spin-raw-component-route", "/static/..."),
        ("spin-component-route", "/static"),
        ("spin-path-info", "/site.css"),
    ];

    fn site<'a>(prefix: &'a str, site_path: &'a str) -> Placement<'a> {
        Placement::Site { prefix, site_path }
    }

    #[test]
    #[rustfmt::skip]
    fn placements() {
        let wildcard = |info: &'static str| {
            [
                ("spin-raw-component-route", "/static/..."),
                ("spin-component-route", "/static"),
                ("spin-path-info", info),
            ]
        };
        let root = [
            ("spin-raw-component-route", "/..."),
            ("spin-component-route", ""),
            ("spin-path-info", "/docs/"),
        ];
        let exact = [
            ("spin-raw-component-route", "/favicon.ico"),
            ("spin-component-route", "/favicon.ico"),
            ("spin-path-info", ""),
        ];
        // path, fields, trusted, BASE_PATH: placement, logged
        type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, bool, &'a str, Placement<'a>, bool);
        let table: Vec<Row> = vec![
            ("/static/site.css", STATIC.to_vec(), true, "", site("/static", "/site.css"), false),
            ("/static/", wildcard("/").to_vec(), true, "", site("/static", "/"), false),
            ("/static", wildcard("").to_vec(), true, "", Placement::Prefix { prefix: "/static" }, false),
            ("/docs/", root.to_vec(), true, "", site("", "/docs/"), false),
            ("/favicon.ico", exact.to_vec(), true, "", site("", "/favicon.ico"), false),
            // Fields that disagree with the path: ignored, logged.
            ("/secret.html", STATIC.to_vec(), true, "", site("", "/secret.html"), true),
            ("/static/a.css", STATIC.to_vec(), true, "", site("", "/static/a.css"), true),
            // The plain artifacts never read them.
            ("/static/site.css", STATIC.to_vec(), false, "", site("", "/static/site.css"), false),
            // BASE_PATH, where no Spin route says otherwise.
            ("/static/site.css", vec![], true, "/static", site("/static", "/site.css"), false),
            ("/static", vec![], false, "/static", Placement::Prefix { prefix: "/static" }, false),
            ("/staticx/a", vec![], false, "/static", Placement::Outside, false),
            ("/other", vec![], false, "/static", Placement::Outside, false),
            ("/static/site.css", STATIC.to_vec(), false, "/static", site("/static", "/site.css"), false),
        ];
        for (path, fields, trusted, base, want, logged) in table {
            let mut headers = HeaderMap::new();
            let got = placed(path, &fields, trusted, base, &mut headers);
            assert_eq!(got, (want, logged), "{path} {fields:?} {trusted} {base:?}");
        }
    }

    /// The last value of each field is Spin's: Spin appends its own after
    /// the client's.
    #[test]
    fn the_last_value_is_spins() {
        let fields = [
            ("spin-raw-component-route", "/..."),
            ("spin-component-route", ""),
            ("spin-path-info", "/static/site.css"),
            ("spin-raw-component-route", "/static/..."),
            ("spin-component-route", "/static"),
            ("spin-path-info", "/site.css"),
        ];
        let mut headers = HeaderMap::new();
        let got = placed("/static/site.css", &fields, true, "", &mut headers);
        assert_eq!(got, (site("/static", "/site.css"), false));
    }
}
