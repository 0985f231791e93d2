//! The bad-input suite: malformed and hostile drives, each with the exit code and the message
//! fragment it must produce. The binary runs `plan` on each (the same reading path `apply`
//! uses); nothing may panic (exit 70) or hang. As root, each also goes through `apply` with
//! `--root`, hand-off files and resolv.conf in a network namespace with a NIC the drives
//! name: nothing may be configured or written.

mod netns;

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");

/// A drive directory built from (path, contents) pairs.
struct TempDrive(PathBuf);

impl TempDrive {
    fn new(name: &str, files: &[(&str, &[u8])]) -> TempDrive {
        let dir = std::env::temp_dir().join(format!("cdn-bad-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, data) in files {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, data).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        TempDrive(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDrive {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const ND: &str = "openstack/latest/network_data.json";
const MD: &str = "openstack/latest/meta_data.json";
const LINK: &str = r#"{"id": "l0", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"}"#;

fn nd(doc: String) -> Files {
    vec![(ND, doc.into_bytes())]
}

fn links(body: &str) -> Files {
    nd(format!(r#"{{"links": [{body}]}}"#))
}

fn network(body: &str) -> Files {
    nd(format!(
        r#"{{"links": [{LINK}], "networks": [{{"id": "n0", "link": "l0", {body}}}]}}"#
    ))
}

/// The files of a drive: (path inside the drive, contents).
type Files = Vec<(&'static str, Vec<u8>)>;

/// (name, files, expected exit code, fragment of stderr).
fn cases() -> Vec<(&'static str, Files, i32, String)> {
    let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(",");
    vec![
        (
            "truncated-json",
            nd(r#"{"links": [{"id": "l0""#.into()),
            4,
            "network_data.json: malformed JSON at line 1".into(),
        ),
        (
            "not-utf8",
            vec![(ND, b"{\"links\": [\"\xff\xfe\"]}".to_vec())],
            4,
            "not valid UTF-8".into(),
        ),
        (
            "deep-nesting",
            nd(format!(
                r#"{{"x": {}{}}}"#,
                "[".repeat(5000),
                "]".repeat(5000)
            )),
            4,
            "nested deeper than MAX_JSON_DEPTH".into(),
        ),
        (
            "trailing-garbage",
            nd(r#"{"links": []} }"#.into()),
            4,
            "unexpected text after the JSON value".into(),
        ),
        (
            "top-level-array",
            nd("[]".into()),
            4,
            "expected a JSON object".into(),
        ),
        (
            "links-not-array",
            nd(r#"{"links": {"id": "l0"}}"#.into()),
            4,
            "links: expected an array".into(),
        ),
        (
            "link-not-object",
            nd(r#"{"links": [42]}"#.into()),
            4,
            "links[0]: expected an object".into(),
        ),
        (
            "bad-mac",
            links(r#"{"id": "l0", "ethernet_mac_address": "fa:16:3e:zz:00:01"}"#),
            4,
            r#"links[0].ethernet_mac_address: "fa:16:3e:zz:00:01": not a MAC address"#.into(),
        ),
        (
            "redacted-mac",
            links(r#"{"id": "l0", "ethernet_mac_address": "xx:xx:xx:xx:xx:00"}"#),
            4,
            "not a MAC address".into(),
        ),
        (
            "mac-as-object",
            links(r#"{"id": "l0", "ethernet_mac_address": {"a": 1}}"#),
            4,
            "links[0].ethernet_mac_address: expected a string or number".into(),
        ),
        (
            "mac-as-list",
            links(r#"{"id": "l0", "ethernet_mac_address": ["fa:16:3e:00:00:01"]}"#),
            4,
            "expected a string or number".into(),
        ),
        (
            "missing-id",
            links(r#"{"ethernet_mac_address": "fa:16:3e:00:00:01"}"#),
            4,
            "links[0].id: required but missing".into(),
        ),
        (
            "duplicate-id",
            links(&format!("{LINK}, {LINK}")),
            4,
            r#"links[1].id: "l0": duplicate"#.into(),
        ),
        (
            "long-id",
            links(&format!(r#"{{"id": "{}"}}"#, "i".repeat(65))),
            4,
            "longer than 64 bytes (MAX_ID_BYTES)".into(),
        ),
        (
            "ifname-too-long",
            links(r#"{"id": "b", "type": "bond", "name": "a-very-long-bond-name"}"#),
            4,
            "links[0].name: \"a-very-long-bond-name\": not a valid interface name".into(),
        ),
        (
            "ifname-slash",
            links(r#"{"id": "b", "type": "bond", "name": "bo/nd"}"#),
            4,
            "not a valid interface name".into(),
        ),
        (
            "mtu-text",
            links(r#"{"id": "l0", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": "jumbo"}"#),
            4,
            "links[0].mtu: \"jumbo\": not a number".into(),
        ),
        (
            "mtu-tiny",
            links(r#"{"id": "l0", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 10}"#),
            4,
            "out of range 68..=65535".into(),
        ),
        (
            "mtu-negative",
            links(r#"{"id": "l0", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": -1500}"#),
            4,
            "links[0].mtu".into(),
        ),
        (
            "mtu-huge",
            links(r#"{"id": "l0", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 1e400}"#),
            4,
            "not a number".into(),
        ),
        (
            "vlan-id-4095",
            links(&format!(
                r#"{LINK}, {{"id": "v", "type": "vlan", "vlan_link": "l0", "vlan_id": 4095}}"#
            )),
            4,
            "links[1].vlan_id: \"4095\": out of range 1..=4094".into(),
        ),
        (
            "vlan-id-zero",
            links(&format!(
                r#"{LINK}, {{"id": "v", "type": "vlan", "vlan_link": "l0", "vlan_id": 0}}"#
            )),
            4,
            "out of range 1..=4094".into(),
        ),
        (
            "vlan-id-missing",
            links(&format!(
                r#"{LINK}, {{"id": "v", "type": "vlan", "vlan_link": "l0"}}"#
            )),
            4,
            "links[1].vlan_id: required but missing".into(),
        ),
        (
            "vlan-dangling",
            links(r#"{"id": "v", "type": "vlan", "vlan_link": "ghost", "vlan_id": 5}"#),
            4,
            r#"links[0].vlan_link: "ghost": refers to a link id that does not exist"#.into(),
        ),
        (
            "vlan-on-itself",
            links(r#"{"id": "v", "type": "vlan", "vlan_link": "v", "vlan_id": 5}"#),
            4,
            "invalid bond/VLAN topology".into(),
        ),
        (
            "vlan-loop",
            links(
                r#"{"id": "a", "type": "vlan", "vlan_link": "b", "vlan_id": 5}, {"id": "b", "type": "vlan", "vlan_link": "a", "vlan_id": 6}"#,
            ),
            4,
            "invalid bond/VLAN topology".into(),
        ),
        (
            "bond-dangling",
            links(&format!(
                r#"{LINK}, {{"id": "b", "type": "bond", "bond_links": ["l0", "ghost"]}}"#
            )),
            4,
            r#"links[1].bond_links[1]: "ghost": refers to a link id"#.into(),
        ),
        (
            "bond-member-twice",
            links(&format!(
                r#"{LINK}, {{"id": "b1", "type": "bond", "bond_links": ["l0"]}}, {{"id": "b2", "type": "bond", "bond_links": ["l0"]}}"#
            )),
            4,
            "links[2].bond_links[0]".into(),
        ),
        (
            "bond-of-bond",
            links(&format!(
                r#"{LINK}, {{"id": "b1", "type": "bond", "bond_links": ["l0"]}}, {{"id": "b2", "type": "bond", "bond_links": ["b1"]}}"#
            )),
            4,
            "invalid bond/VLAN topology".into(),
        ),
        (
            "bond-mode-unknown",
            links(r#"{"id": "b", "type": "bond", "bond_mode": "802.3xx"}"#),
            4,
            r#"links[0].bond_mode: "802.3xx": unknown value"#.into(),
        ),
        (
            "bond-option-out-of-range",
            links(r#"{"id": "b", "type": "bond", "bond_resend_igmp": 300}"#),
            4,
            "links[0].bond_resend_igmp".into(),
        ),
        (
            "too-many-links",
            nd(format!(
                r#"{{"links": [{}]}}"#,
                many(321, &|i| format!(
                    r#"{{"id": "l{i}", "ethernet_mac_address": "fa:16:3e:00:{:02x}:{:02x}"}}"#,
                    i / 256,
                    i % 256
                ))
            )),
            4,
            "more than 320 items (MAX_LINKS)".into(),
        ),
        (
            "too-many-networks",
            nd(format!(
                r#"{{"links": [{LINK}], "networks": [{}]}}"#,
                many(1025, &|i| format!(
                    r#"{{"link": "l0", "type": "ipv4_dhcp", "id": "n{i}"}}"#
                ))
            )),
            4,
            "more than 1024 items (MAX_NETWORKS)".into(),
        ),
        (
            "too-many-dns",
            nd(format!(
                r#"{{"links": [{LINK}], "services": [{}]}}"#,
                many(33, &|i| format!(
                    r#"{{"type": "dns", "address": "10.0.0.{i}"}}"#
                ))
            )),
            4,
            "more than 32 items (MAX_DNS_SERVERS)".into(),
        ),
        (
            "network-dangling-link",
            nd(format!(
                r#"{{"links": [{LINK}], "networks": [{{"id": "n", "link": "ghost", "type": "ipv4_dhcp"}}]}}"#
            )),
            4,
            r#"networks[0].link: "ghost": refers to a link id"#.into(),
        ),
        (
            "network-missing-link",
            nd(format!(
                r#"{{"links": [{LINK}], "networks": [{{"id": "n", "type": "ipv4_dhcp"}}]}}"#
            )),
            4,
            "networks[0].link: required but missing".into(),
        ),
        (
            "network-type-unknown",
            network(r#""type": "ipv5""#),
            4,
            r#"networks[0].type: "ipv5": unknown value"#.into(),
        ),
        (
            "static-without-address",
            network(r#""type": "ipv4""#),
            4,
            "networks[0].ip_address: required but missing".into(),
        ),
        (
            "bad-address",
            network(r#""type": "ipv4", "ip_address": "10.0.0.256", "netmask": "255.255.255.0""#),
            4,
            r#"networks[0].ip_address: "10.0.0.256": not an IP address"#.into(),
        ),
        (
            "address-with-zone",
            network(r#""type": "ipv6", "ip_address": "fe80::1%eth0""#),
            4,
            "not an IP address".into(),
        ),
        (
            "v6-address-in-ipv4",
            network(r#""type": "ipv4", "ip_address": "2001:db8::1""#),
            4,
            "address family does not match".into(),
        ),
        (
            "mask-not-contiguous",
            network(r#""type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.0.255""#),
            4,
            r#"networks[0].netmask: "255.255.0.255": non-contiguous netmask"#.into(),
        ),
        (
            "v6-mask-not-contiguous",
            network(r#""type": "ipv6", "ip_address": "2001:db8::5", "netmask": "ffff:0:ffff::""#),
            4,
            "non-contiguous netmask".into(),
        ),
        (
            "v4-mask-on-v6",
            network(r#""type": "ipv6", "ip_address": "2001:db8::5", "netmask": "255.255.255.0""#),
            4,
            "not a netmask or prefix length".into(),
        ),
        (
            "prefix-too-long",
            network(r#""type": "ipv4", "ip_address": "10.0.0.5/33""#),
            4,
            "not a netmask or prefix length".into(),
        ),
        (
            "route-missing-netmask",
            network(
                r#""type": "ipv4", "ip_address": "10.0.0.5/24", "routes": [{"network": "10.1.0.0", "gateway": "10.0.0.1"}]"#,
            ),
            4,
            "networks[0].routes[0].netmask: required but missing".into(),
        ),
        (
            "route-bad-gateway",
            network(
                r#""type": "ipv4", "ip_address": "10.0.0.5/24", "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "gw.example"}]"#,
            ),
            4,
            r#"networks[0].routes[0].gateway: "gw.example": not an IP address"#.into(),
        ),
        (
            "route-family-mismatch",
            network(
                r#""type": "ipv4", "ip_address": "10.0.0.5/24", "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "fe80::1"}]"#,
            ),
            4,
            "address family does not match".into(),
        ),
        (
            "routes-not-array",
            network(r#""type": "ipv4", "ip_address": "10.0.0.5/24", "routes": "default""#),
            4,
            "networks[0].routes: expected an array".into(),
        ),
        (
            "dns-not-address",
            network(r#""type": "ipv4_dhcp", "dns_nameservers": ["ns.example"]"#),
            4,
            r#"networks[0].dns_nameservers[0]: "ns.example": not an IP address"#.into(),
        ),
        (
            "dns-service-bad",
            nd(format!(
                r#"{{"links": [{LINK}], "services": [{{"type": "dns", "address": "8.8.8"}}]}}"#
            )),
            4,
            r#"services[0].address: "8.8.8": not an IP address"#.into(),
        ),
        (
            "search-invalid",
            network(r#""type": "ipv4_dhcp", "dns_search": ["ex ample!"]"#),
            4,
            "not a valid hostname".into(),
        ),
        (
            "surrogate-unpaired",
            nd(r#"{"links": [{"id": "\ud800"}]}"#.into()),
            4,
            "unpaired UTF-16 surrogate".into(),
        ),
        (
            "document-too-large",
            nd(format!(r#"{{"pad": "{}"}}"#, "x".repeat(600 * 1024))),
            4,
            "file larger than 524288 bytes (MAX_DOCUMENT_BYTES)".into(),
        ),
        (
            "string-too-long",
            nd(format!(
                r#"{{"links": [{{"id": "l0", "ethernet_mac_address": "{}"}}]}}"#,
                "a".repeat(5000)
            )),
            4,
            "links[0].ethernet_mac_address".into(),
        ),
        (
            "meta-malformed",
            vec![
                (MD, b"{\"hostname\": ".to_vec()),
                (ND, LINK_DOC.as_bytes().to_vec()),
            ],
            4,
            "meta_data.json: malformed JSON".into(),
        ),
        (
            "meta-bad-hostname",
            vec![(MD, br#"{"hostname": "bad host!"}"#.to_vec())],
            4,
            r#"meta_data.json: hostname: "bad host!": not a valid hostname"#.into(),
        ),
        (
            "meta-uuid-object",
            vec![(MD, br#"{"uuid": {"a": 1}}"#.to_vec())],
            4,
            "meta_data.json: uuid: expected a string".into(),
        ),
        (
            "network-data-is-directory",
            vec![("openstack/latest/network_data.json/x", b"{}".to_vec())],
            4,
            "network_data.json: not a regular file".into(),
        ),
        (
            "no-openstack-directory",
            vec![("ec2/latest/meta-data.json", b"{}".to_vec())],
            3,
            "no openstack/latest or dated version directory".into(),
        ),
    ]
}

const LINK_DOC: &str = r#"{"links": [{"id": "l0", "ethernet_mac_address": "fa:16:3e:00:00:01"}]}"#;

#[test]
fn every_bad_input_is_refused_with_its_exit_code_and_message() {
    let cases = cases();
    assert!(cases.len() >= 55, "the suite keeps at least 55 cases");
    let mut failures = Vec::new();
    for (name, files, want_code, fragment) in cases {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, d)| (*p, d.as_slice())).collect();
        let drive = TempDrive::new(name, &files);
        let out = Command::new(BIN)
            .args(["plan", "--drive"])
            .arg(drive.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        if code != Some(want_code) || !stderr.contains(&fragment) || !out.stdout.is_empty() {
            failures.push(format!("{name}: exit {code:?} (want {want_code}), stderr: {stderr}, stdout: {} bytes, want fragment: {fragment}", out.stdout.len()));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Nothing is written or configured for an invalid drive: every case, through `apply` with
/// everything it can write pointed at scratch paths, in a namespace with the NIC the cases
/// name (fa:16:3e:00:00:01, down; as quiet as a namespace gets, so one look before and
/// after each run tells any change).
#[test]
fn apply_configures_and_writes_nothing_for_an_invalid_drive() {
    let Some(ns) = netns::Ns::new("bad") else {
        return;
    };
    ns.nic("n0", "fa:16:3e:00:00:01");
    let look = "ip -j link; ip -j addr; ip -j route show table all; ip -j -6 route show table all; \
                cat /proc/sys/net/ipv6/conf/*/accept_ra /proc/sys/net/ipv6/conf/*/autoconf";
    let mut before = ns.settled(look);
    let (root, handoff, resolv) = (ns.path("root"), ns.path("handoff"), ns.path("resolv.conf"));
    let mut failures = Vec::new();
    for (name, files, want_code, fragment) in cases() {
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&handoff).unwrap();
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, d)| (*p, d.as_slice())).collect();
        let drive = TempDrive::new(name, &files);
        let o = ns
            .apply_in(
                "",
                &[],
                drive.path(),
                &[
                    "--timeout",
                    "0",
                    "--root",
                    root.to_str().unwrap(),
                    "--format",
                    "networkd,nm,netplan,ifcfg",
                    "--resolv-conf",
                    resolv.to_str().unwrap(),
                    "--handoff",
                    "klibc",
                    "--handoff-root",
                    handoff.to_str().unwrap(),
                ],
            )
            .output()
            .unwrap();
        let err = netns::stderr(&o);
        let mut wrong = Vec::new();
        if o.status.code() != Some(want_code) {
            wrong.push(format!("exit {:?}, want {want_code}", o.status.code()));
        }
        if !err.contains(&fragment) {
            wrong.push(format!("no {fragment:?}"));
        }
        if !netns::text(&o.stdout).contains("hostname=before") {
            wrong.push("the hostname changed".into());
        }
        if ns.sh(look) != before {
            wrong.push("the namespace changed".into());
            before.clone_from(&ns.settled(look));
        }
        for (what, dir) in [("--root", &root), ("--handoff-root", &handoff)] {
            let t = netns::tree(dir);
            if !t.is_empty() {
                wrong.push(format!("written under {what}: {t:?}"));
            }
        }
        if resolv.exists() {
            wrong.push("resolv.conf written".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("{name}: {}\n{err}", wrong.join("; ")));
        }
        let _ = std::fs::remove_dir_all(&root);
        let _ = std::fs::remove_dir_all(&handoff);
        let _ = std::fs::remove_file(&resolv);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn symlinks_on_a_mounted_drive_stay_inside_it() {
    // A drive whose network_data.json is a symlink to an absolute path: resolved inside the
    // drive (RESOLVE_IN_ROOT), so the host's file is never read.
    let drive = TempDrive::new("symlink", &[("etc/hostname", b"{}")]);
    let latest = drive.path().join("openstack/latest");
    std::fs::create_dir_all(&latest).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", latest.join("network_data.json")).unwrap();
    std::os::unix::fs::symlink(
        "../../../../../../etc/passwd",
        latest.join("meta_data.json"),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["plan", "--drive"])
        .arg(drive.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // network_data.json resolves to the drive's own etc/hostname ("{}"), meta_data.json to
    // nothing: the drive has no network and no error.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("no links"), "{stderr}");
}
