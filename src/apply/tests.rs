//! The exact attributes apply sends to create bonds and VLANs (this machine's kernel has no
//! bonding or 8021q, so the VM harness proves them against a real kernel).

use super::*;
use crate::model::bond::{OPTIONS, find_option, parse_value};
use crate::model::{BondMode, BondOption, Link, NicMatch};
use crate::net::Mac;
use crate::text::text;
use std::vec::Vec as StdVec;

fn mac(s: &str) -> Mac {
    s.parse().unwrap()
}

fn link(id: &str, kind: LinkKind, master: Option<LinkIdx>) -> Link {
    Link {
        id: text(id).unwrap(),
        name: None,
        mtu: None,
        kind,
        master,
    }
}

/// Two NICs, a bond of both, a VLAN on the bond.
fn config() -> Config {
    let mut c = Config::new();
    for (id, m) in [("a", "fa:16:3e:00:00:01"), ("b", "fa:16:3e:00:00:02")] {
        let nic = NicMatch::Mac(mac(m));
        c.push_link(link(id, LinkKind::Physical { nic }, Some(2)))
            .unwrap();
    }
    let bond = LinkKind::Bond {
        mode: BondMode::Lacp,
        mac: Some(mac("fa:16:3e:00:00:0b")),
    };
    c.push_link(link("bond", bond, None)).unwrap();
    let vlan = LinkKind::Vlan {
        parent: 2,
        vid: 602,
        mac: Some(mac("fa:16:3e:00:00:0c")),
    };
    c.push_link(link("vlan", vlan, None)).unwrap();
    for (name, value) in [
        ("miimon", "100"),
        ("xmit_hash_policy", "layer3+4"),
        ("lacp_rate", "fast"),
        ("ad_actor_sys_prio", "65535"),
        ("ad_actor_system", "02:00:00:00:00:99"),
        ("arp_ip_target", "10.0.0.1,10.0.0.2"),
        ("use_carrier", "true"),
    ] {
        let def = find_option(name).unwrap();
        let value = parse_value(OPTIONS[def].ty, value).unwrap();
        c.push_bond_option(BondOption {
            bond: 2,
            def: def as u8,
            value,
        })
        .unwrap();
    }
    let primary = find_option("primary").unwrap();
    c.push_bond_option(BondOption {
        bond: 2,
        def: primary as u8,
        value: OptionValue::Interface(1),
    })
    .unwrap();
    c
}

/// ifindex of link l in these tests: 10 + l.
fn index(l: LinkIdx) -> u32 {
    10 + u32::from(l)
}

fn attrs(b: &[u8]) -> StdVec<(u16, StdVec<u8>)> {
    Attrs::new(b)
        .map(|a| a.map(|(k, v)| (k, v.to_vec())).unwrap())
        .collect()
}

/// Emits the request as a whole RTM_NEWLINK message and reads it back.
fn sent(req: &LinkRepr) -> StdVec<u8> {
    let mut buf = [0u8; 1024];
    let mut e = Emitter::new(&mut buf);
    e.begin(
        RTM_NEWLINK,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        9,
    );
    req.emit(&mut e);
    e.end();
    assert!(!e.overflowed());
    e.as_bytes().to_vec()
}

#[test]
fn a_bond_is_created_with_its_mode_options_and_mac() {
    let c = config();
    let mut data = [0u8; 512];
    let req = create_request(&c, 2, "bond0", &index, &mut data);
    let bytes = sent(&req);
    let p = Packet::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.kind(), RTM_NEWLINK);
    let got = LinkRepr::parse(p.payload()).unwrap();
    assert_eq!(got, req);
    assert_eq!(
        (got.name, got.kind, got.mac, got.link, got.index),
        (
            Some("bond0"),
            Some("bond"),
            Some(mac("fa:16:3e:00:00:0b")),
            None,
            0
        )
    );
    let mut arp = StdVec::new();
    arp.extend_from_slice(&[8, 0, 0, 0, 10, 0, 0, 1]);
    arp.extend_from_slice(&[8, 0, 1, 0, 10, 0, 0, 2]);
    let want: StdVec<(u16, StdVec<u8>)> = [
        (1, std::vec![4]),                     // IFLA_BOND_MODE 802.3ad (u8)
        (3, 100u32.to_ne_bytes().to_vec()),    // IFLA_BOND_MIIMON (u32)
        (14, std::vec![1]),                    // IFLA_BOND_XMIT_HASH_POLICY layer3+4 (u8)
        (21, std::vec![1]),                    // IFLA_BOND_AD_LACP_RATE fast (u8)
        (24, 65535u16.to_ne_bytes().to_vec()), // IFLA_BOND_AD_ACTOR_SYS_PRIO (u16)
        (26, std::vec![2, 0, 0, 0, 0, 0x99]),  // IFLA_BOND_AD_ACTOR_SYSTEM (6 bytes)
        (8, arp),                              // IFLA_BOND_ARP_IP_TARGET (nested be32s)
        (6, std::vec![1]),                     // IFLA_BOND_USE_CARRIER (u8)
        (11, index(1).to_ne_bytes().to_vec()), // IFLA_BOND_PRIMARY (ifindex, u32)
    ]
    .into_iter()
    .collect();
    assert_eq!(attrs(got.info_data.unwrap()), want);
    // IFLA_LINKINFO and IFLA_INFO_DATA are marked nested, as strict kernels want.
    let li = bytes
        .windows(4)
        .position(|w| w[2..] == (IFLA_LINKINFO | 0x8000).to_ne_bytes())
        .unwrap();
    assert!(li > 32);
}

