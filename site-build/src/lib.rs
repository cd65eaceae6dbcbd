//! The build step of http-caching-server: product code that `cargo xtask
//! build` (spin.toml's build command, which `spin build` and `spin up
//! --build` run) calls on a site directory before it is served or deployed.
//!
//! - [`variants`]: the precompressed variants (brotli, zstd, gzip) of the
//!   files worth compressing, each kept only when it saves a tenth.
//! - [`manifest`]: the site manifest: MD5, length and time of every file,
//!   and for each variant the source it was proven to encode.
//! - [`aside`]: writing files aside and renaming them into place.
//! - [`embed`]: a built site as the table the embedded component carries.
//! - [`rules_check`]: the refused rules of `_headers` and `_redirects`.

use std::path::Path;

use anyhow::Result;

pub mod aside;
pub mod embed;
pub mod manifest;
pub mod rules_check;
pub mod variants;

pub use manifest::write_manifest;

/// What the build step did to a site directory.
#[derive(Debug)]
pub struct SiteBuild {
    pub variants: variants::Written,
    /// How many files the site manifest records.
    pub recorded: usize,
    /// The refused rules of the site's `_headers` and `_redirects`, each
    /// with its file and line, for the build's output.
    pub problems: Vec<String>,
}

/// The build step on a site directory: its precompressed variants, then its
/// site manifest (which records the variants too), and the check of its
/// rules files.
pub fn build_site(site: &Path) -> Result<SiteBuild> {
    let variants = variants::write_variants(site)?;
    let recorded = write_manifest(site)?;
    let problems = rules_check::check_rules(site);
    Ok(SiteBuild {
        variants,
        recorded,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// `bytes` bytes of CSS, worth compressing.
    pub(crate) fn text(bytes: usize) -> Vec<u8> {
        b"body { color: #123; margin: 0 auto; }\n"
            .iter()
            .copied()
            .cycle()
            .take(bytes)
            .collect()
    }

    /// Two builds at once (two deployments, the registry tests) on a fresh
    /// site: both succeed, and what they leave is whole.
    #[test]
    fn builds_at_once_do_not_trip_over_each_other() {
        let site = tempfile::tempdir().unwrap();
        for i in 0..8 {
            fs::write(site.path().join(format!("f{i}.css")), text(4096 + i)).unwrap();
        }
        let builds: Vec<_> = (0..4)
            .map(|_| {
                let dir = site.path().to_path_buf();
                std::thread::spawn(move || {
                    variants::write_variants(&dir)?;
                    crate::write_manifest(&dir)
                })
            })
            .collect();
        for build in builds {
            build.join().unwrap().unwrap();
        }
        let text = fs::read_to_string(site.path().join(".site-manifest")).unwrap();
        let (manifest, problems) = http_caching_server::SiteManifest::parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        for i in 0..8 {
            for name in [
                format!("f{i}.css"),
                format!("f{i}.css.br"),
                format!("f{i}.css.zst"),
                format!("f{i}.css.gz"),
            ] {
                assert!(manifest.get(&name).is_some(), "{name} recorded");
            }
        }
        assert_eq!(
            fs::read_dir(site.path()).unwrap().count(),
            8 * 4 + 1,
            "nothing left aside"
        );
    }
}
