//! The bounds allow the benchmark's scale cases (benches/bench.py): a configuration at
//! `MAX_NETWORKS` addresses and `MAX_ROUTES` routes is applied whole on this machine's kernel
//! (veth NICs in a namespace the test creates) and a second run finds everything in place;
//! 256 VLANs on one NIC are planned (this kernel has no 802.1q: the VM benchmark creates
//! them). Needs root for the namespace part: without it that test says so and passes.

use configdrive_net::limits::{MAX_LINKS, MAX_NETWORKS, MAX_ROUTES};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");
const NICS: usize = 4;

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")))
        .unwrap_or(false)
}

fn run(c: &mut Command) -> Output {
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn write_drive(dir: &Path, network_data: &str) -> PathBuf {
    let d = dir.join("drive/openstack/latest");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("network_data.json"), network_data).unwrap();
    dir.join("drive")
}

fn mac(i: usize) -> String {
    format!("02:5c:00:00:00:{i:02x}")
}

/// `addrs` addresses over four NICs (alternately IPv4 /24 and IPv6 /64) and `routes` routes,
/// each via a gateway in its network's subnet: the shape of the benchmark's scale case.
fn addresses_and_routes(addrs: usize, routes: usize) -> String {
    let mut links = String::new();
    for i in 0..NICS {
        let sep = if i > 0 { "," } else { "" };
        write!(
            links,
            r#"{sep}{{"id": "l{i}", "type": "phy", "ethernet_mac_address": "{}"}}"#,
            mac(i)
        )
        .unwrap();
    }
    let mut nets = String::new();
    for n in 0..addrs {
        let (i, j) = (n % NICS, n / NICS);
        let k = j / 2;
        let sep = if n > 0 { "," } else { "" };
        let with_route = n < routes;
        if j % 2 == 0 {
            let r = if with_route {
                format!(
                    r#", "routes": [{{"network": "172.{}.{k}.0", "netmask": "255.255.255.0", "gateway": "10.{i}.{k}.1"}}]"#,
                    16 + i
                )
            } else {
                String::new()
            };
            write!(nets, r#"{sep}{{"id": "n{n}", "type": "ipv4", "link": "l{i}", "ip_address": "10.{i}.{k}.10", "netmask": "255.255.255.0"{r}}}"#).unwrap();
        } else {
            let r = if with_route {
                format!(
                    r#", "routes": [{{"network": "2001:db8:ff{i:02x}:{k:x}::", "netmask": "64", "gateway": "2001:db8:{i}:{k:x}::1"}}]"#
                )
            } else {
                String::new()
            };
            write!(nets, r#"{sep}{{"id": "n{n}", "type": "ipv6", "link": "l{i}", "ip_address": "2001:db8:{i}:{k:x}::10", "netmask": "64"{r}}}"#).unwrap();
        }
    }
    format!(r#"{{"links": [{links}], "networks": [{nets}]}}"#)
}

/// A throwaway network and UTS namespace (unshare), running `script` in sh.
fn in_ns(script: &str) -> Output {
    Command::new("unshare")
        .args(["-n", "-u", "sh", "-c", script])
        .output()
        .unwrap()
}

#[test]
fn addresses_and_routes_at_their_bounds_are_applied_and_found_again() {
    if !is_root() {
        eprintln!("not root: namespace test skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("cdn-scale-{}", std::process::id()));
    let drive = write_drive(&dir, &addresses_and_routes(MAX_NETWORKS, MAX_ROUTES));
    let mut script = String::from("set -e\nsysctl -qw net.ipv6.conf.default.accept_dad=0\n");
    for i in 0..NICS {
        writeln!(
            script,
            "ip link add name s{i} address {} type veth peer name p{i}; ip link set p{i} up",
            mac(i)
        )
        .unwrap();
    }
    let apply = format!(
        "{BIN} apply --drive {} --cmdline /dev/null --resolv-conf {} --timeout 5",
        drive.display(),
        dir.join("resolv.conf").display()
    );
    // Each run's log line with its counts, then what the kernel holds.
    write!(
        script,
        "{apply} 2>&1 | grep -E 'changes|error'\n{apply} 2>&1 | grep -E 'changes|error'\n\
         echo addresses $(ip -o addr show scope global | wc -l)\n\
         echo routes $(( $(ip -4 route show proto static | wc -l) + $(ip -6 route show proto static | wc -l) ))\n"
    )
    .unwrap();
    let o = in_ns(&script);
    let out = String::from_utf8_lossy(&o.stdout);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].ends_with("changes, 0 failed, 0 skipped"),
        "first run: {out}"
    );
    assert!(
        lines[1].contains("0 changes, 0 failed, 0 skipped"),
        "second run: {out}"
    );
    assert_eq!(lines[2], format!("addresses {MAX_NETWORKS}"), "{out}");
    assert_eq!(lines[3], format!("routes {MAX_ROUTES}"), "{out}");
}

#[test]
fn two_hundred_and_fifty_six_vlans_on_one_nic_are_planned() {
    const VLANS: usize = 256;
    const { assert!(VLANS < MAX_LINKS) };
    let mut links = format!(
        r#"{{"id": "p", "type": "phy", "ethernet_mac_address": "{}"}}"#,
        mac(0)
    );
    let mut nets = String::new();
    for v in 1..=VLANS {
        write!(
            links,
            r#",{{"id": "v{v}", "type": "vlan", "vlan_link": "p", "vlan_id": {v}}}"#
        )
        .unwrap();
        let sep = if v > 1 { "," } else { "" };
        write!(nets, r#"{sep}{{"id": "n{v}", "type": "ipv4", "link": "v{v}", "ip_address": "10.{}.{}.10", "netmask": "255.255.255.0"}}"#, 100 + v / 256, v % 256).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("cdn-vlans-{}", std::process::id()));
    let drive = write_drive(
        &dir,
        &format!(r#"{{"links": [{links}], "networks": [{nets}]}}"#),
    );
    let o = run(Command::new(BIN)
        .arg("plan")
        .arg("--drive")
        .arg(&drive)
        .args(["--cmdline", "/dev/null"]));
    let _ = std::fs::remove_dir_all(&dir);
    let out = String::from_utf8_lossy(&o.stdout);
    let vlans = out.lines().filter(|l| l.starts_with("vlan ")).count();
    let addrs = out.lines().filter(|l| l.starts_with("address ")).count();
    assert_eq!((vlans, addrs), (VLANS, VLANS), "{out}");
    assert!(out.contains("vlan eth0.4 link eth0 id 4\n"), "{out}");
}
