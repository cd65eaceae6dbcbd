//! The settings' one table (`http_caching_server::SETTINGS`) against what
//! names them elsewhere: the Spin manifests' `environment` and the README's
//! table. xtask's `serve` passes the table's names on as they are.

use http_caching_server::{Config, SETTINGS};

fn read(relative: &str) -> String {
    let path = harness::tools::workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every variable a Spin manifest sets is a setting, with a valid value.
#[test]
fn the_spin_manifests_set_only_settings_with_valid_values() {
    for manifest in ["spin.toml", "spin-wasip2.toml"] {
        let toml: toml::Table = read(manifest).parse().unwrap();
        let environment = toml["component"]["http-caching-server"]["environment"]
            .as_table()
            .unwrap_or_else(|| panic!("{manifest}: no environment"));
        assert!(!environment.is_empty(), "{manifest}");
        for (name, value) in environment {
            let setting = SETTINGS.iter().find(|setting| setting.name == name);
            let setting = setting.unwrap_or_else(|| panic!("{manifest}: {name} is no setting"));
            let value = value.as_str().unwrap();
            let mut config = Config::default();
            assert!(
                setting.apply(&mut config, value),
                "{manifest}: {name}={value:?} is not {}",
                setting.takes
            );
        }
    }
}

/// The README's table names every setting, in the table's order, with its
/// default (`none` for an empty one).
#[test]
fn the_readme_table_is_the_settings_table() {
    let readme = read("README.md");
    let section = readme
        .split("## Configuration")
        .nth(1)
        .expect("a Configuration section");
    let rows: Vec<(&str, &str)> = section
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split(" | ");
            let name = cells.next()?.strip_suffix('`')?;
            Some((name, cells.next()?))
        })
        .collect();
    let names: Vec<&str> = rows.iter().map(|(name, _)| *name).collect();
    let wanted: Vec<&str> = SETTINGS.iter().map(|setting| setting.name).collect();
    assert_eq!(names, wanted, "the README's rows");
    for ((name, default), setting) in rows.iter().zip(&SETTINGS) {
        let written = match setting.default {
            "" => "none".to_string(),
            value => format!("`{value}`"),
        };
        assert!(
            default.starts_with(&written),
            "{name}: the README says {default}, the table {written}"
        );
    }
}
