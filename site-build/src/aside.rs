//! Files the build writes aside, then renames into place, so that a running
//! server, or another build running at once, never reads half of one.

use std::path::{Path, PathBuf};

/// The end of the name of a file the build writes aside, then renames into
/// place; such files are never recorded.
pub const ASIDE_SUFFIX: &str = ".building";

/// A name beside `path` for writing it aside: unique to this process and
/// call, as two builds (two deployments, or a test's threads) may run at once.
pub fn aside_path(path: &Path) -> PathBuf {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{call}{ASIDE_SUFFIX}", std::process::id()));
    path.with_file_name(name)
}
