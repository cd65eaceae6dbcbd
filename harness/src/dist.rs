//! The release files (`cargo xtask dist`), written to `target/dist/`: what a
//! user needs without this repository or a Rust toolchain.
//!
//! - The components: the plain WASIp3 and WASIp2 ones (wasmtime, other
//!   hosts) and the Spin builds (Spin variables, routes).
//! - The generic embedded components, which the tool's `embed` writes a
//!   site into.
//! - The build step as a tool (`http-caching-site`, Linux x86_64), and as a
//!   Spin plugin: its tarball (the tool, the plain components its `serve`
//!   runs and the generic embedded ones its `embed` writes into) and a plugin manifest whose `url` is the tarball here
//!   (`file://`), for `spin plugins install --file`.
//! - The Spin template (`templates/http-caching-site/`, and as a tarball),
//!   its component named by URL (`component-base-url`, a parameter) and
//!   digest.
//! - `SHA256SUMS` and `release.md` (the lines to paste, which host runs which
//!   component, the hosts' limits).
//!
//! Reproducible for one output directory and base URL (the plugin manifest
//! names the directory, the template and release.md the URL): the tarballs
//! have fixed times, owners and order (two runs give the same
//! digests, checked by the tests).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::runtime::Wasi;
use crate::tools::{self, cargo, workspace_root};

/// The version of the release: the core's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The plugin's and the tool's name.
pub const TOOL: &str = "http-caching-site";

/// Where a release of this version is assumed to live, unless told: the
/// template's default `component-base-url`.
pub fn default_base_url() -> String {
    format!(
        "https://github.com/http-caching-server/http-caching-server/releases/download/v{VERSION}"
    )
}

/// The generic embedded components, by their release names: the site is
/// written into them by the tool's `embed`.
/// Each with its region in MiB: 56 (a site for Akamai Functions' 50 MiB per
/// application; an instance's memory stays within its 128 MiB), and 248 for
/// larger sites, which `embed` takes when the first is too small.
pub const GENERIC_EMBEDDED: [(&str, Wasi, u32); 4] = [
    ("http-caching-server-embedded-wasip3.wasm", Wasi::P3, 56),
    ("http-caching-server-embedded-wasip2.wasm", Wasi::P2, 56),
    (
        "http-caching-server-embedded-large-wasip3.wasm",
        Wasi::P3,
        248,
    ),
    (
        "http-caching-server-embedded-large-wasip2.wasm",
        Wasi::P2,
        248,
    ),
];

/// The components, by their release names.
pub const COMPONENTS: [(&str, Wasi, bool); 4] = [
    ("http-caching-server-wasip3.wasm", Wasi::P3, false),
    ("http-caching-server-wasip2.wasm", Wasi::P2, false),
    ("http-caching-server-spin-wasip3.wasm", Wasi::P3, true),
    ("http-caching-server-spin-wasip2.wasm", Wasi::P2, true),
];

/// What `write` made.
#[derive(Debug)]
pub struct Dist {
    pub dir: PathBuf,
    /// (file name, sha256 in hex) of every file, as SHA256SUMS lists them.
    pub digests: Vec<(String, String)>,
}