#[test]
fn a_vlan_is_created_on_its_parent_with_its_id_and_mac() {
    let c = config();
    let mut data = [0u8; 512];
    let req = create_request(&c, 3, "bond0.602", &index, &mut data);
    let bytes = sent(&req);
    let got = LinkRepr::parse(Packet::new_checked(&bytes[..]).unwrap().payload()).unwrap();
    assert_eq!(
        (got.name, got.kind, got.link, got.mac),
        (
            Some("bond0.602"),
            Some("vlan"),
            Some(index(2)),
            Some(mac("fa:16:3e:00:00:0c"))
        )
    );
    assert_eq!(
        attrs(got.info_data.unwrap()),
        [(IFLA_VLAN_ID, 602u16.to_ne_bytes().to_vec())]
    );
    assert_eq!(got.vlan_id(), Some(602));
}

#[test]
fn bond_option_numbers_and_widths_match_the_kernel() {
    // include/uapi/linux/if_link.h (IFLA_BOND_*) and the kernel's bond_policy
    // (drivers/net/bonding/bond_netlink.c): NLA_U8 = 1, NLA_U16 = 2, NLA_U32 = 4;
    // 0 for the nested, binary and ifindex-valued options.
    let kernel: &[(&str, u16, u8)] = &[
        ("miimon", 3, 4),
        ("updelay", 4, 4),
        ("downdelay", 5, 4),
        ("use_carrier", 6, 1),
        ("arp_interval", 7, 4),
        ("arp_ip_target", 8, 0),
        ("arp_validate", 9, 4),
        ("arp_all_targets", 10, 4),
        ("primary", 11, 0),
        ("primary_reselect", 12, 1),
        ("fail_over_mac", 13, 1),
        ("xmit_hash_policy", 14, 1),
        ("resend_igmp", 15, 4),
        ("num_grat_arp", 16, 1),
        ("all_slaves_active", 17, 1),
        ("min_links", 18, 4),
        ("lp_interval", 19, 4),
        ("packets_per_slave", 20, 4),
        ("lacp_rate", 21, 1),
        ("ad_select", 22, 1),
        ("ad_actor_sys_prio", 24, 2),
        ("ad_user_port_key", 25, 2),
        ("ad_actor_system", 26, 0),
        ("tlb_dynamic_lb", 27, 1),
        ("peer_notif_delay", 28, 4),
        ("lacp_active", 29, 1),
    ];
    assert_eq!(OPTIONS.len(), kernel.len());
    for (name, ifla, width) in kernel {
        let d = &OPTIONS[find_option(name).unwrap()];
        assert_eq!((d.ifla, d.nl_width), (*ifla, *width), "{name}");
    }
}

/// Set in the environment of the copy of this test binary that
/// [`kernel_refusals_injected_into_a_batch_are_named_and_the_rest_applied`] runs: the
/// scratch directory.
const INJECT: &str = "CONFIGDRIVE_NET_INJECT_DIR";

