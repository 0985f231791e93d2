//! The real binary's `plan` on every corpus case: the exit code the command-line contract
//! promises (0, 3 or 4), one operation per line, never a panic; and malformed JSON refused
//! with exit 4 and a message naming the file, line and column.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");

/// Operations `plan` prints (src/plan.rs), by their first word.
const OPS: &[&str] = &[
    "mtu",
    "bond",
    "enslave",
    "vlan",
    "sysctl",
    "up",
    "address",
    "route",
    "hostname",
    "resolv.conf",
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn plan(drive: &Path) -> Output {
    Command::new(BIN)
        .args(["plan", "--drive"])
        .arg(drive)
        .output()
        .expect("run configdrive-net")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// No panic, no internal-error exit.
#[track_caller]
fn sane(what: &str, out: &Output) {
    let err = text(&out.stderr);
    assert!(
        out.status.code().is_some() && out.status.code() != Some(70),
        "{what}: {:?}\n{err}",
        out.status
    );
    assert!(!err.contains("panic"), "{what}: {err}");
}

/// Exit 0 and a well-formed plan.
#[track_caller]
fn planned(what: &str, out: &Output) -> String {
    sane(what, out);
    assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in stdout.lines() {
        let op = line.split(' ').next().unwrap_or("");
        assert!(OPS.contains(&op), "{what}: unknown plan line {line:?}");
    }
    assert!(stdout.is_empty() || stdout.ends_with('\n'));
    stdout
}

/// The corpus's cases: `(source/case, config-drive path)`.
fn cases() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for src in fs::read_dir(corpus()).unwrap() {
        let src = src.unwrap();
        if !src.file_type().unwrap().is_dir() {
            continue;
        }
        for c in fs::read_dir(src.path()).unwrap() {
            let c = c.unwrap();
            let drive = c.path().join("config-drive");
            if drive.is_dir() {
                let name = format!(
                    "{}/{}",
                    src.file_name().to_string_lossy(),
                    c.file_name().to_string_lossy()
                );
                out.push((name, drive));
            }
        }
    }
    out.sort();
    assert_eq!(out.len(), 40);
    out
}

/// A temporary copy of a drive, each file passed through `edit(path, bytes)`.
struct Copy(PathBuf);

impl Copy {
    fn new(src: &Path, tag: &str, edit: &dyn Fn(&str, Vec<u8>) -> Vec<u8>) -> Copy {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dst = std::env::temp_dir().join(format!(
            "configdrive-net-plan-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dst);
        fn walk(src: &Path, dst: &Path, rel: &str, edit: &dyn Fn(&str, Vec<u8>) -> Vec<u8>) {
            fs::create_dir_all(dst).unwrap();
            for e in fs::read_dir(src).unwrap() {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = format!("{rel}/{name}");
                if e.file_type().unwrap().is_dir() {
                    walk(&e.path(), &dst.join(&name), &rel, edit);
                } else {
                    fs::write(dst.join(&name), edit(&rel, fs::read(e.path()).unwrap())).unwrap();
                }
            }
        }
        walk(src, &dst, "", edit);
        Copy(dst)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// cloud-init's redacted values, replaced as tests/corpus.rs does.
fn unredact(b: Vec<u8>) -> Vec<u8> {
    text(&b)
        .replace("xx:xx:xx:xx:xx:", "02:00:00:00:00:")
        .replace("x.x.x.x", "192.0.2.10")
        .replace("x.x.x.", "192.0.2.")
        .into_bytes()
}

#[test]
fn plan_runs_on_every_case() {
    for (name, drive) in cases() {
        let out = plan(&drive);
        let has_version_dir = drive.join("openstack/latest").is_dir();
        let redacted = fs::read_to_string(drive.join("openstack/latest/network_data.json"))
            .is_ok_and(|t| t.contains("xx:xx:xx"));
        if !has_version_dir {
            // nova's content/0000-only cases: no version directory, so no config drive.
            sane(&name, &out);
            assert_eq!(out.status.code(), Some(3), "{name}: {}", text(&out.stderr));
            assert!(text(&out.stderr).contains("no openstack/latest or dated version directory"));
        } else if redacted {
            // Refused, naming the file, the field and the value; valid once unredacted.
            sane(&name, &out);
            assert_eq!(out.status.code(), Some(4), "{name}");
            assert!(
                text(&out.stderr).contains(
                    "openstack/latest/network_data.json: links[0].ethernet_mac_address: \
                     \"xx:xx:xx:xx:xx:00\": not a MAC address"
                ),
                "{name}: {}",
                text(&out.stderr)
            );
            assert!(out.stdout.is_empty(), "{name}: nothing is planned");
            let fixed = Copy::new(&drive, "unredacted", &|_, b| unredact(b));
            let stdout = planned(&name, &plan(&fixed.0));
            assert!(
                stdout.contains("address 192.0.2.10/24 brd 192.0.2.255 dev "),
                "{stdout}"
            );
        } else {
            let stdout = planned(&name, &out);
            assert!(!stdout.is_empty(), "{name}: an empty plan");
        }
    }
}

#[test]
fn plan_prints_the_cases_addresses_and_routes() {
    let out = plan(&corpus().join("glean/rax-iad/config-drive"));
    let stdout = planned("rax-iad", &out);
    for line in [
        "address 146.20.110.113/24 brd 146.20.110.255 dev ",
        "address 2001:4802:7807:103:be76:4eff:fe20:d72f/64 dev ",
        "route fd30::/48 via fe80::f001 dev ",
        "hostname pabelanger-test",
        "resolv.conf nameserver 69.20.0.196 nameserver 69.20.0.164",
    ] {
        assert!(stdout.contains(line), "{line:?} not in\n{stdout}");
    }
}

#[test]
fn plan_reports_networks_on_a_bond_member() {
    let out = plan(&corpus().join("ironic/json-sample-bond-vlan-ipv6-cidr/config-drive"));
    let stdout = planned("ironic sample", &out);
    let err = text(&out.stderr);
    for n in [0, 1] {
        assert!(
            err.contains(&format!(
                "network_data.json: networks[{n}]: link interface0 is in bond bond0: not applied"
            )),
            "{err}"
        );
    }
    assert!(stdout.contains("route 0.0.0.0/0 via 23.253.157.1 dev bond0.101 proto static\n"));
    assert!(!stdout.contains("10.184.0.244"), "{stdout}");
}

#[test]
fn a_bond_without_mtu_takes_its_members_after_enslaving_them() {
    // Members at 9000, the bond with no MTU: enslaving gives members the bond's MTU (1500),
    // so the bond must get 9000 after them, and its VLAN after the bond.
    let out = plan(&corpus().join("ironic/json-sample-bond-vlan-ipv6-cidr/config-drive"));
    let stdout = planned("ironic sample", &out);
    let pos = |p: &str| {
        stdout
            .lines()
            .position(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p:?} not in\n{stdout}"))
    };
    let bond_mtu = pos("mtu bond0 9000");
    assert!(
        pos("enslave ") < bond_mtu && bond_mtu < pos("vlan bond0.101 "),
        "{stdout}"
    );
}

fn malformed_drive(doc: &str, content: &[u8]) -> Copy {
    let base = corpus().join("ironic/dhcp-less-doc-single-static/config-drive");
    let doc = doc.to_string();
    let content = content.to_vec();
    Copy::new(&base, "malformed", &move |rel, b| {
        if rel.ends_with(&doc) {
            content.clone()
        } else {
            b
        }
    })
}

#[test]
fn malformed_json_exits_4_naming_file_line_and_column() {
    let d = malformed_drive(
        "network_data.json",
        b"{\"links\": [\n  {\"id\": \"a\",\n   \"type\": phy}\n]}\n",
    );
    let out = plan(&d.0);
    sane("malformed", &out);
    assert_eq!(out.status.code(), Some(4));
    let err = text(&out.stderr);
    assert!(
        err.contains("openstack/latest/network_data.json: malformed JSON at line 3, column 12"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing is planned");

    // meta_data.json too.
    fs::write(d.0.join("openstack/latest/network_data.json"), b"{}").unwrap();
    fs::write(
        d.0.join("openstack/latest/meta_data.json"),
        b"{\"hostname\": \"a\",,}",
    )
    .unwrap();
    let out = plan(&d.0);
    sane("malformed meta_data", &out);
    assert_eq!(out.status.code(), Some(4));
    let err = text(&out.stderr);
    assert!(
        err.contains("openstack/latest/meta_data.json: malformed JSON at line 1, column "),
        "{err}"
    );
}

/// Every corpus document cut short at several points, and with bytes flipped: the binary
/// refuses it (exit 4) or plans what is still valid JSON (exit 0); it never panics.
#[test]
fn damaged_corpus_documents_never_panic() {
    for (name, drive) in cases() {
        for doc in [
            "network_data.json",
            "meta_data.json",
            "network_info.json",
            "vendor_data.json",
        ] {
            let path = drive.join("openstack/latest").join(doc);
            let Ok(original) = fs::read(&path) else {
                continue;
            };
            let n = original.len();
            let cuts = [1, n / 7, n / 3, n / 2, 2 * n / 3, n - 2];
            for (i, cut) in cuts.into_iter().enumerate() {
                let damaged: Vec<u8> = original[..cut.min(n)].to_vec();
                let mut flipped = original.clone();
                let at = (n * (i + 1) / 8).min(n - 1);
                flipped[at] = b"}\"]:,\\\x00{"[i % 8];
                for bytes in [damaged, flipped] {
                    let d = malformed_drive(doc, &bytes);
                    // Use the case's own document in place of the base drive's.
                    let target = d.0.join("openstack/latest").join(doc);
                    fs::write(&target, &bytes).unwrap();
                    let out = plan(&d.0);
                    sane(&format!("{name} {doc} damaged #{i}"), &out);
                    let code = out.status.code();
                    assert!(
                        code == Some(0) || code == Some(4),
                        "{name} {doc} #{i}: exit {code:?}\n{}",
                        text(&out.stderr)
                    );
                    if code == Some(4) {
                        assert!(text(&out.stderr).contains(doc), "{}", text(&out.stderr));
                    }
                }
            }
        }
    }
}
