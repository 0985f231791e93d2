//! Every fixed capacity is a named constant in src/limits.rs, listed in `limits::ALL`, and
//! documented in README's capacities table with the same value.

use configdrive_net::limits;

fn readme_table() -> Vec<(String, usize)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- capacities")
        .expect("README has a capacities table");
    let end = readme
        .find("<!-- /capacities -->")
        .expect("the table is closed");
    readme[start..end]
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_string(), cells.get(2)?.parse().ok()?))
        })
        .collect()
}

#[test]
fn every_constant_is_listed_in_all() {
    let src =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/limits.rs")).unwrap();
    for line in src.lines() {
        if let Some(rest) = line.strip_prefix("pub const ") {
            let name = rest.split(':').next().unwrap();
            if name == "ALL" {
                continue;
            }
            assert!(
                limits::ALL.iter().any(|(n, _)| *n == name),
                "{name} is missing from limits::ALL"
            );
        }
    }
}

#[test]
fn readme_lists_every_bound_with_its_value() {
    let table = readme_table();
    for (name, value) in limits::ALL {
        let row = table.iter().find(|(n, _)| n == name);
        assert_eq!(
            row.map(|r| r.1),
            Some(*value),
            "README capacities table: {name}"
        );
    }
    for (name, _) in &table {
        assert!(
            limits::ALL.iter().any(|(n, _)| n == name),
            "README lists {name}, which src/limits.rs does not have"
        );
    }
}
