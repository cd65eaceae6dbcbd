//! Configuration from the component's environment variables, which Spin sets
//! from `environment` in spin.toml and wasmtime from `--env NAME=VALUE`, and,
//! in the Spin build, from the component's Spin variables first (each named
//! as its environment variable in lower case; see `crate::instance`).

use std::time::Duration;

use http::HeaderValue;

use crate::decision::ResponsePolicy;
use crate::log_lines::LogLines;
use crate::resolve::canonical::HtmlHandling;
use crate::resolve::site_path::SitePath;

/// The directory, inside the component, where the files are mounted.
pub const DOCUMENT_ROOT: &str = "DOCUMENT_ROOT";

/// One setting of the component: its environment variable, its default as
/// the docs write it, and how a value is read into the [`Config`]. The one
/// list of them is [`SETTINGS`]; the README's table and the Spin manifests
/// are checked against it (tests/in_process/settings.rs).
pub struct Setting {
    /// The environment variable.
    pub name: &'static str,
    /// The default value, as a value of the variable would say it (empty:
    /// none).
    pub default: &'static str,
    /// What a value must be, for the message about an invalid one.
    pub takes: &'static str,
    /// Reads a value into the configuration; false when it is not valid.
    apply: fn(&mut Config, &str) -> bool,
}

impl Setting {
    /// Reads `value` into `config`; false (and `config` unchanged) when it is
    /// not valid.
    pub fn apply(&self, config: &mut Config, value: &str) -> bool {
        (self.apply)(config, value.trim())
    }
}

/// Every setting, in the order they are read (and their lines logged) and
/// of the README's table.
pub const SETTINGS: [Setting; 13] = [
    Setting {
        name: "CACHE_CONTROL",
        default: "no-cache",
        takes: "a header field value",
        apply: |config, value| match HeaderValue::try_from(value) {
            Ok(value) if !value.is_empty() => set(&mut config.cache_control, value),
            _ => false,
        },
    },
    Setting {
        name: "FILE_CHECK_INTERVAL_MS",
        default: "1000",
        takes: "milliseconds",
        apply: |config, value| {
            let ms = value.parse().ok();
            ms.is_some_and(|ms| set(&mut config.check_interval, Duration::from_millis(ms)))
        },
    },
    Setting {
        name: "LAST_MODIFIED",
        default: "on",
        takes: "on or off",
        apply: |config, value| {
            on_off(value).is_some_and(|on| set(&mut config.policy.last_modified, on))
        },
    },
    Setting {
        name: "ACCESS_LOG",
        default: "on",
        takes: "on or off",
        apply: |config, value| on_off(value).is_some_and(|on| set(&mut config.access_log, on)),
    },
    Setting {
        name: DOCUMENT_ROOT,
        default: "/",
        takes: "a directory",
        apply: |config, value| {
            !value.is_empty() && set(&mut config.document_root, value.to_string())
        },
    },
    Setting {
        name: "MAX_KEPT_FILE_BYTES",
        default: "1048576",
        takes: "a number of bytes",
        apply: |config, value| {
            value
                .parse()
                .is_ok_and(|n| set(&mut config.max_kept_file_bytes, n))
        },
    },
    Setting {
        name: "CACHE_MAX_BYTES",
        default: "33554432",
        takes: "a number of bytes",
        apply: |config, value| {
            value
                .parse()
                .is_ok_and(|n| set(&mut config.cache_max_bytes, n))
        },
    },
    Setting {
        name: "CLEAN_URLS",
        default: "off",
        takes: "on or off",
        apply: |config, value| on_off(value).is_some_and(|on| set(&mut config.clean_urls, on)),
    },
    Setting {
        name: "HTML_HANDLING",
        default: "auto-trailing-slash",
        takes: "auto-trailing-slash, force-trailing-slash, drop-trailing-slash or none",
        apply: |config, value| {
            HtmlHandling::parse(value).is_some_and(|mode| set(&mut config.html_handling, mode))
        },
    },
    Setting {
        name: "INDEX_FILES",
        default: "index.html,index.htm",
        takes: "file names separated by commas",
        apply: |config, value| {
            index_files(value).is_some_and(|names| set(&mut config.index_files, names))
        },
    },
    Setting {
        name: "BASE_PATH",
        default: "",
        takes: "a path such as /static",
        apply: |config, value| {
            base_path(value).is_some_and(|path| set(&mut config.base_path, path))
        },
    },
    Setting {
        name: "NOT_FOUND_PAGE",
        default: "",
        takes: SITE_FILE,
        apply: |config, value| {
            site_file(value).is_some_and(|page| set(&mut config.not_found_page, Some(page)))
        },
    },
    Setting {
        name: "FALLBACK_PAGE",
        default: "",
        takes: SITE_FILE,
        apply: |config, value| {
            site_file(value).is_some_and(|page| set(&mut config.fallback_page, Some(page)))
        },
    },
];

