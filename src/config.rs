//! Configuration from the component's environment variables, which Spin sets
//! from `environment` in spin.toml and wasmtime from `--env NAME=VALUE`.

use std::time::Duration;

use http::HeaderValue;

use crate::decision::ResponsePolicy;
use crate::resolve::site_path::SitePath;

/// Cache-Control of the page's 200, 206 and 304 responses.
pub const CACHE_CONTROL: &str = "CACHE_CONTROL";
/// Milliseconds between two looks at a file's metadata; 0 looks every request.
pub const FILE_CHECK_INTERVAL_MS: &str = "FILE_CHECK_INTERVAL_MS";
/// `on` (default) or `off`: whether Last-Modified is sent and used.
pub const LAST_MODIFIED: &str = "LAST_MODIFIED";
/// The directory, inside the component, where the files are mounted.
pub const DOCUMENT_ROOT: &str = "DOCUMENT_ROOT";
/// The largest file, in bytes, that is read and served.
pub const MAX_FILE_BYTES: &str = "MAX_FILE_BYTES";
/// `on` (default) or `off`: the access-log line on stdout for each request.
pub const ACCESS_LOG: &str = "ACCESS_LOG";
/// The most bytes of file content an instance keeps between requests.
pub const CACHE_MAX_BYTES: &str = "CACHE_MAX_BYTES";
/// A file of the site (such as `/404.html`) sent with status 404.
pub const NOT_FOUND_PAGE: &str = "NOT_FOUND_PAGE";
/// A file of the site (an app shell, such as `/index.html`) sent with 200 for
/// missing paths that look like pages, to requests that accept HTML.
pub const FALLBACK_PAGE: &str = "FALLBACK_PAGE";
/// `on` or `off` (default): `/about` serves `about.html` when there is no
/// `about`.
pub const CLEAN_URLS: &str = "CLEAN_URLS";

pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_millis(1000);
pub const DEFAULT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The component's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cache-Control of a file no default or rule gives one, and of
    /// redirects (RFC 9111 section 5.2).
    pub cache_control: HeaderValue,
    pub policy: ResponsePolicy,
    pub check_interval: Duration,
    pub document_root: String,
    pub max_file_bytes: u64,
    pub cache_max_bytes: u64,
    pub access_log: bool,
    /// The 404 page, a path relative to the site root.
    pub not_found_page: Option<String>,
    /// The app shell, a path relative to the site root.
    pub fallback_page: Option<String>,
    pub clean_urls: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cache_control: HeaderValue::from_static("no-cache"),
            policy: ResponsePolicy::default(),
            check_interval: DEFAULT_CHECK_INTERVAL,
            document_root: "/".to_string(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            access_log: true,
            not_found_page: None,
            fallback_page: None,
            clean_urls: false,
        }
    }
}

impl Config {
    /// Reads the configuration through `lookup` (the environment, in the
    /// component). A value that is not valid keeps the default and adds a
    /// message to the returned list, for the log.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut problems = Vec::new();
        if let Some(value) = lookup(CACHE_CONTROL) {
            match HeaderValue::try_from(value.trim()) {
                Ok(v) if !v.is_empty() => config.cache_control = v,
                _ => problems.push(invalid(CACHE_CONTROL, &value, "a header field value")),
            }
        }
        if let Some(value) = lookup(FILE_CHECK_INTERVAL_MS) {
            match value.trim().parse::<u64>() {
                Ok(ms) => config.check_interval = Duration::from_millis(ms),
                Err(_) => problems.push(invalid(FILE_CHECK_INTERVAL_MS, &value, "milliseconds")),
            }
        }
        if let Some(value) = lookup(LAST_MODIFIED) {
            match on_off(&value) {
                Some(on) => config.policy.last_modified = on,
                None => problems.push(invalid(LAST_MODIFIED, &value, "on or off")),
            }
        }
        if let Some(value) = lookup(ACCESS_LOG) {
            match on_off(&value) {
                Some(on) => config.access_log = on,
                None => problems.push(invalid(ACCESS_LOG, &value, "on or off")),
            }
        }
        if let Some(value) = lookup(DOCUMENT_ROOT) {
            if value.trim().is_empty() {
                problems.push(invalid(DOCUMENT_ROOT, &value, "a directory"));
            } else {
                config.document_root = value.trim().to_string();
            }
        }
        if let Some(value) = lookup(MAX_FILE_BYTES) {
            match value.trim().parse::<u64>() {
                Ok(n) => config.max_file_bytes = n,
                Err(_) => problems.push(invalid(MAX_FILE_BYTES, &value, "a number of bytes")),
            }
        }
        if let Some(value) = lookup(CACHE_MAX_BYTES) {
            match value.trim().parse::<u64>() {
                Ok(n) => config.cache_max_bytes = n,
                Err(_) => problems.push(invalid(CACHE_MAX_BYTES, &value, "a number of bytes")),
            }
        }
        if let Some(value) = lookup(CLEAN_URLS) {
            match on_off(&value) {
                Some(on) => config.clean_urls = on,
                None => problems.push(invalid(CLEAN_URLS, &value, "on or off")),
            }
        }
        for (name, slot) in [
            (NOT_FOUND_PAGE, &mut config.not_found_page),
            (FALLBACK_PAGE, &mut config.fallback_page),
        ] {
            if let Some(value) = lookup(name).filter(|value| !value.trim().is_empty()) {
                match site_file(&value) {
                    Some(relative) => *slot = Some(relative),
                    None => problems.push(invalid(
                        name,
                        &value,
                        "a file of the site, such as /404.html",
                    )),
                }
            }
        }
        (config, problems)
    }
}

