//! RHEL sysconfig: `ifcfg-<if>`, `route-<if>` and `route6-<if>` in
//! `etc/sysconfig/network-scripts`, read by network-scripts (initscripts) and by
//! NetworkManager's ifcfg-rh plugin. Prefix lengths everywhere (`PREFIX=`, `a/64`, routes
//! as `dest/len via gw`), never hex masks. No runtime form.
//!
//! The first default route of a family without metric or on-link flag (a link-local IPv6
//! gateway is on-link anyway) becomes
//! `GATEWAY=`/`IPV6_DEFAULTGW=`; every other route goes to the route file in the `ip route`
//! argument format both readers accept.

use core::fmt::Write;

use super::{Cx, bond_value, l3, w};
use crate::model::{LinkIdx, LinkKind, NicMatch, Route};

pub fn render(cx: &mut Cx) {
    let cfg = cx.cfg;
    for (i, l) in cfg.links.iter().enumerate() {
        let i = i as LinkIdx;
        let name = cx.name(i);
        cx.begin();
        let ty = match l.kind {
            LinkKind::Physical { .. } => "Ethernet",
            LinkKind::Bond { .. } => "Bond",
            LinkKind::Vlan { .. } => "Vlan",
        };
        w!(cx, "DEVICE={name}\nTYPE={ty}\nONBOOT=yes");
        match &l.kind {
            LinkKind::Physical {
                nic: NicMatch::Mac(m),
            } => w!(cx, "HWADDR={m}"),
            LinkKind::Bond { mac, mode } => {
                if let Some(m) = mac {
                    w!(cx, "MACADDR={m}");
                }
                let _ = write!(cx, "BONDING_MASTER=yes\nBONDING_OPTS=\"mode={mode}");
                for o in cfg.options_of(i) {
                    let _ = write!(cx, " {}=", o.def().kernel);
                    bond_value(cx, o, ",", false);
                }
                w!(cx, "\"");
            }
            LinkKind::Vlan {
                parent, vid, mac, ..
            } => {
                if let Some(m) = mac {
                    w!(cx, "MACADDR={m}");
                }
                w!(cx, "VLAN=yes\nPHYSDEV={}\nVLAN_ID={vid}", cx.name(*parent));
            }
            LinkKind::Physical { .. } => {}
        }
        if let Some(m) = l.mtu {
            w!(cx, "MTU={m}");
        }
        let f = l3(cfg, i);
        let (mut gw4, mut gw6) = (None::<&Route>, None::<&Route>);
        if let Some(b) = l.master {
            w!(cx, "BOOTPROTO=none\nMASTER={}\nSLAVE=yes", cx.name(b));
        } else {
            w!(cx, "BOOTPROTO={}", if f.dhcp4 { "dhcp" } else { "none" });
            let (mut n4, mut n6) = (0, 0);
            super::each_addr(cfg, i, &mut |a| {
                if a.is_ipv4() {
                    let k = Index(n4);
                    n4 += 1;
                    w!(cx, "IPADDR{k}={}\nPREFIX{k}={}", a.addr, a.prefix);
                }
            });
            super::each_route(cfg, i, &mut |r| {
                let slot = if r.dest.is_ipv4() { &mut gw4 } else { &mut gw6 };
                // On-link is implied for a link-local IPv6 gateway; others need the route file.
                let ll = matches!(r.gateway, Some(crate::net::IpAddr::V6(g)) if crate::net::is_link_local_v6(&g));
                if slot.is_none() && r.dest.is_default() && r.metric.is_none() && (!r.on_link || ll)
                {
                    *slot = Some(r);
                }
            });
            if let Some(g) = gw4.and_then(|r| r.gateway) {
                w!(cx, "DEFROUTE=yes\nGATEWAY={g}");
            }
            if f.v6 || f.ra {
                let auto = if f.slaac { "yes" } else { "no" };
                w!(cx, "IPV6INIT=yes\nIPV6_AUTOCONF={auto}");
                if f.dhcp6 || f.stateless {
                    w!(cx, "DHCPV6C=yes");
                }
                if f.stateless {
                    w!(cx, "DHCPV6C_OPTIONS=-S");
                }
                if f.dhcp6 {
                    // Stateful DHCPv6 still needs RAs for the default route.
                    w!(cx, "IPV6_FORCE_ACCEPT_RA=yes");
                }
            }
            super::each_addr(cfg, i, &mut |a| {
                if !a.is_ipv4() {
                    let _ = match n6 {
                        0 => writeln!(cx, "IPV6ADDR={a}"),
                        1 => write!(cx, "IPV6ADDR_SECONDARIES=\"{a}"),
                        _ => write!(cx, " {a}"),
                    };
                    n6 += 1;
                }
            });
            if n6 > 1 {
                w!(cx, "\"");
            }
            if let Some(g) = gw6.and_then(|r| r.gateway) {
                w!(cx, "IPV6_DEFAULTGW={g}");
            }
            let mut n = 0;
            super::each_name(cfg, i, super::DNS4 | super::DNS6, &mut |a| {
                n += 1;
                w!(cx, "DNS{n}={a}");
            });
            super::list(cx, i, super::SEARCH, "DOMAIN=\"", " ", "\"\n");
        }
        cx.commit(format_args!("ifcfg-{name}"), 0o644);
        for (v4, file) in [(true, "route"), (false, "route6")] {
            let gw = if v4 { gw4 } else { gw6 };
            let mut any = false;
            super::each_route(cfg, i, &mut |r| {
                if r.dest.is_ipv4() != v4
                    || gw.is_some_and(|g| core::ptr::eq(g, r))
                    || l.master.is_some()
                {
                    return;
                }
                if !any {
                    cx.begin();
                    any = true;
                }
                let _ = write!(cx, "{}", r.dest);
                if let Some(g) = r.gateway {
                    let _ = write!(cx, " via {g}");
                }
                let _ = write!(cx, " dev {name}");
                if let Some(m) = r.metric {
                    let _ = write!(cx, " metric {m}");
                }
                w!(cx, "{}", if r.on_link { " onlink" } else { "" });
            });
            if any {
                cx.commit(format_args!("{file}-{name}"), 0o644);
            }
        }
    }
}

/// The index suffix of `IPADDR`/`PREFIX`: none for the first, then 1, 2, …
struct Index(usize);

impl core::fmt::Display for Index {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 > 0 {
            write!(f, "{}", self.0)?;
        }
        Ok(())
    }
}
