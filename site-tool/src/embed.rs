//! `embed SITE_DIR -o site.wasm [--wasip2]`: a site inside the generic
//! embedded component that came with this tool, with no compiler and no
//! network.
//!
//! The generic component (the `embedded` feature of an entry crate, built
//! without a site) reserves a zero-filled region for a site blob and keeps a
//! locator in its data: magic bytes, the region's address, its capacity and
//! the blob's length (the `embedded/` crate's `region.rs`). This finds the
//! core module whose data holds the locator, sets the length, adds the blob
//! as one more active data segment at the region's address (the data count
//! one more), and copies every other section byte for byte; the component
//! around it is copied section by section with the module replaced. The
//! result is validated before it is written.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use wasm_encoder::{ConstExpr, Encode};
use wasmparser::{DataKind, Operator, Parser, Payload};

/// The locator's magic bytes (`embedded/src/region.rs`).
const LOCATOR_MAGIC: &[u8; 16] = b"HCS-SITE-REGION\0";

/// The generic embedded components' file names, beside this tool: the one
/// with the region of 56 MiB first, then the large one (248 MiB), taken
/// when a site does not fit the first.
const WASIP3_GENERIC: [&str; 2] = [
    "http-caching-server-embedded-wasip3.wasm",
    "http-caching-server-embedded-large-wasip3.wasm",
];
const WASIP2_GENERIC: [&str; 2] = [
    "http-caching-server-embedded-wasip2.wasm",
    "http-caching-server-embedded-large-wasip2.wasm",
];

/// A site blob larger than a component's region.
#[derive(Debug)]
struct TooLarge {
    blob: usize,
    capacity: usize,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the site is {:.1} MiB with its variants and table, over the {:.1} MiB the \
             component reserves",
            self.blob as f64 / 1048576.0,
            self.capacity as f64 / 1048576.0
        )
    }
}

impl std::error::Error for TooLarge {}

#[derive(Debug, clap::Args)]
pub struct Options {
    /// The site directory.
    pub site_dir: PathBuf,
    /// The component written.
    #[arg(short, long)]
    out: PathBuf,
    /// Use the WASIp2 generic component (Spin 4.0.x, most edge hosts).
    #[arg(long)]
    wasip2: bool,
    /// The generic embedded component to write into, instead of the one
    /// beside this tool.
    #[arg(long)]
    component: Option<PathBuf>,
}