/// A file of the site named in the configuration (`/404.html` or `404.html`),
/// checked as a request path is. (An empty value means none, and never
/// reaches here.)
fn site_file(value: &str) -> Option<String> {
    let value = value.trim();
    let absolute = if value.starts_with('/') {
        value.to_string()
    } else {
        format!("/{value}")
    };
    let path = SitePath::parse(&absolute).ok()?;
    (!path.is_directory()).then(|| path.relative().to_string())
}

fn on_off(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Some(true),
        "off" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn invalid(name: &str, value: &str, wanted: &str) -> String {
    format!("config: {name}={value:?} is not {wanted}; using the default")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> (Config, Vec<String>) {
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults() {
        let (config, problems) = from(&[]);
        assert!(problems.is_empty());
        assert_eq!(config.cache_control, "no-cache");
        assert!(config.policy.last_modified);
        assert_eq!(config.check_interval, Duration::from_secs(1));
        assert_eq!(config.document_root, "/");
        assert!(config.access_log);
    }

    #[test]
    fn values_are_read() {
        let (config, problems) = from(&[
            (CACHE_CONTROL, "public, max-age=60"),
            (FILE_CHECK_INTERVAL_MS, "0"),
            (LAST_MODIFIED, "off"),
            (DOCUMENT_ROOT, "/site"),
            (MAX_FILE_BYTES, "10"),
            (ACCESS_LOG, "OFF"),
            (CACHE_MAX_BYTES, "1000"),
            (NOT_FOUND_PAGE, "/errors/404.html"),
            (FALLBACK_PAGE, "app.html"),
            (CLEAN_URLS, "on"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.cache_control, "public, max-age=60");
        assert_eq!(config.check_interval, Duration::ZERO);
        assert!(!config.policy.last_modified);
        assert_eq!(config.document_root, "/site");
        assert_eq!(config.max_file_bytes, 10);
        assert!(!config.access_log);
        assert_eq!(config.cache_max_bytes, 1000);
        assert_eq!(config.not_found_page.as_deref(), Some("errors/404.html"));
        assert_eq!(config.fallback_page.as_deref(), Some("app.html"));
        assert!(config.clean_urls);
    }

    #[test]
    fn invalid_values_keep_defaults_and_are_reported() {
        let (config, problems) = from(&[
            (CACHE_CONTROL, "no-cache\nX-Evil: 1"),
            (FILE_CHECK_INTERVAL_MS, "soon"),
            (LAST_MODIFIED, "maybe"),
            (NOT_FOUND_PAGE, "/../etc/passwd"),
            (FALLBACK_PAGE, "/errors/"),
            (CLEAN_URLS, "sometimes"),
        ]);
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert_eq!(config.not_found_page, None);
        assert_eq!(config.fallback_page, None);
        assert_eq!(config.cache_control, "no-cache");
        assert_eq!(config.check_interval, DEFAULT_CHECK_INTERVAL);
        assert!(config.policy.last_modified);
    }
}
