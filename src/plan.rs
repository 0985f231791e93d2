//! The ordered operations that configure the network: `plan` prints them, `apply` runs
//! them, so a dry run shows exactly what a real run does.
//!
//! Order, which the kernel needs:
//! 1. MTU of physical links (bond members before their bond, parents before VLANs);
//! 2. bonds: created with mode, options and MAC, members enslaved, then their MTU (their
//!    own, else their members': the kernel gives a bond's MTU to its members);
//! 3. VLANs, parents first, then their MTU;
//! 4. IPv6 router-advertisement sysctls (before the link is up, so the first RA counts);
//! 5. links up;
//! 6. addresses; 7. routes; 8. hostname; 9. resolv.conf.
//!
//! DHCP networks are not operations: the initramfs does not run a DHCP client; they are
//! reported and left to the rendered configuration.

use core::fmt;

use crate::model::bond::KernelValue;
use crate::model::{Config, LinkIdx, LinkKind, NetIdx, NetKind, RouteIdx};
use crate::naming::Names;
use crate::net::Ip;

/// An IPv6 per-interface sysctl (`/proc/sys/net/ipv6/conf/<if>/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sysctl {
    AcceptRa,
    Autoconf,
}

impl Sysctl {
    pub fn name(self) -> &'static str {
        match self {
            Sysctl::AcceptRa => "accept_ra",
            Sysctl::Autoconf => "autoconf",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    SetMtu {
        link: LinkIdx,
        mtu: u32,
    },
    CreateBond {
        link: LinkIdx,
    },
    Enslave {
        slave: LinkIdx,
        bond: LinkIdx,
    },
    CreateVlan {
        link: LinkIdx,
    },
    Sysctl {
        link: LinkIdx,
        key: Sysctl,
        value: u8,
    },
    Up {
        link: LinkIdx,
    },
    AddAddress {
        network: NetIdx,
    },
    AddRoute {
        route: RouteIdx,
    },
    SetHostname,
    WriteResolvConf,
}

impl Op {
    /// The link this operation acts on (for skipping what depends on an absent NIC).
    pub fn links(&self, cfg: &Config) -> [Option<LinkIdx>; 2] {
        match *self {
            Op::SetMtu { link, .. }
            | Op::CreateBond { link }
            | Op::CreateVlan { link }
            | Op::Sysctl { link, .. }
            | Op::Up { link } => [Some(link), None],
            Op::Enslave { slave, bond } => [Some(slave), Some(bond)],
            Op::AddAddress { network } => [Some(cfg.network(network).link), None],
            Op::AddRoute { route } => [cfg.routes.get(route as usize).map(|r| r.link), None],
            Op::SetHostname | Op::WriteResolvConf => [None, None],
        }
    }
}

/// Links in creation order: physical, then bonds, then VLANs with parents first.
/// (`dyn`: `ops` calls it three times, and a generic copy costs 230 bytes each.)
pub fn link_order(cfg: &Config, f: &mut dyn FnMut(LinkIdx)) {
    let n = cfg.links.len();
    for (i, l) in cfg.links.iter().enumerate() {
        if l.is_physical() {
            f(i as LinkIdx);
        }
    }
    for (i, l) in cfg.links.iter().enumerate() {
        if l.is_bond() {
            f(i as LinkIdx);
        }
    }
    // A VLAN's depth is the number of VLANs below it; emit depth by depth.
    for depth in 0..n {
        let mut any = false;
        for (i, l) in cfg.links.iter().enumerate() {
            if l.is_vlan() && vlan_depth(cfg, i as LinkIdx) == depth {
                f(i as LinkIdx);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
}

fn vlan_depth(cfg: &Config, mut l: LinkIdx) -> usize {
    let mut d = 0;
    while let LinkKind::Vlan { parent, .. } = cfg.link(l).kind {
        if d > cfg.links.len() {
            break;
        }
        l = parent;
        d += 1;
    }
    d.saturating_sub(1)
}

/// Calls `f` with each operation, in order.
pub fn ops(cfg: &Config, mut f: impl FnMut(Op)) {
    // 1. physical MTUs
    for (i, l) in cfg.links.iter().enumerate() {
        if let (true, Some(mtu)) = (l.is_physical(), l.mtu) {
            f(Op::SetMtu {
                link: i as LinkIdx,
                mtu,
            });
        }
    }
    // 2. bonds
    for (i, l) in cfg.links.iter().enumerate() {
        if !l.is_bond() {
            continue;
        }
        let b = i as LinkIdx;
        f(Op::CreateBond { link: b });
        for (s, _) in cfg.slaves_of(b) {
            f(Op::Enslave { slave: s, bond: b });
        }
        // Enslaving gives a member the bond's MTU, and a bond's MTU is given to its
        // members: without one of its own, a bond takes its members' (the largest), or
        // what they were configured with would be lost.
        let members = cfg.slaves_of(b).filter_map(|(_, s)| s.mtu).max();
        if let Some(mtu) = l.mtu.or(members) {
            f(Op::SetMtu { link: b, mtu });
        }
    }
    // 3. VLANs
    link_order(cfg, &mut |i| {
        let l = cfg.link(i);
        if l.is_vlan() {
            f(Op::CreateVlan { link: i });
            if let Some(mtu) = l.mtu {
                f(Op::SetMtu { link: i, mtu });
            }
        }
    });
    // 4. RA sysctls
    link_order(cfg, &mut |i| {
        if cfg.link(i).master.is_some() {
            return;
        }
        let mut ra = false;
        let mut slaac = false;
        let mut static6 = false;
        for (_, n) in cfg.networks_of(i) {
            ra |= n.kind.wants_ra();
            slaac |= matches!(n.kind, NetKind::Slaac | NetKind::Dhcpv6Stateless);
            static6 |= n.kind == NetKind::Static && n.address.is_some_and(|a| !a.is_ipv4());
        }
        if ra {
            f(Op::Sysctl {
                link: i,
                key: Sysctl::AcceptRa,
                value: 1,
            });
            if slaac {
                f(Op::Sysctl {
                    link: i,
                    key: Sysctl::Autoconf,
                    value: 1,
                });
            }
        } else if static6 {
            // A static IPv6 link takes no configuration from router advertisements
            // (as cloud-init and networkd's IPv6AcceptRA=no do).
            f(Op::Sysctl {
                link: i,
                key: Sysctl::AcceptRa,
                value: 0,
            });
        }
    });
    // 5. up
    link_order(cfg, &mut |i| f(Op::Up { link: i }));
    // 6. addresses
    for (i, n) in cfg.networks.iter().enumerate() {
        if n.kind == NetKind::Static && n.address.is_some() && cfg.link(n.link).master.is_none() {
            f(Op::AddAddress {
                network: i as NetIdx,
            });
        }
    }
    // 7. routes, only on networks with a static address (a DHCP network's routes wait for
    //    its lease, in the real root).
    for (i, r) in cfg.routes.iter().enumerate() {
        let n = cfg.network(r.network);
        if n.kind == NetKind::Static && cfg.link(n.link).master.is_none() {
            f(Op::AddRoute {
                route: i as RouteIdx,
            });
        }
    }
    // 8., 9.
    if cfg.hostname.is_some() {
        f(Op::SetHostname);
    }
    if cfg.all_dns_servers().next().is_some() || cfg.all_search_domains().next().is_some() {
        f(Op::WriteResolvConf);
    }
}

/// Displays an operation as one plan line.
pub struct Show<'a> {
    pub op: &'a Op,
    pub cfg: &'a Config,
    pub names: &'a Names,
}

impl fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cfg, names) = (self.cfg, self.names);
        let name = |l: LinkIdx| names.name(l);
        match *self.op {
            Op::SetMtu { link, mtu } => write!(f, "mtu {} {}", name(link), u64::from(mtu)),
            Op::CreateBond { link } => {
                let LinkKind::Bond { mode, mac } = cfg.link(link).kind else {
                    return Ok(());
                };
                write!(f, "bond {} mode {mode}", name(link))?;
                for o in cfg.options_of(link) {
                    let lookup = |l: LinkIdx| names.name(l);
                    write!(
                        f,
                        " {} {}",
                        o.def().kernel,
                        KernelValue {
                            def: o.def(),
                            value: &o.value,
                            link_name: &lookup
                        }
                    )?;
                }
                if let Some(m) = mac {
                    write!(f, " mac {m}")?;
                }
                Ok(())
            }
            Op::Enslave { slave, bond } => write!(f, "enslave {} {}", name(slave), name(bond)),
            Op::CreateVlan { link } => {
                let LinkKind::Vlan { parent, vid, mac } = cfg.link(link).kind else {
                    return Ok(());
                };
                write!(
                    f,
                    "vlan {} link {} id {}",
                    name(link),
                    name(parent),
                    u64::from(vid)
                )?;
                if let Some(m) = mac {
                    write!(f, " mac {m}")?;
                }
                Ok(())
            }
            Op::Sysctl { link, key, value } => write!(
                f,
                "sysctl net.ipv6.conf.{}.{}={}",
                name(link),
                key.name(),
                u64::from(value)
            ),
            Op::Up { link } => write!(f, "up {}", name(link)),
            Op::AddAddress { network } => {
                let n = cfg.network(network);
                let Some(a) = n.address else { return Ok(()) };
                write!(f, "address {a}")?;
                if let Some(b) = a.broadcast() {
                    write!(f, " brd {}", Ip::from(b))?;
                }
                write!(f, " dev {}", name(n.link))
            }
            Op::AddRoute { route } => {
                let Some(r) = cfg.routes.get(route as usize) else {
                    return Ok(());
                };
                f.write_str("route ")?;
                write!(f, "{}", r.dest)?;
                if let Some(g) = r.gateway {
                    write!(f, " via {}", Ip(g))?;
                }
                write!(f, " dev {}", name(r.link))?;
                if let Some(m) = r.metric {
                    write!(f, " metric {}", u64::from(m))?;
                }
                if r.on_link {
                    f.write_str(" onlink")?;
                }
                f.write_str(" proto static")
            }
            Op::SetHostname => write!(f, "hostname {}", cfg.hostname.as_deref().unwrap_or("")),
            Op::WriteResolvConf => {
                f.write_str("resolv.conf")?;
                for a in cfg.all_dns_servers() {
                    write!(f, " nameserver {}", Ip(*a))?;
                }
                for d in cfg.all_search_domains() {
                    write!(f, " search {d}")?;
                }
                Ok(())
            }
        }
    }
}
