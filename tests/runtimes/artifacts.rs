//! What each artifact imports and exports, read from the built .wasm file,
//! and the same lists in docs/runtimes.md: a host runs an artifact only if
//! it provides every import at a version it accepts, so the claims about
//! hosts rest on these lists, not on the version of the export alone. The
//! WASIp2 artifact's imports come from Rust's standard library (`wasi:io`,
//! `wasi:cli`, ... at 0.2.6) and from the `wasi` crate (`wasi:http/types`).

use std::path::Path;

use harness::runtime::Wasi;
use wasmparser::{Parser, Payload};

use crate::support;

/// The names a component imports and exports, sorted: its own, not those
/// of the components and modules nested in it.
pub(crate) fn imports_and_exports(wasm: &Path) -> (Vec<String>, Vec<String>) {
    let bytes = std::fs::read(wasm).unwrap_or_else(|err| panic!("{}: {err}", wasm.display()));
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    // Each component or module, nested ones too, starts with a Version
    // payload and ends with an End one.
    let mut depth = 0;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.expect("a valid component") {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            _ if depth != 1 => {}
            Payload::ComponentImportSection(section) => {
                for import in section {
                    imports.push(import.expect("an import").name.0.to_string());
                }
            }
            Payload::ComponentExportSection(section) => {
                for export in section {
                    exports.push(export.expect("an export").name.0.to_string());
                }
            }
            _ => {}
        }
    }
    imports.sort();
    exports.sort();
    (imports, exports)
}

/// The lines of the fenced block that follows `marker` in docs/runtimes.md.
fn documented(marker: &str) -> Vec<String> {
    let path = harness::tools::workspace_root().join("docs/runtimes.md");
    let text = std::fs::read_to_string(&path).expect("reading docs/runtimes.md");
    let after = text
        .split_once(marker)
        .unwrap_or_else(|| panic!("docs/runtimes.md has no {marker:?}"))
        .1;
    let block = after
        .split("```")
        .nth(1)
        .expect("a fenced block after the marker");
    block
        .lines()
        .skip(1) // The fence's info string.
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn check(wasi: Wasi, marker: &str, export: &str) {
    let artifact = harness::tools::build_artifact(wasi).expect("building the artifact");
    let (imports, exports) = imports_and_exports(&artifact);
    assert!(
        exports.iter().any(|name| name == export),
        "{wasi}: exports {exports:?}"
    );
    let documented = documented(marker);
    assert_eq!(
        imports,
        documented,
        "{wasi}: the artifact's imports (left) and docs/runtimes.md's (right); \
         correct the documentation and what it says of hosts:\n{}",
        imports.join("\n")
    );
}

#[test]
fn the_wasip2_artifact_imports_what_the_docs_say() {
    check(
        Wasi::P2,
        "<!-- imports of the WASIp2 artifact, checked by tests/runtimes/artifacts.rs -->",
        "wasi:http/incoming-handler@0.2.0",
    );
}

#[test]
fn the_wasip3_artifact_imports_what_the_docs_say() {
    check(
        Wasi::P3,
        "<!-- imports of the WASIp3 artifact, checked by tests/runtimes/artifacts.rs -->",
        "wasi:http/handler@0.3.0",
    );
}

/// The Spin build of each artifact imports what the artifact imports and
/// the one interface only Spin provides, `wasi:config/store`'s draft (its
/// variables), and exports the same handler.
#[test]
fn the_spin_builds_import_the_variables_and_nothing_else_more() {
    for wasi in [Wasi::P3, Wasi::P2] {
        let plain = harness::tools::build_artifact(wasi).expect("building the artifact");
        let spin = harness::tools::build_spin_artifact(wasi).expect("building the Spin build");
        let (plain_imports, plain_exports) = imports_and_exports(&plain);
        let (spin_imports, spin_exports) = imports_and_exports(&spin);
        let mut wanted = plain_imports.clone();
        wanted.push("wasi:config/store@0.2.0-draft-2024-09-27".to_string());
        wanted.sort();
        assert_eq!(spin_imports, wanted, "{wasi}");
        assert_eq!(spin_exports, plain_exports, "{wasi}");
    }
}

/// The embedded artifacts carry their site: they import no
/// `wasi:filesystem`, so a host need not give them any.
#[test]
fn the_embedded_artifacts_import_no_filesystem() {
    for (wasi, export) in [
        (Wasi::P3, "wasi:http/handler@0.3.0"),
        (Wasi::P2, "wasi:http/incoming-handler@0.2.0"),
    ] {
        let (imports, exports) = imports_and_exports(&support::embedded_artifact(wasi));
        assert!(
            exports.iter().any(|name| name == export),
            "{wasi}: {exports:?}"
        );
        let filesystem: Vec<&String> = imports
            .iter()
            .filter(|name| name.starts_with("wasi:filesystem"))
            .collect();
        assert!(filesystem.is_empty(), "{wasi}: imports {filesystem:?}");
    }
}

mod spin40_only {
    use harness::runtime::{RunningServer, Runtime, ServerSpec, Wasi};

    /// Spin 4.0.x refuses the WASIp3 artifact before serving: it knows only
    /// a release candidate of `wasi:http` 0.3.0. A Spin 4.0 that starts
    /// serving it makes this fail, and the docs' table must change.
    #[test]
    #[cfg_attr(
        no_spin_4_0,
        ignore = "no Spin 4.0.x found when the tests were built: set $SPIN_4_0"
    )]
    fn spin_4_0_refuses_the_wasip3_artifact() {
        let spin = harness::tools::find_spin_4_0().expect("no Spin 4.0.x: set $SPIN_4_0");
        let component = harness::tools::build_artifact(Wasi::P3).expect("building the artifact");
        let site = tempfile::tempdir().unwrap();
        std::fs::write(site.path().join("index.html"), "<!doctype html>").unwrap();
        let mut spec = ServerSpec::new(Runtime::Spin, &component, site.path()).unwrap();
        spec.spin = Some(spin);
        let refused = match RunningServer::start(spec) {
            Ok(_) => panic!("Spin 4.0.x served the WASIp3 artifact"),
            Err(err) => format!("{err:#}"),
        };
        assert!(
            refused.contains("wasi:http/types@0.3.0"),
            "refused for another reason: {refused}"
        );
    }
}