/// What the page settings take.
const SITE_FILE: &str = "a file of the site, such as /404.html";

/// The component's variables, for the settings and what a site names by
/// variable (a `Basic-Auth` password, `variable:NAME`): the Spin variable
/// `name` where the Spin build's `wasi:config/store` gives one that is not
/// empty, else the environment variable `NAME`. Nothing else reads them.
#[derive(Clone, Default)]
pub struct Variables {
    spin: Vec<(String, String)>,
}

/// Names only: a variable may hold a password.
impl std::fmt::Debug for Variables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.spin.iter().map(|(name, _)| name.as_str()).collect();
        write!(f, "Variables({names:?})")
    }
}

impl Variables {
    /// `spin`: the Spin variables, `(name, value)`; empty for the plain
    /// artifacts, which read only the environment.
    pub fn new(spin: Vec<(String, String)>) -> Variables {
        Variables { spin }
    }

    /// The value of the variable `name` (lower case, as Spin names them).
    pub fn get(&self, name: &str) -> Option<String> {
        self.spin
            .iter()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.clone())
            .or_else(|| std::env::var(name.to_ascii_uppercase()).ok())
    }
}

/// The component's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cache-Control of a file no default or rule gives one, and of
    /// redirects (RFC 9111 section 5.2).
    pub cache_control: HeaderValue,
    pub policy: ResponsePolicy,
    /// How long a file's metadata is trusted before it is looked at again.
    pub check_interval: Duration,
    pub document_root: String,
    /// The largest file read whole and kept in memory, in bytes; a larger one
    /// is hashed in pieces and sent from the file.
    pub max_kept_file_bytes: u64,
    /// In bytes.
    pub cache_max_bytes: u64,
    pub access_log: bool,
    /// The 404 page, a path relative to the site root.
    pub not_found_page: Option<String>,
    /// The app shell, a path relative to the site root.
    pub fallback_page: Option<String>,
    pub clean_urls: bool,
    /// Which URL of a page is the one that answers 200 (the others redirect).
    pub html_handling: HtmlHandling,
    /// The files a directory's URL serves, the first found.
    pub index_files: Vec<String>,
    /// The prefix of every URL of the site where no Spin route says one
    /// (`/static`, no trailing slash); empty: the site is at `/`.
    pub base_path: String,
    /// Where the settings came from, kept for what the site names by
    /// variable.
    pub variables: Variables,
}

impl Default for Config {
    /// Every setting at its default, as [`SETTINGS`] gives it.
    fn default() -> Self {
        // Each field is set from the table below; these only start it.
        let mut config = Config {
            cache_control: HeaderValue::from_static(""),
            policy: ResponsePolicy::default(),
            check_interval: Duration::ZERO,
            document_root: String::new(),
            max_kept_file_bytes: 0,
            cache_max_bytes: 0,
            access_log: false,
            not_found_page: None,
            fallback_page: None,
            clean_urls: false,
            html_handling: HtmlHandling::AutoTrailingSlash,
            index_files: Vec::new(),
            base_path: String::new(),
            variables: Variables::default(),
        };
        for setting in &SETTINGS {
            // An empty default means none: nothing to apply.
            if !setting.default.is_empty() {
                setting.apply(&mut config, setting.default);
            }
        }
        config
    }
}

