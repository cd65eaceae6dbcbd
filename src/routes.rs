//! Which resource a request path names. Only these fixed names are ever
//! opened: no part of a request becomes part of a file path.

/// The resources the component serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/` and `/index.html`: the page.
    Page,
    /// `/favicon.ico`: the icon if one is mounted, else 204.
    Favicon,
    /// Anything else.
    NotFound,
}

/// The file the page is read from, in the mounted directory.
pub const PAGE_FILE: &str = "index.html";
/// The optional icon, beside the page.
pub const FAVICON_FILE: &str = "favicon.ico";

/// Routes the path of a request target (without its query). Matching is exact:
/// `//`, `/index.html/`, percent-encoded or dotted variants are all not found.
pub fn route(path: &str) -> Route {
    match path {
        "/" | "/index.html" => Route::Page,
        "/favicon.ico" => Route::Favicon,
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_paths_route() {
        assert_eq!(route("/"), Route::Page);
        assert_eq!(route("/index.html"), Route::Page);
        assert_eq!(route("/favicon.ico"), Route::Favicon);
        for other in [
            "",
            "//",
            "/index.html/",
            "/INDEX.HTML",
            "/%69ndex.html",
            "/../index.html",
            "/%2e%2e/etc/passwd",
            "\\index.html",
            "/static/index.html",
        ] {
            assert_eq!(route(other), Route::NotFound, "{other:?}");
        }
    }
}
