//! Each format accepted by its real consumer (tests/render-accept.sh, in namespaces):
//! systemd-networkd and NetworkManager load the files and configure veth NICs carrying the
//! case's MACs; ifupdown parses and plans them (ifquery, ifup --no-act); netplan generates
//! from them; network-scripts' way of reading ifcfg (sh, `ip route add LINE`) applies them.

mod render_util;
use render_util::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Cases with NICs (sysfs trees) and static addresses, plus bonds, VLANs, DHCPv6 and
/// prefixes given in addresses.
const ACCEPT_CASES: &[&str] = &[
    "glean/liberty",
    "glean/rax-iad",
    "cloud-init/os-sample-4",
    "cloud-init/nd-bond-two-vlans",
    "cloud-init/nd-dhcpv6-stateless-stateful",
    "talos/openstack-mixed-bond-vlan-ipv6",
];

fn rendered(case: &str, format: &str) -> std::path::PathBuf {
    let root = new_root(&format!("accept-{format}-{}", case.replace('/', "_")));
    let o = render(case, &root, format, &[]);
    assert!(o.status.success(), "{case} {format}: {}", stderr(&o));
    root
}

/// (interface, address) of our networkd files for NICs that exist, and their routes.
fn networkd_facts(root: &Path, nics: &[String]) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let mut addrs = BTreeSet::new();
    let mut routes = BTreeSet::new();
    for n in nics {
        let name = n.split('=').next().unwrap();
        let f = root.join(format!("etc/systemd/network/10-configdrive-{name}.network"));
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let kv = ini(&text);
        for (_, k, v) in &kv {
            if k == "Address" {
                addrs.insert((name.to_string(), v.clone()));
            }
        }
        let mut dest = None;
        for (s, k, v) in &kv {
            match (s.as_str(), k.as_str()) {
                ("Route", "Destination") => dest = Some(v.clone()),
                ("Route", "Gateway") => {
                    let d = dest.take().unwrap();
                    let d = if d == "0.0.0.0/0" || d == "::/0" {
                        "default".into()
                    } else {
                        d
                    };
                    routes.insert(format!("{d} via {v} dev {name}"));
                }
                _ => {}
            }
        }
    }
    (addrs, routes)
}

fn applied(out: &str, addrs: &BTreeSet<(String, String)>, routes: &BTreeSet<String>, tag: &str) {
    for (i, a) in addrs {
        assert!(
            out.lines().any(|l| l == format!("{i} {a}")),
            "{tag}: {a} not on {i}:\n{out}"
        );
    }
    for r in routes {
        assert!(
            out.lines().any(|l| l.starts_with(r.as_str())),
            "{tag}: route {r} missing:\n{out}"
        );
    }
}

#[test]
fn systemd_networkd_loads_the_files_and_configures_the_nics() {
    if !can_run("/lib/systemd/systemd-networkd") {
        return;
    }
    for case in ACCEPT_CASES {
        let root = rendered(case, "networkd");
        let nics = nics(case);
        let (ok, out) = accept("networkd", &root, &nics);
        assert!(
            ok,
            "{case}: networkd reported problems with our files:\n{out}"
        );
        for n in &nics {
            let name = n.split('=').next().unwrap();
            if root
                .join(format!("etc/systemd/network/10-configdrive-{name}.network"))
                .exists()
            {
                let want = format!(
                    "{name}: found matching network '/etc/systemd/network/10-configdrive-{name}.network'"
                );
                assert!(out.contains(&want), "{case}: {want}\n{out}");
            }
        }
        let (addrs, routes) = networkd_facts(&root, &nics);
        applied(&out, &addrs, &routes, case);
        // Routes are ours: proto static, so the real root's networkd keeps them.
        for r in &routes {
            let line = out.lines().find(|l| l.starts_with(r.as_str())).unwrap();
            assert!(line.contains("proto static"), "{case}: {line}");
        }
        // A route the initramfs added with proto static is still there.
        if !nics.is_empty() {
            assert!(out.contains("198.51.100.0/24 dev "), "{case}: {out}");
        }
    }
}

#[test]
fn networkmanager_loads_every_keyfile_and_activates_the_nics() {
    if !can_run("/usr/sbin/NetworkManager") {
        return;
    }
    for case in ACCEPT_CASES {
        let root = rendered(case, "nm");
        let nics = nics(case);
        let (ok, out) = accept("nm", &root, &nics);
        assert!(ok, "{case}: NetworkManager rejected a keyfile:\n{out}");
        let dir = root.join("etc/NetworkManager/system-connections");
        for f in std::fs::read_dir(&dir).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                out.lines().any(|l| l.starts_with(&format!("{name}:"))),
                "{case}: {name} not loaded:\n{out}"
            );
        }
        let (addrs, _) = networkd_facts(&rendered(case, "networkd"), &nics);
        applied(&out, &addrs, &BTreeSet::new(), case);
    }
}

