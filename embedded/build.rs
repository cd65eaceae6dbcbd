//! Generates the table of the site named by `$HTTP_CACHING_SERVER_SITE` (a
//! site directory the build step has built: `cargo xtask build --embed`
//! runs it, then builds this crate), its bytes included from the files. With
//! the variable unset the table is empty, so that the workspace builds and
//! lints without a site.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=HTTP_CACHING_SERVER_SITE");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = match std::env::var_os("HTTP_CACHING_SERVER_SITE") {
        Some(site) if !site.is_empty() => {
            let site = PathBuf::from(site);
            // Any change below the directory builds the table again.
            println!("cargo:rerun-if-changed={}", site.display());
            // The rules the component will refuse, where the builder sees them.
            for problem in site_build::rules_check::check_rules(&site) {
                println!("cargo:warning={problem}");
            }
            match site_build::embed::table(&site) {
                Ok(table) => site_build::embed::rust_source(&table),
                Err(err) => panic!("embedding {}: {err:#}", site.display()),
            }
        }
        _ => site_build::embed::rust_source(&site_build::embed::Table::default()),
    };
    std::fs::write(out.join("site.rs"), source).expect("writing the generated table");
}
