//! ifupdown: one file, `etc/network/interfaces.d/configdrive`, with a stanza per network
//! (interfaces(5) of ifupdown 0.8; bond options for ifenslave, VLANs for vlan). The name
//! has no dot so both `source interfaces.d/*` and `source-directory interfaces.d` (which
//! only takes run-parts names) include it; whether `etc/network/interfaces` does is
//! checked and reported.
//!
//! ifupdown names interfaces, it cannot match a MAC: the names come from the running system.
//! Link settings (MTU, MAC, bond, VLAN, DNS) go in the link's first stanza; routes are
//! `up ip route replace … proto static` lines in the stanza of their network.

use core::fmt::Write;

use super::{Cx, bond_value, w};
use crate::model::{LinkIdx, LinkKind, NetKind};

pub fn render(cx: &mut Cx) {
    check_source(cx);
    let cfg = cx.cfg;
    cx.begin();
    crate::plan::link_order(cfg, &mut |i| link(cx, i));
    cx.commit(format_args!("configdrive"), 0o644);
}

fn link(cx: &mut Cx, i: LinkIdx) {
    let cfg = cx.cfg;
    let l = cfg.link(i);
    let name = cx.name(i);
    let _ = writeln!(cx);
    if l.master.is_none() {
        w!(cx, "auto {name}");
    }
    let mut first = true;
    let mut nets = cfg.networks_of(i).filter(|_| l.master.is_none()).peekable();
    if nets.peek().is_none() {
        w!(cx, "iface {name} inet manual");
        settings(cx, i);
    }
    for (n, net) in nets {
        let (fam, method) = match net.kind {
            NetKind::Static if net.address.is_some_and(|a| a.is_ipv4()) => ("", "static"),
            NetKind::Static => ("6", "static"),
            NetKind::Dhcp4 => ("", "dhcp"),
            NetKind::Slaac | NetKind::Dhcpv6Stateless => ("6", "auto"),
            NetKind::Dhcp6 | NetKind::Dhcpv6Stateful => ("6", "dhcp"),
        };
        w!(cx, "iface {name} inet{fam} {method}");
        if let (NetKind::Static, Some(a)) = (net.kind, net.address) {
            w!(cx, "    address {a}");
        }
        if net.kind == NetKind::Dhcpv6Stateless {
            w!(cx, "    dhcp 1");
        }
        if first {
            settings(cx, i);
            first = false;
        }
        super::each_route(cfg, i, &mut |r| {
            if r.network != n {
                return;
            }
            let _ = write!(cx, "    up ip route replace {}", r.dest);
            if let Some(g) = r.gateway {
                let _ = write!(cx, " via {g}");
            }
            let _ = write!(cx, " dev {name}");
            if let Some(m) = r.metric {
                let _ = write!(cx, " metric {m}");
            }
            if r.on_link {
                let _ = cx.write_str(" onlink");
            }
            w!(cx, " proto static");
        });
    }
}

/// Link settings, written once per link.
fn settings(cx: &mut Cx, i: LinkIdx) {
    let cfg = cx.cfg;
    let l = cfg.link(i);
    if let Some(m) = l.mtu {
        w!(cx, "    mtu {m}");
    }
    if let (Some(m), false) = (l.configured_mac(), l.is_physical()) {
        w!(cx, "    hwaddress {m}");
    }
    match l.kind {
        LinkKind::Bond { mode, .. } => {
            let _ = cx.write_str("    bond-slaves");
            for (s, _) in cfg.slaves_of(i) {
                let _ = write!(cx, " {}", cx.name(s));
            }
            w!(cx, "\n    bond-mode {mode}");
            for o in cfg.options_of(i) {
                let _ = cx.write_str("    bond-");
                for c in o.def().kernel.chars() {
                    let _ = cx.write_char(if c == '_' { '-' } else { c });
                }
                let _ = cx.write_char(' ');
                bond_value(cx, o, ",", false);
                w!(cx, "");
            }
        }
        LinkKind::Vlan { parent, .. } => w!(cx, "    vlan-raw-device {}", cx.name(parent)),
        LinkKind::Physical { .. } => {}
    }
    if let Some(b) = l.master {
        w!(cx, "    bond-master {}", cx.name(b));
    }
    use super::{DNS4, DNS6, SEARCH, list};
    list(cx, i, DNS4 | DNS6, "    dns-nameservers ", " ", "\n");
    list(cx, i, SEARCH, "    dns-search ", " ", "\n");
}

/// Reports when `etc/network/interfaces` does not include `interfaces.d/configdrive`.
fn check_source(cx: &mut Cx) {
    let mut buf = [0u8; 4096];
    let n = cx
        .root
        .read("etc/network/interfaces", &mut buf)
        .unwrap_or(0);
    let text = core::str::from_utf8(&buf[..n]).unwrap_or("");
    let included = text.lines().any(|line| {
        let mut w = line.split_whitespace();
        let (Some(kw), Some(arg)) = (w.next(), w.next()) else {
            return false;
        };
        let arg = arg.strip_prefix("/etc/network/").unwrap_or(arg);
        matches!(
            (kw, arg),
            ("source", "interfaces.d/*" | "interfaces.d/configdrive")
                | ("source-directory", "interfaces.d" | "interfaces.d/")
        )
    });
    if !included {
        cx.sum.failed += 1;
        crate::error!(
            "{}/etc/network/interfaces does not include interfaces.d/configdrive: add `source /etc/network/interfaces.d/*`",
            cx.root_path
        );
    }
}
