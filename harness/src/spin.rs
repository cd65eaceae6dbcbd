//! Spin as the tests run it: the project's own spin.toml, rewritten for the
//! test's component and directory, started with `spin up`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::spec::{Mounts, ServerSpec};
use crate::tools;

/// Spin as users run it: `spin up` with the project's own spin.toml, its
/// component source and `files` source pointed at the spec's component and
/// directory, and the spec's variables added to its `environment`. Copied
/// mounts unless the spec asks for direct ones.
pub(crate) fn up_command(spec: &ServerSpec, work_dir: &Path) -> Result<Command> {
    let spin = match &spec.spin {
        Some(spin) => spin.clone(),
        None => tools::find_spin().context("no Spin binary: set $SPIN or put spin on PATH")?,
    };
    let manifest_path = work_dir.join("spin.toml");
    let project = std::fs::read_to_string(tools::workspace_root().join("spin.toml"))
        .context("reading the project's spin.toml")?;
    // Spin copies only files inside the application's directory: the site is
    // linked into it, as `site`.
    std::os::unix::fs::symlink(&spec.static_dir, work_dir.join(SITE_LINK))
        .context("linking the site into Spin's application directory")?;
    let manifest = match &spec.app {
        Some(app) => {
            for (name, dir) in &app.dirs {
                std::os::unix::fs::symlink(dir, work_dir.join(name))
                    .with_context(|| format!("linking {name} into Spin's application directory"))?;
            }
            app.manifest.clone()
        }
        None => spin_manifest_for(&project, spec)?,
    };
    std::fs::write(&manifest_path, manifest)?;
    let mut command = Command::new(spin);
    command
        .current_dir(work_dir)
        .arg("up")
        .arg("--from")
        .arg(&manifest_path)
        .arg("--listen")
        .arg(spec.addr.to_string());
    if spec.mounts == Mounts::Direct {
        command.arg("--direct-mounts");
    }
    command.args(&spec.extra_args);
    Ok(command)
}

/// The `environment` of the project's spin.toml component: what Spin gives the
/// component, which wasmtime gets too (`--env`), so that both runtimes serve
/// with the same configuration.
pub fn project_environment() -> Result<Vec<(String, String)>> {
    let project = std::fs::read_to_string(tools::workspace_root().join("spin.toml"))
        .context("reading the project's spin.toml")?;
    let manifest: toml::Table = project.parse().context("parsing spin.toml")?;
    let environment = manifest
        .get("component")
        .and_then(toml::Value::as_table)
        .and_then(|components| components.values().next())
        .and_then(|component| component.get("environment"))
        .and_then(toml::Value::as_table);
    Ok(environment
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
        .collect())
}

/// The component `source` that the manifest `manifest` (a file name beside
/// spin.toml, such as `spin-wasip2.toml`) names, as a path under the
/// workspace root.
pub fn component_source(manifest: &str) -> Result<std::path::PathBuf> {
    component_source_in(&tools::workspace_root(), manifest)
}

/// The same for the checkout at `root`.
pub fn component_source_in(root: &Path, manifest: &str) -> Result<std::path::PathBuf> {
    let text = std::fs::read_to_string(root.join(manifest))
        .with_context(|| format!("reading {manifest}"))?;
    let parsed: toml::Table = text
        .parse()
        .with_context(|| format!("parsing {manifest}"))?;
    let source = parsed
        .get("component")
        .and_then(toml::Value::as_table)
        .and_then(|components| components.values().next())
        .and_then(|component| component.get("source"))
        .and_then(toml::Value::as_str)
        .with_context(|| format!("{manifest} names no component source"))?;
    Ok(root.join(source))
}

/// The project's manifest `project` (spin.toml text) for an embedded
/// artifact: its component source `artifact`, no `files` (the site is inside
/// the component), no build command.
pub fn embedded_manifest_for(project: &str, artifact: &Path) -> Result<String> {
    let mut manifest: toml::Table = project.parse().context("parsing spin.toml")?;
    let component = manifest
        .get_mut("component")
        .and_then(toml::Value::as_table_mut)
        .and_then(|components| components.iter_mut().next().map(|(_, component)| component))
        .and_then(toml::Value::as_table_mut)
        .context("spin.toml has no component")?;
    component.insert("source".into(), artifact.display().to_string().into());
    component.remove("files");
    component.remove("build");
    Ok(toml::to_string(&manifest)?)
}

/// The name under which the site is linked beside the test manifest.
const SITE_LINK: &str = "site";

/// The project's manifest `project` (spin.toml text) with its one component
/// serving `spec.component` and the site linked as [`SITE_LINK`], and
/// `spec.env` set.
pub fn spin_manifest_for(project: &str, spec: &ServerSpec) -> Result<String> {
    let mut manifest: toml::Table = project.parse().context("parsing spin.toml")?;
    let components = manifest
        .get_mut("component")
        .and_then(toml::Value::as_table_mut)
        .context("spin.toml has no [component] table")?;
    let (_, component) = components
        .iter_mut()
        .next()
        .context("spin.toml has no component")?;
    let component = component
        .as_table_mut()
        .context("a component of spin.toml is not a table")?;
    component.insert("source".into(), spec.component.display().to_string().into());
    if spec.embedded {
        component.remove("files");
    } else {
        let mut mount = toml::Table::new();
        mount.insert("source".into(), SITE_LINK.into());
        mount.insert("destination".into(), "/".into());
        component.insert("files".into(), toml::Value::Array(vec![mount.into()]));
    }
    component.remove("build");
    let environment = component
        .entry("environment")
        .or_insert_with(|| toml::Table::new().into())
        .as_table_mut()
        .context("environment in spin.toml is not a table")?;
    for (name, value) in &spec.env {
        environment.insert(name.clone(), value.clone().into());
    }
    Ok(toml::to_string(&manifest)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// spin-wasip2.toml is spin.toml with the WASIp2 artifact as the source,
    /// and nothing else changed.
    #[test]
    fn the_wasip2_manifest_differs_only_in_its_source() {
        let read = |name: &str| -> toml::Table {
            std::fs::read_to_string(tools::workspace_root().join(name))
                .unwrap()
                .parse()
                .unwrap()
        };
        let (mut p3, mut p2) = (read("spin.toml"), read("spin-wasip2.toml"));
        let source = |manifest: &mut toml::Table| -> String {
            let component = manifest["component"]["http-caching-server"]
                .as_table()
                .unwrap()
                .clone();
            let source = component["source"].as_str().unwrap().to_string();
            let mut component = component;
            component.remove("source");
            manifest["component"]
                .as_table_mut()
                .unwrap()
                .insert("http-caching-server".into(), component.into());
            source
        };
        assert!(source(&mut p3).ends_with("/http_caching_server_wasip3_spin.wasm"));
        assert!(source(&mut p2).ends_with("/http_caching_server_wasip2_spin.wasm"));
        assert_eq!(p3, p2);
    }
}
