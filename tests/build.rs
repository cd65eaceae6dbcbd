//! Finds the runtimes the runtime tests run under, as the tests find them
//! (`harness::tools`), and marks the runs of a missing one ignored, with
//! the reason: a plain `cargo test` on a machine without Spin runs what it
//! can and lists what it left out. With `REQUIRE_SPIN` set (`.ci/run`)
//! nothing of Spin's is left out: its runs then fail without it.
//!
//! The search happens when the tests are built, and again whenever `$SPIN`,
//! `$SPIN_4_0`, `$WASMTIME`, `$REQUIRE_SPIN`, `$PATH`, `$CARGO_HOME` or
//! `$HOME` (wasmtime in `~/.cargo/bin`) change, or a runtime found appears
//! or goes (the shared Spin 4.0.x among them).

use harness::tools;

fn main() {
    for variable in [
        "SPIN",
        "SPIN_4_0",
        "WASMTIME",
        "REQUIRE_SPIN",
        "PATH",
        "CARGO_HOME",
        "HOME",
    ] {
        println!("cargo::rerun-if-env-changed={variable}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(no_spin, no_spin_4_0, no_wasmtime)");
    let required = std::env::var_os("REQUIRE_SPIN").is_some_and(|v| !v.is_empty() && v != "0");
    let missing = [
        ("no_spin", "Spin", !required && tools::find_spin().is_none()),
        (
            "no_spin_4_0",
            "Spin 4.0.x",
            !required && tools::find_spin_4_0().is_none(),
        ),
        ("no_wasmtime", "wasmtime", tools::find_wasmtime().is_none()),
    ];
    // A runtime found is watched: its removal is seen. (A missing path is
    // not: cargo would run this script on every build.)
    let found = [
        tools::find_spin(),
        tools::find_spin_4_0(),
        tools::find_wasmtime(),
    ];
    for path in found.into_iter().flatten() {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    for (cfg, name, is_missing) in missing {
        if is_missing {
            println!("cargo::rustc-cfg={cfg}");
            println!("cargo::warning=no {name} found: its runs of the runtime tests are ignored");
        }
    }
}