#[test]
fn ifupdown_parses_and_plans_the_interfaces_file() {
    if !can_run("/usr/sbin/ifup") {
        return;
    }
    for case in ACCEPT_CASES {
        let root = rendered(case, "eni");
        let (ok, out) = accept("eni", &root, &[]);
        assert!(ok, "{case}: ifupdown rejected the file:\n{out}");
        let text =
            std::fs::read_to_string(root.join("etc/network/interfaces.d/configdrive")).unwrap();
        let listed: BTreeSet<&str> = out
            .lines()
            .take_while(|l| !l.starts_with("## commands"))
            .collect();
        for l in text.lines() {
            if let Some(i) = l.strip_prefix("auto ") {
                assert!(listed.contains(i), "{case}: {i} not listed:\n{out}");
            }
            if let Some(a) = l.trim().strip_prefix("address ") {
                let ip = a.split('/').next().unwrap();
                assert!(
                    out.lines()
                        .any(|o| o.contains("addr add") && o.contains(&format!("{ip}/"))),
                    "{case}: no `ip addr add {ip}`:\n{out}"
                );
            }
            if let Some(r) = l.trim().strip_prefix("up ") {
                assert!(out.lines().any(|o| o == r), "{case}: `{r}` not run:\n{out}");
            }
        }
    }
}

#[test]
fn netplan_generates_the_same_networkd_configuration_as_ours() {
    if !can_run("/usr/sbin/netplan") {
        return;
    }
    for case in ACCEPT_CASES {
        let root = rendered(case, "netplan");
        let (ok, out) = accept("netplan", &root, &[]);
        assert!(ok, "{case}: netplan generate failed or warned:\n{out}");
        // netplan's networkd files and ours say the same: addresses, routes, DNS, bonds,
        // VLAN ids, per interface.
        let ours = rendered(case, "networkd");
        let mut mine = BTreeSet::new();
        for (name, text) in tree(&ours.join("etc/systemd/network")) {
            let id = name
                .trim_start_matches("10-configdrive-")
                .rsplit_once('.')
                .unwrap()
                .0
                .to_string();
            for (s, k, v) in ini(&String::from_utf8(text).unwrap()) {
                if compared(&s, &k) {
                    mine.insert(format!("{id} {s} {k}={v}"));
                }
            }
        }
        let mut theirs = BTreeSet::new();
        let mut id = String::new();
        let mut section = String::new();
        for l in out.lines() {
            if let Some(f) = l.strip_prefix("### 10-netplan-") {
                id = f.rsplit_once('.').unwrap().0.to_string();
                continue;
            }
            if l.starts_with('[') {
                section = l.trim_matches(|c| c == '[' || c == ']').to_string();
            }
            if let Some((k, v)) = l.split_once('=') {
                let (s, k) = match (section.as_str(), k) {
                    // netplan writes addresses in [Network], we in [Address]; it matches
                    // the permanent MAC, we the current one (README).
                    ("Network", "Address") => ("Address".to_string(), k),
                    ("Match", "PermanentMACAddress") => ("Match".to_string(), "MACAddress"),
                    // netplan repeats a bond's or VLAN's MAC in its .network.
                    ("Link", "MACAddress") => continue,
                    (s, k) => (s.to_string(), k),
                };
                let v = if v == "true" { "yes" } else { v };
                if compared(&s, k) {
                    theirs.insert(format!("{id} {s} {k}={v}"));
                }
            }
        }
        assert_eq!(
            mine, theirs,
            "{case}: netplan's networkd output differs from ours"
        );
    }
}

/// The networkd keys the netplan comparison looks at: L3, membership, VLAN ids, MTU, MACs,
/// and every bond option.
fn compared(section: &str, key: &str) -> bool {
    section == "Bond"
        || [
            "Address",
            "Destination",
            "Gateway",
            "DNS",
            "Domains",
            "Bond",
            "Id",
            "VLAN",
            "MTUBytes",
            "MACAddress",
            "Metric",
            "GatewayOnLink",
            "DHCP",
        ]
        .contains(&key)
}

#[test]
fn ifcfg_files_apply_the_network_scripts_way() {
    if !can_run("/usr/bin/ip") && !can_run("/bin/ip") {
        return;
    }
    for case in ACCEPT_CASES {
        let root = rendered(case, "ifcfg");
        let nics = nics(case);
        let (ok, out) = accept("ifcfg", &root, &nics);
        assert!(ok, "{case}: ifcfg files could not be applied:\n{out}");
        let (addrs, routes) = networkd_facts(&rendered(case, "networkd"), &nics);
        applied(&out, &addrs, &routes, case);
    }
}
