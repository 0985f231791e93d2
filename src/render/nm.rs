//! NetworkManager keyfiles: `configdrive-<if>.nmconnection`, mode 0600, in
//! `etc/NetworkManager/system-connections` (or `run/NetworkManager/system-connections`).
//! Keys per nm-settings-keyfile(5) of NetworkManager 1.42.
//!
//! A physical link is bound to its NIC by `ethernet.mac-address` (NetworkManager compares
//! the permanent MAC); bonds and VLANs by `interface-name`. Members name their bond in
//! `connection.master`. No `uuid`: NetworkManager derives a stable one from the file path.
//! `autoconnect-priority=120` (as cloud-init writes): a device picks these over the profiles
//! NetworkManager makes by itself, such as nm-initrd-generator's DHCP `default_connection`
//! in an initramfs or "Wired connection 1" in the real root, whose priority is 0.

use core::fmt::Write;

use super::{Cx, bond_value, l3, w};
use crate::model::{LinkIdx, LinkKind, NicMatch};

pub fn render(cx: &mut Cx) {
    let cfg = cx.cfg;
    for (i, l) in cfg.links.iter().enumerate() {
        let i = i as LinkIdx;
        let name = cx.name(i);
        cx.begin();
        let ty = match l.kind {
            LinkKind::Physical { .. } => "ethernet",
            LinkKind::Bond { .. } => "bond",
            LinkKind::Vlan { .. } => "vlan",
        };
        w!(
            cx,
            "[connection]\nid=configdrive-{name}\ntype={ty}\nautoconnect-priority=120"
        );
        let mac = match &l.kind {
            LinkKind::Physical {
                nic: NicMatch::Mac(m),
            } => Some(*m),
            _ => {
                w!(cx, "interface-name={name}");
                None
            }
        };
        if let Some(b) = l.master {
            w!(cx, "master={}\nslave-type=bond", cx.name(b));
        }
        let cloned = if l.is_physical() {
            None
        } else {
            l.configured_mac()
        };
        if mac.is_some() || cloned.is_some() || l.mtu.is_some() {
            w!(cx, "\n[ethernet]");
            if let Some(m) = mac {
                w!(cx, "mac-address={m}");
            }
            if let Some(m) = cloned {
                w!(cx, "cloned-mac-address={m}");
            }
            if let Some(m) = l.mtu {
                w!(cx, "mtu={m}");
            }
        }
        match l.kind {
            LinkKind::Bond { mode, .. } => {
                w!(cx, "\n[bond]\nmode={mode}");
                for o in cfg.options_of(i) {
                    let _ = write!(cx, "{}=", o.def().kernel);
                    bond_value(cx, o, ",", false);
                    w!(cx, "");
                }
            }
            LinkKind::Vlan { parent, vid, .. } => {
                w!(cx, "\n[vlan]\nid={vid}\nparent={}", cx.name(parent));
            }
            LinkKind::Physical { .. } => {}
        }
        if l.master.is_none() {
            let f = l3(cfg, i);
            let m4 = match (f.v4, f.dhcp4) {
                (_, true) => "auto",
                (true, false) => "manual",
                _ => "disabled",
            };
            let m6 = match (f.v6, f.ra) {
                (_, true) => "auto",
                (true, false) => "manual",
                _ => "disabled",
            };
            family(cx, i, true, m4, m4 != "disabled" || m6 == "disabled");
            family(cx, i, false, m6, m4 == "disabled" && m6 != "disabled");
        }
        cx.commit(format_args!("configdrive-{name}.nmconnection"), 0o600);
    }
}

/// The `[ipv4]` or `[ipv6]` section: method, addresses, routes, DNS of that family, and the
/// search domains when `domains`.
fn family(cx: &mut Cx, l: LinkIdx, v4: bool, method: &str, domains: bool) {
    let cfg = cx.cfg;
    w!(cx, "\n[ipv{}]\nmethod={method}", if v4 { 4 } else { 6 });
    let mut n = 0;
    super::each_addr(cfg, l, &mut |a| {
        if a.is_ipv4() == v4 {
            n += 1;
            w!(cx, "address{n}={a}");
        }
    });
    let mut n = 0;
    super::each_route(cfg, l, &mut |r| {
        if r.dest.is_ipv4() != v4 {
            return;
        }
        n += 1;
        let _ = write!(cx, "route{n}={}", r.dest);
        if r.gateway.is_some() || r.metric.is_some() {
            let unspec = if v4 { "0.0.0.0" } else { "::" };
            match r.gateway {
                Some(g) => {
                    let _ = write!(cx, ",{g}");
                }
                None => {
                    let _ = write!(cx, ",{unspec}");
                }
            }
        }
        if let Some(m) = r.metric {
            let _ = write!(cx, ",{m}");
        }
        w!(cx, "");
        if r.on_link {
            w!(cx, "route{n}_options=onlink=true");
        }
    });
    // NetworkManager refuses DNS on a disabled family (a v4 server on a v6-only link).
    if method != "disabled" {
        let fam = if v4 { super::DNS4 } else { super::DNS6 };
        super::list(cx, l, fam, "dns=", ";", ";\n");
    }
    if domains {
        super::list(cx, l, super::SEARCH, "dns-search=", ";", ";\n");
    }
}
