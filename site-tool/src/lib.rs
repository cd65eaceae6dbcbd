//! The library of `http-caching-site` (the binary is `main.rs`): the build
//! step on any site directory, serving it, embedding it. `cargo xtask build`
//! and `serve` call it too.

pub mod embed;
pub mod serve;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The build step on `site`: what it wrote, and the refused rules (which do
/// not fail the build: the server refuses them too, and says so).
pub fn build(site: &Path) -> Result<()> {
    let site = existing_dir(site)?;
    eprintln!("http-caching-site: building {}", site.display());
    let built = site_build::build_site(&site)?;
    print_problems(&built.problems);
    eprintln!(
        "http-caching-site: {}: precompressed variants: {} written, {} unchanged, {} removed; \
         {} files recorded in its site manifest",
        site.display(),
        built.variants.written,
        built.variants.unchanged,
        built.variants.removed,
        built.recorded
    );
    Ok(())
}

pub fn check(site: &Path) -> Result<bool> {
    let site = existing_dir(site)?;
    let problems = site_build::rules_check::check_rules(&site);
    print_problems(&problems);
    if problems.is_empty() {
        eprintln!(
            "http-caching-site: {}: _headers and _redirects: no rule refused",
            site.display()
        );
        return Ok(true);
    }
    Ok(false)
}

fn print_problems(problems: &[String]) {
    for problem in problems {
        eprintln!("{problem}");
    }
}

/// `site` as an absolute path, when it is a directory.
pub fn existing_dir(site: &Path) -> Result<PathBuf> {
    let absolute =
        std::path::absolute(site).with_context(|| format!("{}: not a path", site.display()))?;
    if !absolute.is_dir() {
        anyhow::bail!("{}: no such directory", site.display());
    }
    Ok(absolute)
}
