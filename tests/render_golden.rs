//! Golden files: every format rendered for a set of corpus cases, compared byte for byte
//! with tests/golden/<source>/<case>/ (the tree written under --root).
//! Regenerate after an intended change: `UPDATE_GOLDEN=1 cargo test --test render_golden`,
//! then review `git diff tests/golden`.

mod render_util;
use render_util::*;

#[test]
fn every_format_matches_its_golden_files_and_a_second_render_is_identical() {
    let golden_base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for case in CASES {
        let root = new_root(&format!("golden-{}", case.replace('/', "_")));
        let out = render(case, &root, ALL_FORMATS, &[]);
        assert!(out.status.success(), "{case}: {}", stderr(&out));
        let mut got = tree(&root);
        got.remove("etc/network/interfaces");
        let golden = golden_base.join(case);
        if update {
            let _ = std::fs::remove_dir_all(&golden);
            for (rel, data) in &got {
                let p = golden.join(rel);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, data).unwrap();
            }
        }
        let want = tree(&golden);
        if got != want {
            let names = |t: &std::collections::BTreeMap<String, Vec<u8>>| {
                t.keys().cloned().collect::<Vec<_>>()
            };
            let differing: Vec<_> = got
                .iter()
                .filter(|(k, v)| want.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .collect();
            failures.push(format!(
                "{case}: files differ: {differing:?}\n  got {:?}\n  want {:?}",
                names(&got),
                names(&want)
            ));
        }
        // A second render changes nothing and removes nothing.
        let again = render(case, &root, ALL_FORMATS, &[]);
        assert!(again.status.success(), "{case}: {}", stderr(&again));
        let mut second = tree(&root);
        second.remove("etc/network/interfaces");
        assert_eq!(second, got, "{case}: second render differs");
        assert!(
            stderr(&again).contains("0 stale removed, 0 failed"),
            "{case}: {}",
            stderr(&again)
        );
    }
    assert!(
        failures.is_empty(),
        "golden mismatches (regenerate with UPDATE_GOLDEN=1 if intended):\n{}",
        failures.join("\n")
    );
}