pub fn embed(options: &Options, site: &Path) -> Result<()> {
    let started = std::time::Instant::now();
    let candidates = match &options.component {
        Some(path) => vec![path.clone()],
        None => {
            let names = if options.wasip2 {
                WASIP2_GENERIC
            } else {
                WASIP3_GENERIC
            };
            names
                .iter()
                .map(|name| crate::serve::beside_this_tool(name))
                .collect::<Result<_>>()?
        }
    };
    let blob = site_build::embed::blob(&site_build::embed::table(site)?)?;
    let mut chosen = None;
    for generic in &candidates {
        let component =
            std::fs::read(generic).with_context(|| format!("reading {}", generic.display()))?;
        let capacity = capacity_of(&component)
            .with_context(|| format!("{}: not a generic embedded build", generic.display()))?;
        if blob.len() <= capacity {
            chosen = Some((generic, component));
            break;
        }
        let too_large = TooLarge {
            blob: blob.len(),
            capacity,
        };
        eprintln!("http-caching-site: {}: {too_large}", generic.display());
    }
    let Some((generic, component)) = chosen else {
        bail!(
            "{}: too large for every generic embedded component",
            site.display()
        );
    };
    let blob_len = blob.len();
    let embedded = with_site(&component, blob).with_context(|| generic.display().to_string())?;
    let aside = options.out.with_extension("wasm.partial");
    std::fs::write(&aside, &embedded).with_context(|| format!("writing {}", aside.display()))?;
    std::fs::rename(&aside, &options.out)
        .with_context(|| format!("writing {}", options.out.display()))?;
    eprintln!(
        "http-caching-site: {} ({} bytes): {} with its site ({} bytes of blob) embedded in {:.1} s",
        options.out.display(),
        embedded.len(),
        generic.display(),
        blob_len,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The capacity of the region the locator in `component` describes, in
/// bytes (the locator's bytes are in the file as they are in memory).
fn capacity_of(component: &[u8]) -> Result<usize> {
    let at = find(component, LOCATOR_MAGIC).context("no locator")?;
    le_u32(component, at + 20)
        .map(|capacity| capacity as usize)
        .context("a locator cut short")
}

/// The little-endian u32 at `at` in `bytes`, if they hold one there.
fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

/// `component` with `blob` written into its region.
pub fn with_site(component: &[u8], blob: Vec<u8>) -> Result<Vec<u8>> {
    let mut sections: Vec<(u8, Range<usize>)> = Vec::new();
    let mut depth = 0usize;
    let mut is_component = false;
    for payload in Parser::new(0).parse_all(component) {
        let payload = payload.context("not a wasm component")?;
        match &payload {
            Payload::Version { encoding, .. } if depth == 0 => {
                is_component = *encoding == wasmparser::Encoding::Component;
            }
            Payload::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ => {}
        }
        if depth == 1
            && let Some(section) = payload.as_section()
        {
            sections.push(section);
        }
        // Every module and component, nested ones too, starts with its
        // version and ends with its end.
        if matches!(payload, Payload::Version { .. }) {
            depth += 1;
        }
    }
    if !is_component {
        bail!("not a wasm component");
    }
    // The patched module first; the blob is let go before the component
    // around it is written, so that at most two copies of it are held.
    let mut patched = Vec::new();
    for (index, (id, range)) in sections.iter().enumerate() {
        if *id == wasm_encoder::ComponentSectionId::CoreModule as u8
            && let Some(module) = module_with_site(&component[range.clone()], &blob)?
        {
            patched.push((index, module));
        }
    }
    drop(blob);
    let (index, module) = match patched.len() {
        1 => patched.pop().unwrap_or_default(),
        0 => bail!("no core module holds the site region's locator: not a generic embedded build"),
        n => bail!("{n} core modules hold a locator"),
    };
    let mut out = Vec::with_capacity(module.len() + component.len());
    out.extend_from_slice(&component[..8]);
    for (at, (id, range)) in sections.into_iter().enumerate() {
        match at == index {
            true => section(&mut out, id, &module),
            false => section(&mut out, id, &component[range]),
        }
    }
    drop(module);
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .context("the component written does not validate")?;
    Ok(out)
}

/// The core module `module` with `blob` in its region, or None when its
/// data holds no locator.
fn module_with_site(module: &[u8], blob: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut out = module[..8].to_vec();
    let mut found = None;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        if let Payload::DataSection(reader) = &payload {
            // Each segment as it was (the locator's length set), then the
            // blob's, encoded here so that the blob is copied once, into the
            // module written.
            let mut contents = Vec::with_capacity(blob.len() + 1024);
            (reader.count() + 1).encode(&mut contents);
            for segment in reader.clone() {
                let segment = segment?;
                let DataKind::Active {
                    memory_index,
                    offset_expr,
                } = segment.kind
                else {
                    bail!("a passive data segment: not a build this tool knows");
                };
                let offset = match offset_expr.get_operators_reader().read()? {
                    Operator::I32Const { value } => value,
                    other => bail!("a data segment at {other:?}: not a build this tool knows"),
                };
                let mut bytes = segment.data.to_vec();
                if let Some(at) = find(&bytes, LOCATOR_MAGIC) {
                    if found.is_some() {
                        bail!("two locators");
                    }
                    let (Some(region), Some(capacity)) =
                        (le_u32(&bytes, at + 16), le_u32(&bytes, at + 20))
                    else {
                        bail!("a locator cut short");
                    };
                    if blob.len() > capacity as usize {
                        return Err(TooLarge {
                            blob: blob.len(),
                            capacity: capacity as usize,
                        }
                        .into());
                    }
                    bytes[at + 24..at + 28].copy_from_slice(&(blob.len() as u32).to_le_bytes());
                    found = Some(region);
                }
                active_segment(&mut contents, memory_index, offset, &bytes);
            }
            let Some(region) = found else {
                return Ok(None);
            };
            active_segment(&mut contents, 0, region as i32, blob);
            section(&mut out, wasm_encoder::SectionId::Data as u8, &contents);
            continue;
        }
        if let Payload::DataCountSection { count, .. } = &payload {
            let mut contents = Vec::new();
            (count + 1).encode(&mut contents);
            section(
                &mut out,
                wasm_encoder::SectionId::DataCount as u8,
                &contents,
            );
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            section(&mut out, id, &module[range]);
        }
    }
    Ok(found.map(|_| out))
}

/// A section: its id, its size, its contents.
fn section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
    out.push(id);
    contents.len().encode(out);
    out.extend_from_slice(contents);
}

/// An active data segment, as the binary format writes one: memory 0 with
/// flag 0, another with flag 2 and its index; the offset as `i32.const`.
fn active_segment(out: &mut Vec<u8>, memory_index: u32, offset: i32, bytes: &[u8]) {
    if memory_index == 0 {
        out.push(0x00);
    } else {
        out.push(0x02);
        memory_index.encode(out);
    }
    ConstExpr::i32_const(offset).encode(out);
    bytes.len().encode(out);
    out.extend_from_slice(bytes);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
