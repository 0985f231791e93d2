//! netplan: one file, `etc/netplan/50-configdrive.yaml` (or `run/netplan/…`), mode 0600
//! (netplan warns about readable files). Physical links are `ethernets` matched by
//! `macaddress`, keyed by their interface name (an id only: no `set-name`, nothing is
//! renamed); `bonds` list their members by that id; `vlans` name their `link`.
//! No `renderer:` key: the image's own netplan files choose networkd or NetworkManager.

use core::fmt::Write;

use super::{Cx, bond_value, l3, unsupported, w};
use crate::model::{LinkIdx, LinkKind, NicMatch};

pub fn render(cx: &mut Cx) {
    let cfg = cx.cfg;
    cx.begin();
    w!(cx, "network:\n  version: 2");
    for (section, want) in [("ethernets", 0u8), ("bonds", 1), ("vlans", 2)] {
        let mut header = false;
        for (i, l) in cfg.links.iter().enumerate() {
            let kind = match l.kind {
                LinkKind::Physical { .. } => 0,
                LinkKind::Bond { .. } => 1,
                LinkKind::Vlan { .. } => 2,
            };
            if kind != want {
                continue;
            }
            if !header {
                w!(cx, "  {section}:");
                header = true;
            }
            link(cx, i as LinkIdx);
        }
    }
    cx.commit(format_args!("50-configdrive.yaml"), 0o600);
}

fn link(cx: &mut Cx, i: LinkIdx) {
    let cfg = cx.cfg;
    let l = cfg.link(i);
    let name = cx.name(i);
    w!(cx, "    \"{name}\":");
    match l.kind {
        LinkKind::Physical {
            nic: NicMatch::Mac(m),
        } => w!(cx, "      match:\n        macaddress: \"{m}\""),
        LinkKind::Physical { .. } => w!(cx, "      match:\n        name: \"{name}\""),
        LinkKind::Bond { mac, .. } | LinkKind::Vlan { mac, .. } => {
            if let Some(m) = mac {
                w!(cx, "      macaddress: \"{m}\"");
            }
        }
    }
    if let Some(m) = l.mtu {
        w!(cx, "      mtu: {m}");
    }
    match l.kind {
        LinkKind::Bond { mode, .. } => {
            let _ = cx.write_str("      interfaces: [");
            for (k, (s, _)) in cfg.slaves_of(i).enumerate() {
                let _ = write!(cx, "{}\"{}\"", if k > 0 { ", " } else { "" }, cx.name(s));
            }
            w!(cx, "]\n      parameters:\n        mode: \"{mode}\"");
            for o in cfg.options_of(i) {
                let Some(key) = o.def().netplan else {
                    unsupported("netplan", o.def().kernel, name);
                    continue;
                };
                let list = matches!(o.value, crate::model::OptionValue::Ipv4List { .. });
                let q = if list { ["[\"", "\"]"] } else { ["\"", "\""] };
                let _ = write!(cx, "        {key}: {}", q[0]);
                bond_value(cx, o, "\", \"", false);
                w!(cx, "{}", q[1]);
            }
        }
        LinkKind::Vlan { parent, vid, .. } => {
            w!(cx, "      id: {vid}\n      link: \"{}\"", cx.name(parent));
        }
        LinkKind::Physical { .. } => {}
    }
    if l.master.is_some() {
        return;
    }
    let f = l3(cfg, i);
    w!(cx, "      dhcp4: {}\n      dhcp6: {}", f.dhcp4, f.dhcp6);
    w!(cx, "      accept-ra: {}", f.ra);
    if !f.any {
        w!(cx, "      link-local: []");
    }
    let mut head = "      addresses:\n";
    super::each_addr(cfg, i, &mut |a| {
        w!(cx, "{head}        - \"{a}\"");
        head = "";
    });
    let mut head = "      routes:\n";
    super::each_route(cfg, i, &mut |r| {
        w!(cx, "{head}        - to: \"{}\"", r.dest);
        head = "";
        if let Some(g) = r.gateway {
            w!(cx, "          via: \"{g}\"");
        }
        if let Some(m) = r.metric {
            w!(cx, "          metric: {m}");
        }
        if r.on_link {
            w!(cx, "          on-link: true");
        }
    });
    use super::{DNS4, DNS6, SEARCH, list};
    let mut any = false;
    super::each_name(cfg, i, DNS4 | DNS6, &mut |_| any = true);
    super::each_name(cfg, i, SEARCH, &mut |_| any = true);
    if any {
        w!(cx, "      nameservers:");
        list(
            cx,
            i,
            DNS4 | DNS6,
            "        addresses: [\"",
            "\", \"",
            "\"]\n",
        );
        list(cx, i, SEARCH, "        search: [\"", "\", \"", "\"]\n");
    }
}
