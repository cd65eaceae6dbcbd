//! Finding a site path's file under the document root without ever following
//! a symbolic link out of it.
//!
//! Each segment is looked at without following links. A link whose target,
//! taken relative to the link's directory, stays under the root is followed
//! (a site may link `latest/` to `v2/`); an absolute target, or one that
//! climbs above the root, is refused. Under WASI the runtime's preopened
//! directory confines the component as well; this rule holds also where the
//! mount itself would allow more, and on the host, where the tests run.

use std::collections::VecDeque;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::site::FileError;

/// The most links followed for one path, as the kernel's own limit (ELOOP).
const MAX_LINKS: u32 = 40;

/// The path of `relative` (segments joined with `/`) under `root` with every
/// link resolved, and the metadata of what it names.
pub fn resolve_under(root: &Path, relative: &str) -> Result<(PathBuf, fs::Metadata), FileError> {
    let mut pending: VecDeque<String> = relative
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut resolved = root.to_path_buf();
    let mut depth = 0usize;
    let mut links = 0u32;
    let mut metadata = fs::symlink_metadata(root)?;
    while let Some(segment) = pending.pop_front() {
        match segment.as_str() {
            "." => continue,
            ".." => {
                // Only a link's target brings `..` here; SitePath refuses it.
                if depth == 0 {
                    return Err(FileError::OutsideRoot);
                }
                resolved.pop();
                depth -= 1;
                metadata = fs::symlink_metadata(&resolved)?;
                continue;
            }
            _ => {}
        }
        let candidate = resolved.join(&segment);
        let found = fs::symlink_metadata(&candidate)?;
        if !found.file_type().is_symlink() {
            resolved = candidate;
            depth += 1;
            metadata = found;
            continue;
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(FileError::Unreadable(io::Error::other(
                "too many levels of symbolic links",
            )));
        }
        let target = match fs::read_link(&candidate) {
            Ok(target) => target,
            // A WASI host refuses to read a link whose target is absolute
            // (wasmtime: EPERM): it could only lead out of the preopened root.
            Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                return Err(FileError::OutsideRoot);
            }
            Err(err) => return Err(err.into()),
        };
        let mut parts = Vec::new();
        for component in target.components() {
            match component {
                Component::Normal(name) => match name.to_str() {
                    Some(name) => parts.push(name.to_string()),
                    None => return Err(FileError::OutsideRoot),
                },
                Component::ParentDir => parts.push("..".to_string()),
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => return Err(FileError::OutsideRoot),
            }
        }
        for part in parts.into_iter().rev() {
            pending.push_front(part);
        }
    }
    Ok((resolved, metadata))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn site() -> tempfile::TempDir {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("site");
        fs::create_dir_all(root.join("v2/css")).unwrap();
        fs::write(root.join("v2/css/site.css"), b"body{}").unwrap();
        fs::write(outer.path().join("secret.txt"), b"secret").unwrap();
        symlink("v2", root.join("latest")).unwrap();
        symlink("../v2/css/site.css", root.join("v2/alias.css")).unwrap();
        symlink("../secret.txt", root.join("up.txt")).unwrap();
        symlink("v2/../../secret.txt", root.join("sneaky.txt")).unwrap();
        symlink(outer.path().join("secret.txt"), root.join("absolute.txt")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        outer
    }

    #[test]
    fn links_inside_are_followed_and_links_out_are_refused() {
        let outer = site();
        let root = outer.path().join("site");
        let (path, metadata) = resolve_under(&root, "latest/css/site.css").unwrap();
        assert_eq!(path, root.join("v2/css/site.css"));
        assert!(metadata.is_file());
        let (path, _) = resolve_under(&root, "v2/alias.css").unwrap();
        assert_eq!(path, root.join("v2/css/site.css"));
        let (_, metadata) = resolve_under(&root, "latest").unwrap();
        assert!(metadata.is_dir());
        for escaping in ["up.txt", "sneaky.txt", "absolute.txt"] {
            assert!(
                matches!(resolve_under(&root, escaping), Err(FileError::OutsideRoot)),
                "{escaping}"
            );
        }
        assert!(matches!(
            resolve_under(&root, "loop"),
            Err(FileError::Unreadable(_))
        ));
        assert!(matches!(
            resolve_under(&root, "v2/missing.css"),
            Err(FileError::NotFound)
        ));
        assert!(matches!(
            resolve_under(&root, "v2/css/site.css/more"),
            Err(FileError::NotFound)
        ));
    }
}
