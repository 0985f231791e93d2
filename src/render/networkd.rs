//! systemd-networkd: `10-configdrive-<if>.netdev` for bonds and VLANs and
//! `10-configdrive-<if>.network` for every link, in `etc/systemd/network` (or
//! `run/systemd/network`). Keys per systemd.network(5) and systemd.netdev(5) of systemd 252.
//!
//! Physical links match by `MACAddress=` plus `Type=ether` (a bond or VLAN carrying the same
//! MAC must not match); bonds and VLANs by `Name=`. Every `.network` says
//! `KeepConfiguration=static` so the addresses and `proto static` routes the initramfs set up
//! survive networkd's start.

use core::fmt::Write;

use super::{Cx, DNS4, DNS6, SEARCH, bond_value, l3, list, unsupported, w};
use crate::model::{LinkIdx, LinkKind, NicMatch};

pub fn render(cx: &mut Cx) {
    let cfg = cx.cfg;
    for (i, l) in cfg.links.iter().enumerate() {
        let i = i as LinkIdx;
        let name = cx.name(i);
        // The .netdev of a bond or VLAN.
        let (kind, mac) = match l.kind {
            LinkKind::Bond { mac, .. } => ("bond", mac),
            LinkKind::Vlan { mac, .. } => ("vlan", mac),
            LinkKind::Physical { .. } => ("", None),
        };
        if !kind.is_empty() {
            cx.begin();
            w!(cx, "[NetDev]\nName={name}\nKind={kind}");
            if let Some(m) = mac {
                w!(cx, "MACAddress={m}");
            }
            // At creation too: a VLAN's MTU is checked against its parent's then.
            if let Some(m) = l.mtu {
                w!(cx, "MTUBytes={m}");
            }
            match l.kind {
                LinkKind::Bond { mode, .. } => {
                    w!(cx, "\n[Bond]\nMode={mode}");
                    for o in cfg.options_of(i) {
                        match o.def().networkd {
                            // networkd sets `primary` on the member: PrimarySlave= below.
                            None if o.def().kernel == "primary" => {}
                            None => unsupported("networkd", o.def().kernel, name),
                            Some(key) => {
                                let _ = write!(cx, "{key}=");
                                bond_value(cx, o, " ", true);
                                w!(cx, "");
                            }
                        }
                    }
                }
                LinkKind::Vlan { vid, .. } => w!(cx, "\n[VLAN]\nId={vid}"),
                LinkKind::Physical { .. } => {}
            }
            cx.commit(format_args!("10-configdrive-{name}.netdev"), 0o644);
        }

        // The .network of every link.
        cx.begin();
        w!(cx, "[Match]");
        match &l.kind {
            LinkKind::Physical {
                nic: NicMatch::Mac(m),
            } => w!(cx, "MACAddress={m}\nType=ether"),
            _ => w!(cx, "Name={name}"),
        }
        if let Some(mtu) = l.mtu {
            w!(cx, "\n[Link]\nMTUBytes={mtu}");
        }
        w!(cx, "\n[Network]\nKeepConfiguration=static");
        if let Some(b) = l.master {
            w!(cx, "Bond={}", cx.name(b));
            let primary = cfg.options_of(b).any(|o| {
                o.value == crate::model::OptionValue::Interface(i) && o.def().kernel == "primary"
            });
            if primary {
                w!(cx, "PrimarySlave=yes");
            }
        } else {
            let f = l3(cfg, i);
            let dhcp = match (f.dhcp4, f.dhcp6) {
                (true, true) => "yes",
                (true, false) => "ipv4",
                (false, true) => "ipv6",
                _ => "",
            };
            if !dhcp.is_empty() {
                w!(cx, "DHCP={dhcp}");
            }
            w!(cx, "IPv6AcceptRA={}", if f.ra { "yes" } else { "no" });
            if !f.any {
                // Nothing to configure here (a VLAN parent, a bond with only VLANs): no
                // link-local addresses either.
                w!(cx, "LinkLocalAddressing=no");
            }
            list(cx, i, DNS4 | DNS6, "DNS=", "\nDNS=", "\n");
            list(cx, i, SEARCH, "Domains=", " ", "\n");
            for (v, vl) in cfg.links.iter().enumerate() {
                if matches!(vl.kind, LinkKind::Vlan { parent, .. } if parent == i) {
                    w!(cx, "VLAN={}", cx.name(v as LinkIdx));
                }
            }
            super::each_addr(cfg, i, &mut |a| w!(cx, "\n[Address]\nAddress={a}"));
            super::each_route(cfg, i, &mut |r| {
                w!(cx, "\n[Route]\nDestination={}", r.dest);
                if let Some(g) = r.gateway {
                    w!(cx, "Gateway={g}");
                }
                if let Some(m) = r.metric {
                    w!(cx, "Metric={m}");
                }
                if r.on_link {
                    w!(cx, "GatewayOnLink=yes");
                }
            });
        }
        cx.commit(format_args!("10-configdrive-{name}.network"), 0o644);
    }
}