/// Writes the release files to `dir` (emptied first), the template's
/// components at `base_url`.
pub fn write(dir: &Path, base_url: &str) -> Result<Dist> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    for (name, wasi, spin) in COMPONENTS {
        let built = match spin {
            true => tools::build_spin_artifact(wasi)?,
            false => tools::build_artifact(wasi)?,
        };
        std::fs::copy(&built, dir.join(name))
            .with_context(|| format!("copying {}", built.display()))?;
    }
    for (name, wasi, region_mib) in GENERIC_EMBEDDED {
        let built = tools::build_generic_embedded(wasi, region_mib)?;
        std::fs::copy(&built, dir.join(name))
            .with_context(|| format!("copying {}", built.display()))?;
    }
    let tool = build_tool()?;
    std::fs::copy(&tool, dir.join(TOOL))?;

    // The plugin: the tool, and beside it the plain components (`serve`)
    // and the generic embedded ones (`embed`).
    let tarball = format!("{TOOL}-{VERSION}-linux-amd64.tar.gz");
    let mut entries: Vec<(String, Vec<u8>, u32)> = vec![(TOOL.to_string(), read(&tool)?, 0o755)];
    let beside = COMPONENTS
        .iter()
        .filter(|(_, _, spin)| !spin)
        .map(|(name, ..)| *name)
        .chain(GENERIC_EMBEDDED.iter().map(|(name, ..)| *name));
    for name in beside {
        entries.push((name.to_string(), read(&dir.join(name))?, 0o644));
    }
    std::fs::write(dir.join(&tarball), tar_gz(&entries)?)?;
    let tarball_sha = sha256_hex(&read(&dir.join(&tarball))?);
    let url = format!(
        "file://{}",
        std::path::absolute(dir)?.join(&tarball).display()
    );
    std::fs::write(
        dir.join(format!("{TOOL}.json")),
        plugin_manifest(&url, &tarball_sha),
    )?;

    // The template, its digest and base URL filled in.
    let spin_p3 = sha256_hex(&read(&dir.join(COMPONENTS[2].0))?);
    let source = workspace_root().join("templates").join(TOOL);
    let mut template_files = Vec::new();
    collect_files(&source, &source, &mut template_files)?;
    let mut template_entries = Vec::new();
    for relative in template_files {
        let text = std::fs::read_to_string(source.join(&relative))?
            .replace("@SPIN_WASIP3_DIGEST@", &spin_p3)
            .replace("@COMPONENT_BASE_URL@", base_url);
        let path = dir.join("templates").join(TOOL).join(&relative);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        std::fs::write(&path, &text)?;
        template_entries.push((
            format!("templates/{TOOL}/{relative}"),
            text.into_bytes(),
            0o644,
        ));
    }
    let template_tarball = format!("{TOOL}-template-{VERSION}.tar.gz");
    std::fs::write(dir.join(&template_tarball), tar_gz(&template_entries)?)?;

    let mut digests = Vec::new();
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        digests.push((name.clone(), sha256_hex(&read(&dir.join(&name))?)));
    }
    let sums: String = digests
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}\n"))
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), sums)?;
    std::fs::write(dir.join("release.md"), release_notes(&digests, base_url))?;
    Ok(Dist {
        dir: dir.to_path_buf(),
        digests,
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Builds the tool for this machine (Linux x86_64 here), released.
fn build_tool() -> Result<PathBuf> {
    let status = cargo()
        .current_dir(workspace_root())
        .args(["build", "--quiet", "--release", "--package", TOOL])
        .status()
        .context("building the tool")?;
    anyhow::ensure!(status.success(), "cargo build --package {TOOL} failed");
    Ok(tools::target_dir()?.join("release").join(TOOL))
}

/// The files under `dir` (relative, with `/`), sorted.
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// A gzipped tarball of `entries` (path, bytes, mode), the same bytes for
/// the same entries: time 0, owner 0, in the order given.
fn tar_gz(entries: &[(String, Vec<u8>, u32)]) -> Result<Vec<u8>> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, bytes, mode) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(*mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, &bytes[..])?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    Ok(gz.finish()?)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Spin plugin manifest of the tarball at `url`.
fn plugin_manifest(url: &str, sha256: &str) -> String {
    let manifest = serde_json::json!({
        "name": TOOL,
        "description": "The build step of http-caching-server: precompressed variants and the site manifest (build), the check of _headers and _redirects (check), a site served as it is edited (serve), a site written into a generic embedded component (embed)",
        "version": VERSION,
        "spinCompatibility": ">=4.0",
        "license": "unspecified",
        "packages": [{ "os": "linux", "arch": "amd64", "url": url, "sha256": sha256 }],
    });
    serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n"
}

/// release.md: what to paste, which host runs which component, the limits.
fn release_notes(digests: &[(String, String)], base_url: &str) -> String {
    let sha = |name: &str| {
        digests
            .iter()
            .find(|(n, _)| n == name)
            .map_or("?", |(_, s)| s.as_str())
            .to_string()
    };
    let mut md = format!("# http-caching-server {VERSION}\n\n");
    md.push_str(
        "## In a Spin app\n\nOne line in `spin.toml` (Spin downloads the file and refuses it if \
         its digest differs), with the site as `files` and the build step as its build command \
         (`spin plugins install --file http-caching-site.json --yes` installs it):\n\n```toml\n",
    );
    for (name, wasi, spin) in COMPONENTS {
        if spin {
            let _ = writeln!(
                md,
                "# {}\nsource = {{ url = \"{base_url}/{name}\", digest = \"sha256:{}\" }}",
                match wasi {
                    Wasi::P3 => "WASIp3: Spin 4.1 or later",
                    Wasi::P2 => "WASIp2: Spin 4.0.x, SpinKube",
                },
                sha(name)
            );
        }
    }
    md.push_str(
        "```\n\nOr start from the template: `spin templates install --tar \
         <this release's http-caching-site-template tarball URL>`, then `spin new -t \
         http-caching-site mysite --accept-defaults`.\n\n",
    );
    md.push_str(
        "## Which host runs which component\n\n\
         | file | imports | runs under |\n| --- | --- | --- |\n\
         | `http-caching-server-spin-wasip3.wasm` | `wasi:http` 0.3.0, WASI 0.2.6, `wasi:config/store` | Spin 4.1 or later |\n\
         | `http-caching-server-spin-wasip2.wasm` | `wasi:http` 0.2.x, WASI 0.2.6, `wasi:config/store` | Spin 4.0.x (SpinKube's shim line) |\n\
         | `http-caching-server-wasip3.wasm` | `wasi:http` 0.3.0, WASI 0.2.6 | wasmtime 48 (`serve -Sp3`), Spin 4.1, wasmCloud v2 |\n\
         | `http-caching-server-wasip2.wasm` | `wasi:http/types@0.2.4`, WASI 0.2.6 | wasmtime (`serve -Sp3=n`), Spin 4.0 and later, hosts of `wasi:http` 0.2 |\n\
         | `http-caching-server-embedded[-large]-wasip3.wasm`, `-wasip2.wasm` | as the plain ones, no `wasi:filesystem` | not served as they are: `http-caching-site embed SITE -o site.wasm [--wasip2]` writes a site into them (a region of 56 MiB, or 248 MiB for the large ones) |\n\n\
         The Spin builds read their settings from Spin variables; the plain ones from the \
         environment (docs/runtimes.md).\n\n\
         ## The hosts' published limits\n\n\
         - Akamai Functions: 50 MiB per application, 128 MiB of memory, 10 MiB per response.\n\
         - Fermyon Cloud: 100 MB per package.\n\n\
         ## Files\n\n```\n",
    );
    for (name, sha) in digests {
        let _ = writeln!(md, "{sha}  {name}");
    }
    md.push_str("```\n");
    md
}