/// Refuses the MTU change to 1450 and the route to 203.0.113.0/24 with EBUSY.
fn refuse_with_ebusy(p: &Packet<&[u8]>) -> i32 {
    let busy = match p.kind() {
        RTM_SETLINK => LinkRepr::parse(p.payload()).is_ok_and(|l| l.mtu == Some(1450)),
        RTM_NEWROUTE => RouteRepr::parse(p.payload())
            .is_ok_and(|r| r.dst == crate::net::parse_ip("203.0.113.0")),
        _ => false,
    };
    if busy { Errno::BUSY.raw_os_error() } else { 0 }
}

/// The apply run with the fault hook set, in the namespace the outer test made.
#[test]
#[ignore = "run by kernel_refusals_injected_into_a_batch_are_named_and_the_rest_applied"]
fn injected_refusals_inner() {
    let Ok(dir) = std::env::var(INJECT) else {
        return;
    };
    *crate::rtnl::fault::HOOK.lock().unwrap() = Some(refuse_with_ebusy);
    let c = |s: std::string::String| std::ffi::CString::new(s).unwrap();
    let drive = c(std::format!(
        "{}/tests/data/sample-drive",
        env!("CARGO_MANIFEST_DIR")
    ));
    let cmdline = c(std::format!("{dir}/cmdline"));
    let resolv = c(std::format!("{dir}/resolv.conf"));
    let argv = [
        c"configdrive-net",
        c"apply",
        c"--timeout",
        c"0",
        c"--drive",
        &drive,
        c"--cmdline",
        &cmdline,
        c"--resolv-conf",
        &resolv,
    ];
    let code = crate::cli::main(&argv, false);
    // Unit tests capture the log: hand it to the outer test on stderr.
    for (_, line) in crate::log::capture::take() {
        std::eprintln!("configdrive-net: {line}");
    }
    std::process::exit(code);
}

/// Kernel refusals this kernel cannot produce (EBUSY needs a bond, and it has no bonding)
/// are injected into the acknowledgements of one batch (rtnl::fault): each is reported
/// with its operation, interface and errno, the requests around it in the batch still take
/// effect, and the exit code is 1. Runs a copy of this test binary in a network namespace
/// with two veth NICs; needs root.
#[test]
fn kernel_refusals_injected_into_a_batch_are_named_and_the_rest_applied() {
    use std::process::Command;
    let root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")));
    if !root {
        std::eprintln!("not root: fault injection test skipped");
        return;
    }
    let name = std::format!("cdnu-inject-{}", std::process::id());
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cmdline"), "ro quiet\n").unwrap();
    struct Cleanup<'a>(&'a str, &'a std::path::Path);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            let _ = Command::new("ip").args(["netns", "del", self.0]).status();
            let _ = std::fs::remove_dir_all(self.1);
        }
    }
    let _cleanup = Cleanup(&name, &dir);
    let sh = |script: &str| {
        let o = Command::new("ip")
            .args(["netns", "exec", &name, "sh", "-ec", script])
            .output()
            .unwrap();
        assert!(o.status.success(), "{script}: {o:?}");
        std::string::String::from_utf8(o.stdout).unwrap()
    };
    assert!(
        Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .unwrap()
            .success()
    );
    sh(
        "sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
        ip link add name n0 address 02:cd:00:00:00:01 type veth peer name n0p
        ip link add name n1 address 02:cd:00:00:00:02 type veth peer name n1p
        ip link set dev n0p up
        ip link set dev n1p up",
    );
    let o = Command::new("ip")
        .args(["netns", "exec", &name, "unshare", "-u"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "apply::tests::injected_refusals_inner",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INJECT, &dir)
        .output()
        .unwrap();
    let err = std::string::String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for line in [
        "error: mtu n0 1450: EBUSY (device or resource busy)\n",
        "error: route 203.0.113.0/24 via 198.51.100.1 dev n1 proto static: EBUSY (device or resource busy)\n",
        "13 changes, 2 failed, 0 skipped",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    assert!(!err.contains("panic"), "{err}");
    // The refused requests did nothing; those around them in the batch took effect.
    let n0 = sh("ip -o link show dev n0");
    assert!(n0.contains(",UP,LOWER_UP> mtu 1500 "), "{n0}");
    let n1 = sh("ip -o link show dev n1");
    assert!(n1.contains(",UP,LOWER_UP> mtu 9000 "), "{n1}");
    let routes = sh("ip route show proto static");
    assert_eq!(
        routes,
        "default via 192.0.2.1 dev n0 \n10.20.0.0/16 via 172.16.0.1 dev n1 onlink \n"
    );
    assert!(sh("ip -o addr show dev n1").contains("inet 198.51.100.10/24"));
}
