//! The build step's record of the site: writes the site manifest (MD5,
//! length, modification time per file, and for each precompressed variant
//! the source it decodes to; see `http_caching_server::SiteManifest`) into
//! the site directory, so that every copy of the site (Spin copies `files` at
//! start; replicas; a registry push) sends the same Last-Modified, and only
//! proven variants are sent.

use std::path::Path;

use anyhow::{Context, Result, bail};
use http_caching_server::Encoding;
use http_caching_server::FileError;
use http_caching_server::md5_hex;
use http_caching_server::resolve_under;
use http_caching_server::{MANIFEST_FILE, Recorded, SiteManifest};

/// Records every regular file under `site` (but the manifest itself) and
/// writes the manifest there. Returns how many files it records.
///
/// Refuses a site with a symbolic link that leads out of it: the component
/// never follows one, but Spin's `files` copy reads through links when it
/// copies, and would put what the link points to into the served copy.
pub fn write_manifest(site: &Path) -> Result<usize> {
    let mut manifest = SiteManifest::default();
    let mut count = 0;
    record_dir(site, site, &mut manifest, &mut count)?;
    // Written aside and renamed into place: a server, or another build
    // running at once, never reads half a manifest.
    let path = site.join(MANIFEST_FILE);
    let aside = crate::aside::aside_path(&path);
    std::fs::write(&aside, manifest.render())
        .with_context(|| format!("writing {}", aside.display()))?;
    std::fs::rename(&aside, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(count)
}

/// As deep as a request path can reach (`site_path`'s segment limit).
const MAX_DEPTH: usize = 64;

fn record_dir(
    root: &Path,
    dir: &Path,
    manifest: &mut SiteManifest,
    count: &mut usize,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let relative = path.strip_prefix(root)?;
        if relative.components().count() > MAX_DEPTH {
            bail!(
                "{}: deeper than {MAX_DEPTH} levels (a link loop?)",
                path.display()
            );
        }
        if entry.file_type()?.is_symlink() {
            let name = relative.to_string_lossy();
            if let Err(FileError::OutsideRoot) = resolve_under(root, &name) {
                bail!(
                    "{}: a symbolic link out of the site. The component never follows it, \
                     but Spin's `files` copy would serve what it points to: copy the file \
                     into the site instead",
                    path.display()
                );
            }
        }
        // Another build's file written aside, or one gone since the listing.
        if relative
            .to_string_lossy()
            .ends_with(crate::aside::ASIDE_SUFFIX)
        {
            continue;
        }
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        if metadata.is_dir() {
            record_dir(root, &path, manifest, count)?;
            continue;
        }
        let name = relative
            .iter()
            .map(|part| part.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !metadata.is_file() || name == MANIFEST_FILE {
            continue;
        }
        let content =
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let since_epoch = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        let made_from = made_from(manifest, &name, &content);
        manifest.insert(
            &name,
            Recorded {
                md5: md5_hex(&content),
                len: content.len() as u64,
                modified_secs: since_epoch.as_secs(),
                modified_nanos: since_epoch.subsec_nanos(),
                made_from,
            },
        );
        *count += 1;
    }
    Ok(())
}

/// For a file named as a precompressed variant (`app.js.br`) of a file
/// recorded already (`app.js`: a directory's entries are recorded in name
/// order, and a name sorts before its longer variants): the MD5 of that
/// source, when `content` decodes to exactly its bytes. The component sends
/// only such variants. Says so on stderr when the name is a variant's but
/// its bytes are not the source's (stale, or made from other bytes).
fn made_from(manifest: &SiteManifest, name: &str, content: &[u8]) -> Option<String> {
    let (coding, source_name) = Encoding::of_variant_name(name)?;
    let source = manifest.get(source_name)?;
    let decoded = crate::variants::decode(content, coding, source.len);
    if decoded.is_some_and(|decoded| md5_hex(&decoded) == source.md5) {
        return Some(source.md5.clone());
    }
    eprintln!(
        "xtask: {name} does not decode to the bytes of {source_name}: it is served by its own \
         name only, never as {source_name}'s {} variant",
        coding.token()
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_caching_server::whole_seconds;

    #[test]
    fn every_file_is_recorded_with_its_md5_and_time() {
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("index.html"), b"page").unwrap();
        std::fs::create_dir(site.path().join("css")).unwrap();
        std::fs::write(site.path().join("css/site.css"), b"body{}").unwrap();
        assert_eq!(write_manifest(site.path()).unwrap(), 2);
        // Written again over its own output: the manifest does not record itself.
        assert_eq!(write_manifest(site.path()).unwrap(), 2);
        let text = std::fs::read_to_string(site.path().join(MANIFEST_FILE)).unwrap();
        let (manifest, problems) = SiteManifest::parse(&text);
        assert!(problems.is_empty());
        let css = manifest.get("css/site.css").expect("css/site.css recorded");
        assert_eq!(css.md5, md5_hex(b"body{}"));
        assert_eq!(css.len, 6);
        let mtime = std::fs::metadata(site.path().join("css/site.css"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(Some(css.modified_secs), whole_seconds(mtime));
        assert_eq!(css.modified(), mtime, "to the nanosecond");
    }

    /// A variant is recorded as made from its source only when it decodes
    /// to exactly the source's bytes.
    #[test]
    fn a_variant_is_recorded_with_the_source_it_decodes_to() {
        use crate::variants::compress;
        let site = tempfile::tempdir().unwrap();
        let css = b"body { color: red }\n".repeat(40);
        std::fs::write(site.path().join("new.css"), &css).unwrap();
        std::fs::write(site.path().join("old.css"), &css).unwrap();
        for coding in [Encoding::Brotli, Encoding::Gzip] {
            let good = compress(&css, coding).unwrap();
            std::fs::write(site.path().join(coding.variant_name("new.css")), good).unwrap();
            // Made from other bytes: an older version of the file.
            let stale = compress(b"body { color: blue }", coding).unwrap();
            std::fs::write(site.path().join(coding.variant_name("old.css")), stale).unwrap();
        }
        // A name like a variant's whose bytes are no coding at all, and one
        // without a source.
        std::fs::write(site.path().join("old.css.zz.gz"), b"not gzip").unwrap();
        std::fs::write(
            site.path().join("lonely.js.gz"),
            compress(b"x", Encoding::Gzip).unwrap(),
        )
        .unwrap();
        write_manifest(site.path()).unwrap();
        let text = std::fs::read_to_string(site.path().join(MANIFEST_FILE)).unwrap();
        let (manifest, problems) = SiteManifest::parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        let source = md5_hex(&css);
        for name in ["new.css.br", "new.css.gz"] {
            let recorded = manifest.get(name).unwrap();
            assert_eq!(recorded.made_from.as_deref(), Some(&source[..]), "{name}");
        }
        for name in [
            "old.css.br",
            "old.css.gz",
            "old.css.zz.gz",
            "lonely.js.gz",
            "new.css",
        ] {
            assert_eq!(manifest.get(name).unwrap().made_from, None, "{name}");
        }
    }

    #[test]
    fn a_link_out_of_the_site_is_refused_and_one_inside_is_recorded() {
        let outer = tempfile::tempdir().unwrap();
        let site = outer.path().join("site");
        std::fs::create_dir_all(site.join("v2")).unwrap();
        std::fs::write(site.join("v2/app.js"), b"js").unwrap();
        std::os::unix::fs::symlink("v2", site.join("latest")).unwrap();
        assert_eq!(
            write_manifest(&site).unwrap(),
            2,
            "v2/app.js and latest/app.js"
        );
        std::fs::write(outer.path().join("secret.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink("../secret.txt", site.join("leak.txt")).unwrap();
        let err = write_manifest(&site).unwrap_err().to_string();
        assert!(
            err.contains("leak.txt: a symbolic link out of the site"),
            "{err}"
        );
    }
}
