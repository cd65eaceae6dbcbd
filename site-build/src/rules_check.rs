//! The build step's check of the site's rules files, `_headers` and
//! `_redirects`: every rule the component would refuse, with the file and
//! the line, so that the person who builds the site sees it before a
//! request does (the component logs the same lines, from the same parser,
//! when an instance first reads the file). A `.cache-rules` of an earlier
//! version gets a line saying where its rules go now.

use std::path::Path;

use http_caching_server::{HEADERS_FILE, HeaderRules};
use http_caching_server::{REDIRECTS_FILE, RedirectRules};

/// The lines about the rules files of the site at `site`, each starting
/// with the file's path: `site/_headers:12: ETag cannot be set: ...`.
pub fn check_rules(site: &Path) -> Vec<String> {
    let mut problems = check_file(site, HEADERS_FILE, |text| HeaderRules::parse(text).1);
    problems.extend(check_file(site, REDIRECTS_FILE, |text| {
        RedirectRules::parse(text).1
    }));
    let old = site.join(http_caching_server::OLD_RULES_FILE);
    if old.exists() {
        let message = http_caching_server::old_rules_message();
        problems.push(format!("{}: {message}", old.display()));
    }
    problems
}

/// The problems `parse` finds in the rules file `name` of the site, each
/// with the file's path in place of its name; none when there is no file.
fn check_file(site: &Path, name: &str, parse: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let path = site.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text)
            .into_iter()
            .map(|line| line.replacen(name, &path.display().to_string(), 1))
            .collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => vec![format!("{}: {err}", path.display())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refused_rule_with_its_file_and_line() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        std::fs::write(root.join("_headers"), "/*\n  X-A: 1\n/x\n  ETag: \"1\"\n").unwrap();
        std::fs::write(root.join("_redirects"), "/a /b\n/c /d 999\n").unwrap();
        std::fs::write(root.join(".cache-rules"), "*.css public\n").unwrap();
        let problems = check_rules(root);
        assert_eq!(problems.len(), 3, "{problems:?}");
        let headers = format!("{}:4: ETag cannot be set", root.join("_headers").display());
        assert!(problems[0].starts_with(&headers), "{problems:?}");
        let redirects = format!("{}:2: status \"999\"", root.join("_redirects").display());
        assert!(problems[1].starts_with(&redirects), "{problems:?}");
        assert!(
            problems[2].contains(".cache-rules is no longer read"),
            "{problems:?}"
        );
        std::fs::remove_file(root.join(".cache-rules")).unwrap();
        std::fs::write(root.join("_redirects"), "/a /b\n").unwrap();
        std::fs::write(root.join("_headers"), "/*\n  X-A: 1\n").unwrap();
        assert!(check_rules(root).is_empty());
    }
}
