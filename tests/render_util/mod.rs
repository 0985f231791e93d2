//! Helpers shared by the render tests: the corpus, the binary, temporary roots, file trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const ALL_FORMATS: &str = "networkd,nm,eni,netplan,ifcfg";

/// The corpus cases the golden and consumer tests render (see tests/golden/README.md).
pub const CASES: &[&str] = &[
    "glean/liberty",
    "glean/rax",
    "glean/rax-iad",
    "glean/vexxhost",
    "cloud-init/os-sample-0",
    "cloud-init/os-sample-2",
    "cloud-init/os-sample-4",
    "cloud-init/nd-bond-two-vlans",
    "cloud-init/nd-dhcpv6-stateless-stateful",
    "cloud-init/nd-tap-null-type-dualstack",
    "cloud-init/nd-vlan-on-phy",
    "ironic/json-sample-bond-vlan-ipv6-cidr",
    "talos/openstack-mixed-bond-vlan-ipv6",
    "afterburn/ibmcloud-classic-two-nics-static-routes",
    "nova/network-metadata-two-nics-dual-stack",
    "afterburn/kubevirt-static-dualstack-dhcp-mix",
    "afterburn/kubevirt-dhcp-with-static-gw-dns",
];

/// The corpus of real config drives kept with the tests (tests/corpus).
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_configdrive-net")
}

/// A fresh empty directory under target/.
pub fn tmpdir(tag: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The NICs a case assumes, as a sysfs tree: the case's own `sys/` (glean), one made from
/// `known_macs.json` (cloud-init), else none (names fall back to the drive's or eth<n>).
pub fn sysfs(case: &str) -> PathBuf {
    let dir = corpus().join(case);
    if dir.join("sys/class/net").is_dir() {
        return dir.join("sys");
    }
    let out = tmpdir(&format!("sysfs-{}", case.replace('/', "_")));
    std::fs::create_dir_all(out.join("class/net")).unwrap();
    if let Ok(text) = std::fs::read_to_string(dir.join("known_macs.json")) {
        // {"mac": "name", ...}: every quoted string, in pairs.
        let strings: Vec<&str> = text.split('"').skip(1).step_by(2).collect();
        for pair in strings.chunks(2) {
            let nic = out.join("class/net").join(pair[1]);
            std::fs::create_dir_all(&nic).unwrap();
            std::fs::write(nic.join("address"), format!("{}\n", pair[0])).unwrap();
        }
    }
    out
}

/// A root like a real one for rendering: etc/network/interfaces sourcing interfaces.d.
pub fn new_root(tag: &str) -> PathBuf {
    let root = tmpdir(tag);
    std::fs::create_dir_all(root.join("etc/network")).unwrap();
    std::fs::write(
        root.join("etc/network/interfaces"),
        "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n",
    )
    .unwrap();
    root
}

/// Runs `configdrive-net render` for a corpus case into `root`.
pub fn render(case: &str, root: &Path, formats: &str, extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("render")
        .arg("--drive")
        .arg(corpus().join(case).join("config-drive"))
        .arg("--root")
        .arg(root)
        .arg("--format")
        .arg(formats)
        .arg("--sysfs")
        .arg(sysfs(case))
        .args(extra)
        .output()
        .unwrap()
}

/// Every regular file under `dir`, by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// True when running as root (namespaces, mounts); CI always is.
pub fn is_root() -> bool {
    rustix_uid() == 0
}

fn rustix_uid() -> u32 {
    // /proc/self/status "Uid:\treal\t..." without pulling a crate into the tests.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u.parse().unwrap_or(1)))
        })
        .unwrap_or(1)
}

/// `key=value` lines of an INI-style file, with the section each is in.
pub fn ini(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// The NICs of a case's sysfs tree as NAME=MAC arguments for tests/render-accept.sh.
pub fn nics(case: &str) -> Vec<String> {
    let dir = sysfs(case).join("class/net");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| {
                let e = e.ok()?;
                let mac = std::fs::read_to_string(e.path().join("address")).ok()?;
                Some(format!(
                    "{}={}",
                    e.file_name().to_string_lossy(),
                    mac.trim()
                ))
            })
            .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Runs tests/render-accept.sh; returns (success, output).
pub fn accept(format: &str, root: &Path, nics: &[String]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render-accept.sh");
    let o = Command::new(script)
        .arg(format)
        .arg(root)
        .args(nics)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// True when the tests can run the consumers: root, and the tool installed. In CI a missing
/// tool is a failure (tests/setup installs them); elsewhere the test says it skipped.
pub fn can_run(tool: &str) -> bool {
    let have = Path::new(tool).exists();
    if is_root() && have {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run as root with {tool} installed (tests/setup)"
    );
    eprintln!("skipped: needs root and {tool}");
    false
}
