//! `configdrive-net plan` on drives whose only network configuration is the legacy interfaces
//! file nova injects (meta_data.json `network_config.content_path`).
//!
//! The content files are nova's expected renderings (tests/corpus/nova/injected-*, from
//! nova/tests/unit/network/test_network_info.py, Apache-2.0; see tests/corpus/SOURCES.md).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A drive directory: meta_data.json pointing at `content_path`, and `files` (path, bytes).
struct Drive(PathBuf);

impl Drive {
    fn new(name: &str, content_path: &str, files: &[(&str, &[u8])]) -> Drive {
        let dir = std::env::temp_dir().join(format!(
            "configdrive-net-legacy-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let md = format!(
            r#"{{"uuid": "u-1", "hostname": "vm1", "network_config": {{"name": "network_config", "content_path": "{content_path}"}}}}"#
        );
        let mut all: Vec<(&str, &[u8])> = vec![("openstack/latest/meta_data.json", md.as_bytes())];
        all.extend_from_slice(files);
        for (path, bytes) in all {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        Drive(dir)
    }

    /// Runs `plan --drive DIR`: exit code, stdout lines, stderr.
    fn plan(&self) -> (i32, Vec<String>, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_configdrive-net"))
            .args(["plan", "--drive"])
            .arg(&self.0)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        (
            out.status.code().unwrap_or(-1),
            stdout.lines().map(String::from).collect(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Drive {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn corpus(case: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/nova")
        .join(case)
        .join("config-drive/openstack/content/0000");
    std::fs::read(p).unwrap()
}

#[test]
fn plan_prints_addresses_and_routes_from_content_0000() {
    let eni = corpus("injected-dual-stack-same-iface");
    let d = Drive::new("dual", "/content/0000", &[("openstack/content/0000", &eni)]);
    let (code, lines, stderr) = d.plan();
    assert_eq!(code, 0, "{stderr}");
    // No NIC has the file's MAC here, so the link shows under its fallback name, eth0.
    for want in [
        "up eth0",
        "address 10.10.0.2/24 brd 10.10.0.255 dev eth0",
        "address 1234:567::2/48 dev eth0",
        "route 0.0.0.0/0 via 10.10.0.1 dev eth0 proto static",
        "route ::/0 via 1234:567::1 dev eth0 proto static",
        "hostname vm1",
        "resolv.conf nameserver 1.2.3.4 nameserver 2.3.4.5 nameserver 2001:4860:4860::8888 nameserver 2001:4860:4860::8844",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "{want:?} not in {lines:#?}"
        );
    }
    // Addresses before routes, as apply runs them.
    let pos = |p: &str| lines.iter().position(|l| l.starts_with(p)).unwrap();
    assert!(pos("address ") < pos("route "));
    assert!(stderr.contains("network configuration from openstack/content/0000"));
    assert!(stderr.contains("link eth0: no NIC with its MAC"));
}

#[test]
fn plan_follows_content_path_and_reads_operator_routes() {
    // Not content/0000: the path meta_data.json gives. No hwaddress: the NIC is taken by bus
    // order, so its name depends on this machine; the lines are checked up to it.
    let eni = corpus("injected-overridden-template-routes");
    let d = Drive::new(
        "override",
        "/content/0002",
        &[
            ("openstack/content/0000", b"not network configuration\n"),
            ("openstack/content/0002", &eni),
        ],
    );
    let (code, lines, stderr) = d.plan();
    assert_eq!(code, 0, "{stderr}");
    let has = |start: &str, end: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(start) && l.ends_with(end))
    };
    assert!(
        has("address 10.10.0.2/24 brd 10.10.0.255 dev ", ""),
        "{lines:#?}"
    );
    assert!(
        has("route 0.0.0.0/0 via 10.10.0.1 dev ", " proto static"),
        "{lines:#?}"
    );
    assert!(
        has(
            "route 0.0.0.0/24 via 192.168.1.1 dev ",
            " onlink proto static"
        ),
        "{lines:#?}"
    );
    assert!(stderr.contains("eth0: no hwaddress: taken as physical NIC 0 in bus order"));
}

#[test]
fn plan_refuses_bad_content_paths_and_non_interfaces_files() {
    let d = Drive::new("escape", "../../etc/shadow", &[]);
    let (code, lines, stderr) = d.plan();
    assert_eq!(code, 4);
    assert!(lines.is_empty());
    assert!(stderr.contains(
        "meta_data.json: network_config.content_path: \"../../etc/shadow\": not an acceptable path inside the drive"
    ), "{stderr}");

    let d = Drive::new(
        "personality",
        "/content/0000",
        &[(
            "openstack/content/0000",
            b"This is contents of /etc/foo.cfg\n",
        )],
    );
    let (code, lines, stderr) = d.plan();
    assert_eq!(code, 4);
    assert!(lines.is_empty());
    assert!(stderr.contains(
        "openstack/content/0000: line 1: \"This is contents of /etc/foo.cfg\": expected an interfaces(5) file"
    ), "{stderr}");

    let d = Drive::new(
        "binary",
        "/content/0000",
        &[("openstack/content/0000", b"auto eth0\n\xff\xfe\n")],
    );
    let (code, _, stderr) = d.plan();
    assert_eq!(code, 4);
    assert!(
        stderr.contains("openstack/content/0000: line 2: expected UTF-8 text"),
        "{stderr}"
    );
}
