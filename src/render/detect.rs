//! `--format auto`: which network stack the root uses, from what it has installed AND
//! enabled. The first stack in this order with both wins (README, "`--format auto`"):
//!
//! 1. netplan: the `netplan` command, and its systemd generator (which runs at every boot,
//!    so installed is enabled). Netplan first because, where present, it is the layer that
//!    owns the networkd or NetworkManager configuration below it.
//! 2. NetworkManager: `NetworkManager`, and its unit enabled (a `multi-user.target.wants`
//!    link or the `dbus-org.freedesktop.NetworkManager.service` alias in /etc/systemd/system).
//! 3. systemd-networkd: `systemd-networkd`, and its service or socket enabled.
//! 4. ifupdown: `ifup`, and `networking.service` enabled.
//! 5. ifcfg (network-scripts): the `network` init script, and it enabled (SysV runlevel 3
//!    link or a systemd wants link).

use super::{ENI, IFCFG, NETPLAN, NETWORKD, NM};
use crate::write::Root;

const W: &str = "etc/systemd/system/";

/// (format, name, installed: any of, enabled: any of). Paths are relative to the root;
/// `W` + name is a link in /etc/systemd/system.
const STACKS: &[(u8, &str, &[&str], &[&str])] = &[
    (
        NETPLAN,
        "netplan",
        &["usr/sbin/netplan", "sbin/netplan"],
        &[
            "usr/lib/systemd/system-generators/netplan",
            "lib/systemd/system-generators/netplan",
        ],
    ),
    (
        NM,
        "NetworkManager",
        &["usr/sbin/NetworkManager", "sbin/NetworkManager"],
        &[
            "*multi-user.target.wants/NetworkManager.service",
            "*dbus-org.freedesktop.NetworkManager.service",
        ],
    ),
    (
        NETWORKD,
        "systemd-networkd",
        &[
            "usr/lib/systemd/systemd-networkd",
            "lib/systemd/systemd-networkd",
        ],
        &[
            "*multi-user.target.wants/systemd-networkd.service",
            "*sockets.target.wants/systemd-networkd.socket",
            "*dbus-org.freedesktop.network1.service",
        ],
    ),
    (
        ENI,
        "ifupdown",
        &["usr/sbin/ifup", "sbin/ifup"],
        &[
            "*multi-user.target.wants/networking.service",
            "*network-online.target.wants/networking.service",
        ],
    ),
    (
        IFCFG,
        "network-scripts",
        &["etc/rc.d/init.d/network"],
        &[
            "etc/rc.d/rc3.d/S10network",
            "*multi-user.target.wants/network.service",
        ],
    ),
];

fn any(root: &Root, paths: &[&str]) -> bool {
    for p in paths {
        let mut full: crate::text::Text<96> = crate::text::Text::new();
        let rel = match p.strip_prefix('*') {
            Some(unit) => {
                let _ = full.push_str(W);
                let _ = full.push_str(unit);
                full.as_str()
            }
            None => p,
        };
        if root.exists(rel) {
            return true;
        }
    }
    false
}

/// The format bit of the stack the root uses, or 0 (logged) when none is installed and
/// enabled.
pub fn detect(root: &Root, root_path: &str) -> u8 {
    for (bit, name, installed, enabled) in STACKS {
        let i = any(root, installed);
        let e = i && any(root, enabled);
        crate::debug!(
            "--format auto: {name}: {}",
            match (i, e) {
                (true, true) => "installed and enabled",
                (true, false) => "installed, not enabled",
                _ => "not installed",
            }
        );
        if e {
            crate::info!("--format auto: {root_path} uses {name}");
            return *bit;
        }
    }
    crate::error!(
        "--format auto: no network stack installed and enabled in {root_path} (looked for netplan, NetworkManager, systemd-networkd, ifupdown, network-scripts); give --format"
    );
    0
}
