//! Generates the table of the site named by `$HTTP_CACHING_SERVER_SITE` (a
//! site directory the build step has built: `cargo xtask build --embed`
//! runs it, then builds this crate), its bytes included from the files.
//! With the variable unset the crate is the generic embedded site instead:
//! a region reserved for a site blob that `http-caching-site embed` writes
//! into the built component (`src/region.rs`), empty until then.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=HTTP_CACHING_SERVER_SITE");
    println!("cargo::rustc-check-cfg=cfg(generated_table)");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // The generic component's region, in MiB: 56 by default (Akamai
    // Functions' 50 MiB per application, and room for the table), more
    // for the large variant that `cargo xtask dist` builds too.
    println!("cargo:rerun-if-env-changed=HTTP_CACHING_SERVER_REGION_MIB");
    let region_mib: usize = std::env::var("HTTP_CACHING_SERVER_REGION_MIB")
        .ok()
        .and_then(|mib| mib.parse().ok())
        .unwrap_or(56);
    std::fs::write(
        out.join("region.rs"),
        format!(
            "/// The region's size in bytes.\npub const CAPACITY: usize = {region_mib} << 20;\n"
        ),
    )
    .expect("writing the region's size");
    let Some(site) = std::env::var_os("HTTP_CACHING_SERVER_SITE").filter(|site| !site.is_empty())
    else {
        return;
    };
    println!("cargo::rustc-cfg=generated_table");
    let site = PathBuf::from(site);
    // Any change below the directory builds the table again.
    println!("cargo:rerun-if-changed={}", site.display());
    // The rules the component will refuse, where the builder sees them.
    for problem in site_build::rules_check::check_rules(&site) {
        println!("cargo:warning={problem}");
    }
    let source = match site_build::embed::table(&site) {
        Ok(table) => site_build::embed::rust_source(&table),
        Err(err) => panic!("embedding {}: {err:#}", site.display()),
    };
    std::fs::write(out.join("site.rs"), source).expect("writing the generated table");
}
