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

/// Every setting is a Spin variable of both manifests, named as its
/// environment variable in lower case: declared for the app (empty by
/// default, leaving it to `environment`) and given to the component.
#[test]
fn every_setting_is_a_spin_variable_of_the_manifests() {
    for manifest in ["spin.toml", "spin-wasip2.toml"] {
        let toml: toml::Table = read(manifest).parse().unwrap();
        let declared = toml["variables"].as_table().expect("[variables]");
        let given = toml["component"]["http-caching-server"]["variables"]
            .as_table()
            .expect("the component's variables");
        let names: Vec<String> = SETTINGS
            .iter()
            .map(|s| s.name.to_ascii_lowercase())
            .collect();
        let keys = |table: &toml::Table| table.keys().cloned().collect::<Vec<_>>();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(keys(declared), sorted, "{manifest}: [variables]");
        assert_eq!(keys(given), sorted, "{manifest}: the component's");
        for name in &names {
            assert_eq!(
                declared[name]["default"].as_str(),
                Some(""),
                "{manifest}: {name}"
            );
            let template = format!("{{{{ {name} }}}}");
            assert_eq!(
                given[name].as_str(),
                Some(&template[..]),
                "{manifest}: {name}"
            );
        }
    }
}

/// The Spin template declares and gives its component every setting, as
/// the manifests do, in a new app (`content/spin.toml`) and in what `spin
/// add` merges into one (the snippets). Its files are Liquid templates, not
/// TOML yet: the lines are looked for as text.
#[test]
fn every_setting_is_a_spin_variable_of_the_template() {
    let template = "templates/http-caching-site";
    let app = read(&format!("{template}/content/spin.toml"));
    let component = read(&format!("{template}/metadata/snippets/component.txt"));
    let variables = read(&format!("{template}/metadata/snippets/variables.txt"));
    for setting in &SETTINGS {
        let name = setting.name.to_ascii_lowercase();
        let declared = format!("\n{name} = {{ default = \"\" }}\n");
        let given = format!("{name} = \"{{{{ {name} }}}}\"\n");
        assert!(app.contains(&declared), "content/spin.toml: {declared:?}");
        assert!(app.contains(&given), "content/spin.toml: {given:?}");
        assert!(
            variables.contains(&declared[1..]),
            "variables.txt: {declared:?}"
        );
        assert!(component.contains(&given), "component.txt: {given:?}");
    }
}

/// The README's table names every setting, in the table's order, by its
/// environment and its Spin variable (`CACHE_CONTROL` / `cache_control`),
/// with its default (`none` for an empty one).
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
            let (name, variable) = cells.next()?.split_once("` / `")?;
            let variable = variable.strip_suffix('`')?;
            assert_eq!(
                variable,
                name.to_ascii_lowercase(),
                "the README's variable of {name}"
            );
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
