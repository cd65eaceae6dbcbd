//! The tests' and the benchmark's sites on disk: copies of a tree, and a
//! site built and aged as a deployed one.

use std::path::Path;

use anyhow::{Context, Result};
use site_build::{SiteBuild, build_site};

/// The tests' and the benchmark's deployed site: every file's time an hour
/// back (out of the component's racy window, as a deployed site's), then the
/// build step.
pub fn build_aged_site(site: &Path) -> Result<SiteBuild> {
    set_tree_time(
        site,
        std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
    )?;
    build_site(site)
}

/// Copies the directory tree `from` into `to` (created if missing): regular
/// files and directories; links are not copied. For the tests' sites.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_file() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Sets the modification time of every file under `dir` to `time`: the
/// tests put a site's times out of the component's racy window, as a
/// deployed site's are.
pub fn set_tree_time(dir: &Path, time: std::time::SystemTime) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            set_tree_time(&path, time)?;
        } else {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(time))
                .with_context(|| format!("setting the time of {}", path.display()))?;
        }
    }
    Ok(())
}