impl Config {
    /// Reads the configuration through `lookup` (the environment, in the
    /// component). A value that is not valid keeps the default and adds a
    /// line to the returned list, for the log; an empty one means the
    /// default too.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Config, LogLines) {
        let mut config = Config::default();
        let mut log_lines = LogLines::default();
        for setting in &SETTINGS {
            let Some(value) = lookup(setting.name) else {
                continue;
            };
            if value.trim().is_empty() && setting.default.is_empty() {
                continue;
            }
            if !setting.apply(&mut config, &value) {
                log_lines.push(format!(
                    "config: {}={value:?} is not {}; using the default",
                    setting.name, setting.takes
                ));
            }
        }
        if lookup(RETIRED_MAX_FILE_BYTES).is_some_and(|value| !value.trim().is_empty()) {
            log_lines.push(format!(
                "config: {RETIRED_MAX_FILE_BYTES} is no longer read: a file of any size is \
                 served, sent from the file past MAX_KEPT_FILE_BYTES"
            ));
        }
        (config, log_lines)
    }
}

/// The setting that capped the size of a file served, before files were
/// sent from the file: named in the log when it is still set.
const RETIRED_MAX_FILE_BYTES: &str = "MAX_FILE_BYTES";

/// Sets `slot` to `value`: true, for a setting's `apply`.
fn set<T>(slot: &mut T, value: T) -> bool {
    *slot = value;
    true
}

/// A file of the site named in the configuration (`/404.html` or `404.html`),
/// checked as a request path is. (An empty value means none, and never
/// reaches here.)
fn site_file(value: &str) -> Option<String> {
    let absolute = if value.starts_with('/') {
        value.to_string()
    } else {
        format!("/{value}")
    };
    let path = SitePath::parse(&absolute).ok()?;
    (!path.is_directory()).then(|| path.relative().to_string())
}

/// A list of index file names (`index.html,index.htm`): plain names of a
/// file, no path.
fn index_files(value: &str) -> Option<Vec<String>> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .map(str::to_string)
        .collect();
    let plain = |name: &String| {
        SitePath::parse(&format!("/{name}"))
            .is_ok_and(|path| !path.is_directory() && !path.relative().contains('/'))
            && !name.contains('%')
    };
    names.iter().all(plain).then_some(names)
}

/// A base path (`/static`, `/static/`): from `/`, its segments as a request
/// path would have them; kept without the trailing slash, `/` alone as none.
fn base_path(value: &str) -> Option<String> {
    let with_slash = match value.ends_with('/') {
        true => value.to_string(),
        false => format!("{value}/"),
    };
    SitePath::parse(&with_slash).ok()?;
    Some(with_slash.trim_end_matches('/').to_string())
}

fn on_off(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Some(true),
        "off" | "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> (Config, Vec<String>) {
        let (config, log_lines) = Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        let lines = log_lines.to_string();
        (config, lines.lines().map(str::to_string).collect())
    }

    #[test]
    fn defaults() {
        let (config, problems) = from(&[]);
        assert!(problems.is_empty());
        assert_eq!(config.cache_control, "no-cache");
        assert!(config.policy.last_modified);
        assert_eq!(config.check_interval, Duration::from_secs(1));
        assert_eq!(config.document_root, "/");
        assert_eq!(config.max_kept_file_bytes, 1024 * 1024);
        assert_eq!(config.cache_max_bytes, 32 * 1024 * 1024);
        assert!(config.access_log);
        assert!(!config.clean_urls);
        assert_eq!(config.not_found_page, None);
    }

    /// Each default of the table is a valid value of its setting: set as
    /// a value, it is taken without a line and changes nothing.
    #[test]
    fn every_default_is_a_valid_value() {
        for setting in &SETTINGS {
            let (config, problems) = from(&[(setting.name, setting.default)]);
            assert!(problems.is_empty(), "{}: {problems:?}", setting.name);
            assert_eq!(format!("{config:?}"), format!("{:?}", Config::default()));
        }
        let names: std::collections::HashSet<_> = SETTINGS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), SETTINGS.len(), "a name twice");
    }

    #[test]
    fn values_are_read() {
        let (config, problems) = from(&[
            ("CACHE_CONTROL", "public, max-age=60"),
            ("FILE_CHECK_INTERVAL_MS", "0"),
            ("LAST_MODIFIED", "off"),
            ("DOCUMENT_ROOT", "/site"),
            ("MAX_KEPT_FILE_BYTES", "10"),
            ("ACCESS_LOG", "OFF"),
            ("CACHE_MAX_BYTES", "1000"),
            ("NOT_FOUND_PAGE", "/errors/404.html"),
            ("FALLBACK_PAGE", "app.html"),
            ("CLEAN_URLS", "on"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.cache_control, "public, max-age=60");
        assert_eq!(config.check_interval, Duration::ZERO);
        assert!(!config.policy.last_modified);
        assert_eq!(config.document_root, "/site");
        assert_eq!(config.max_kept_file_bytes, 10);
        assert!(!config.access_log);
        assert_eq!(config.cache_max_bytes, 1000);
        assert_eq!(config.not_found_page.as_deref(), Some("errors/404.html"));
        assert_eq!(config.fallback_page.as_deref(), Some("app.html"));
        assert!(config.clean_urls);
    }

    /// MAX_FILE_BYTES capped what was served; set now, it is named in the
    /// log and changes nothing.
    #[test]
    fn the_retired_max_file_bytes_is_logged() {
        let (config, problems) = from(&[("MAX_FILE_BYTES", "10")]);
        assert_eq!(format!("{config:?}"), format!("{:?}", Config::default()));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("MAX_FILE_BYTES is no longer read"));
        assert!(from(&[("MAX_FILE_BYTES", "")]).1.is_empty());
    }

    #[test]
    fn invalid_values_keep_defaults_and_are_reported() {
        let (config, problems) = from(&[
            ("CACHE_CONTROL", "no-cache\nX-Evil: 1"),
            ("FILE_CHECK_INTERVAL_MS", "soon"),
            ("LAST_MODIFIED", "maybe"),
            ("NOT_FOUND_PAGE", "/../etc/passwd"),
            ("FALLBACK_PAGE", "/errors/"),
            ("CLEAN_URLS", "sometimes"),
        ]);
        let what = |line: &str| line.split('=').next().unwrap_or_default().to_string();
        let names: Vec<String> = problems.iter().map(|line| what(line)).collect();
        let order = [
            "CACHE_CONTROL",
            "FILE_CHECK_INTERVAL_MS",
            "LAST_MODIFIED",
            "CLEAN_URLS",
            "NOT_FOUND_PAGE",
            "FALLBACK_PAGE",
        ];
        let wanted: Vec<String> = order.iter().map(|name| format!("config: {name}")).collect();
        assert_eq!(names, wanted, "in the order they are read: {problems:?}");
        assert_eq!(
            problems[0],
            "config: CACHE_CONTROL=\"no-cache\\nX-Evil: 1\" is not a header field value; using the default"
        );
        assert_eq!(config.not_found_page, None);
        assert_eq!(config.fallback_page, None);
        assert_eq!(config.cache_control, "no-cache");
        assert_eq!(config.check_interval, Duration::from_secs(1));
        assert!(config.policy.last_modified);
    }
}
