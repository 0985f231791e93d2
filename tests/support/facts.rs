//! Comparable facts about a network configuration, and how to get them from our model.
//!
//! A fact is one small typed statement ("eth0 has 10.0.0.5/24", "bond0 has member eth1", "the
//! global DNS list has 8.8.8.8"). Our model and every peer's expected output are turned into
//! sets of facts and compared as sets, so neither order nor spelling (`FA:16:...` vs
//! `fa:16:...`, `2001:DB8::1` vs `2001:db8::1`, hex vs decimal IPv6 masks) matters, only
//! meaning.
//!
//! Facts also have a one-line text form (`addr eth0 10.0.0.5/24`), used for hand-written
//! expectations and in failure messages; the text is parsed into the typed fact first.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use configdrive_net::model::bond::KernelValue;
use configdrive_net::model::{Config, LinkIdx, LinkKind, NetKind, NicMatch};
use configdrive_net::naming::Names;
use configdrive_net::plan::{self, Op, Sysctl};

/// How a network configures its link besides static addresses.
pub const METHODS: &[&str] = &[
    "dhcp4",
    "dhcp6",
    "slaac",
    "dhcpv6-stateless",
    "dhcpv6-stateful",
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fact {
    /// `link NAME physical|bond|vlan`
    Link { name: String, kind: String },
    /// `mac NAME MAC`: the MAC a physical link is matched by, or a bond's or VLAN's MAC.
    Mac { name: String, mac: [u8; 6] },
    /// `mtu NAME N`
    Mtu { name: String, mtu: u32 },
    /// `addr NAME ADDR/PREFIX`: a static address.
    Addr {
        name: String,
        addr: IpAddr,
        prefix: u8,
    },
    /// `route NAME DEST/PREFIX [via GW]` (host bits of DEST cleared).
    Route {
        name: String,
        dest: IpAddr,
        prefix: u8,
        via: Option<IpAddr>,
    },
    /// `method NAME dhcp4|dhcp6|slaac|dhcpv6-stateless|dhcpv6-stateful`
    Method { name: String, method: String },
    /// `dns SCOPE ADDR`, SCOPE `*` for the global list, else an interface.
    Dns { scope: Option<String>, addr: IpAddr },
    /// `search SCOPE DOMAIN`
    Search {
        scope: Option<String>,
        domain: String,
    },
    /// `member BOND NAME`
    Member { bond: String, member: String },
    /// `bond NAME MODE` (kernel mode name)
    BondMode { bond: String, mode: String },
    /// `bondopt NAME OPTION VALUE` (kernel option name and value spelling)
    BondOpt {
        bond: String,
        key: String,
        value: String,
    },
    /// `vlan NAME PARENT VID`
    Vlan {
        name: String,
        parent: String,
        vid: u16,
    },
    /// `accept-ra NAME 0|1`: the IPv6 router-advertisement setting for the link.
    AcceptRa { name: String, on: bool },
    /// `hostname NAME`
    Hostname(String),
}

impl Fact {
    /// The kind of statement (the first word of the text form).
    pub fn cat(&self) -> &'static str {
        match self {
            Fact::Link { .. } => "link",
            Fact::Mac { .. } => "mac",
            Fact::Mtu { .. } => "mtu",
            Fact::Addr { .. } => "addr",
            Fact::Route { .. } => "route",
            Fact::Method { .. } => "method",
            Fact::Dns { .. } => "dns",
            Fact::Search { .. } => "search",
            Fact::Member { .. } => "member",
            Fact::BondMode { .. } => "bond",
            Fact::BondOpt { .. } => "bondopt",
            Fact::Vlan { .. } => "vlan",
            Fact::AcceptRa { .. } => "accept-ra",
            Fact::Hostname(_) => "hostname",
        }
    }

    /// The interface the fact is about (None for global DNS and the hostname). A bond member
    /// is a fact about the bond.
    pub fn iface(&self) -> Option<&str> {
        match self {
            Fact::Link { name, .. }
            | Fact::Mac { name, .. }
            | Fact::Mtu { name, .. }
            | Fact::Addr { name, .. }
            | Fact::Route { name, .. }
            | Fact::Method { name, .. }
            | Fact::Vlan { name, .. }
            | Fact::AcceptRa { name, .. } => Some(name),
            Fact::Member { bond, .. }
            | Fact::BondMode { bond, .. }
            | Fact::BondOpt { bond, .. } => Some(bond),
            Fact::Dns { scope, .. } | Fact::Search { scope, .. } => scope.as_deref(),
            Fact::Hostname(_) => None,
        }
    }

    /// Parses the one-line text form; panics (a test bug) on anything malformed.
    pub fn parse(line: &str) -> Fact {
        let w: Vec<&str> = line.split_whitespace().collect();
        let bad = || -> ! { panic!("malformed fact {line:?}") };
        let scope = |s: &str| (s != "*").then(|| s.to_string());
        let arg = |i: usize| -> &str { w.get(i).copied().unwrap_or_else(|| bad()) };
        let f = match arg(0) {
            "link" => {
                let kind = arg(2);
                assert!(
                    ["physical", "bond", "vlan"].contains(&kind),
                    "link kind {kind:?} in {line:?}"
                );
                Fact::Link {
                    name: arg(1).into(),
                    kind: kind.into(),
                }
            }
            "mac" => Fact::Mac {
                name: arg(1).into(),
                mac: mac(arg(2)).unwrap_or_else(|| bad()),
            },
            "mtu" => Fact::Mtu {
                name: arg(1).into(),
                mtu: arg(2).parse().unwrap_or_else(|_| bad()),
            },
            "addr" => {
                let (addr, prefix) = cidr(arg(2)).unwrap_or_else(|| bad());
                Fact::Addr {
                    name: arg(1).into(),
                    addr,
                    prefix,
                }
            }
            "route" => {
                let (dest, prefix) = cidr(arg(2)).unwrap_or_else(|| bad());
                let via = match w.get(3) {
                    None => None,
                    Some(&"via") => Some(arg(4).parse().unwrap_or_else(|_| bad())),
                    Some(_) => bad(),
                };
                route(arg(1), dest, prefix, via)
            }
            "method" => {
                assert!(METHODS.contains(&arg(2)), "method in {line:?}");
                Fact::Method {
                    name: arg(1).into(),
                    method: arg(2).into(),
                }
            }
            "dns" => Fact::Dns {
                scope: scope(arg(1)),
                addr: arg(2).parse().unwrap_or_else(|_| bad()),
            },
            "search" => Fact::Search {
                scope: scope(arg(1)),
                domain: arg(2).trim_end_matches('.').to_ascii_lowercase(),
            },
            "member" => Fact::Member {
                bond: arg(1).into(),
                member: arg(2).into(),
            },
            "bond" => Fact::BondMode {
                bond: arg(1).into(),
                mode: bond_mode(arg(2)).unwrap_or_else(|| bad()).into(),
            },
            "bondopt" => Fact::BondOpt {
                bond: arg(1).into(),
                key: arg(2).replace('-', "_"),
                value: arg(3).into(),
            },
            "vlan" => Fact::Vlan {
                name: arg(1).into(),
                parent: arg(2).into(),
                vid: arg(3).parse().unwrap_or_else(|_| bad()),
            },
            "accept-ra" => Fact::AcceptRa {
                name: arg(1).into(),
                on: match arg(2) {
                    "1" => true,
                    "0" => false,
                    _ => bad(),
                },
            },
            "hostname" => Fact::Hostname(arg(1).into()),
            _ => bad(),
        };
        let words = match &f {
            Fact::Route { via: Some(_), .. } => 5,
            Fact::BondOpt { .. } | Fact::Vlan { .. } => 4,
            Fact::Hostname(_) => 2,
            _ => 3,
        };
        assert_eq!(w.len(), words, "extra or missing words in fact {line:?}");
        f
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = |s: &Option<String>| s.clone().unwrap_or_else(|| "*".into());
        match self {
            Fact::Link { name, kind } => write!(f, "link {name} {kind}"),
            Fact::Mac { name, mac: m } => write!(
                f,
                "mac {name} {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                m[0], m[1], m[2], m[3], m[4], m[5]
            ),
            Fact::Mtu { name, mtu } => write!(f, "mtu {name} {mtu}"),
            Fact::Addr { name, addr, prefix } => write!(f, "addr {name} {addr}/{prefix}"),
            Fact::Route {
                name,
                dest,
                prefix,
                via,
            } => {
                write!(f, "route {name} {dest}/{prefix}")?;
                if let Some(g) = via {
                    write!(f, " via {g}")?;
                }
                Ok(())
            }
            Fact::Method { name, method } => write!(f, "method {name} {method}"),
            Fact::Dns { scope: s, addr } => write!(f, "dns {} {addr}", scope(s)),
            Fact::Search { scope: s, domain } => write!(f, "search {} {domain}", scope(s)),
            Fact::Member { bond, member } => write!(f, "member {bond} {member}"),
            Fact::BondMode { bond, mode } => write!(f, "bond {bond} {mode}"),
            Fact::BondOpt { bond, key, value } => write!(f, "bondopt {bond} {key} {value}"),
            Fact::Vlan { name, parent, vid } => write!(f, "vlan {name} {parent} {vid}"),
            Fact::AcceptRa { name, on } => write!(f, "accept-ra {name} {}", u8::from(*on)),
            Fact::Hostname(h) => write!(f, "hostname {h}"),
        }
    }
}

pub type Facts = BTreeSet<Fact>;

/// Parses hand-written facts, one per line (blank lines and `#` comments ignored).
pub fn facts(text: &str) -> Facts {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(Fact::parse)
        .collect()
}

/// A route fact with the destination's host bits cleared.
pub fn route(name: &str, dest: IpAddr, prefix: u8, via: Option<IpAddr>) -> Fact {
    Fact::Route {
        name: name.into(),
        dest: network(dest, prefix),
        prefix,
        via,
    }
}

// --- value helpers (independent of the library's own parsers, so they check them) ---------

pub fn mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (o, p) in m.iter_mut().zip(parts) {
        if p.len() != 2 {
            return None;
        }
        *o = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

/// `ADDR/PREFIX`.
pub fn cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = s.split_once('/')?;
    let addr: IpAddr = a.parse().ok()?;
    let prefix: u8 = p.parse().ok()?;
    (prefix <= max_prefix(&addr)).then_some((addr, prefix))
}

pub fn max_prefix(a: &IpAddr) -> u8 {
    if a.is_ipv4() { 32 } else { 128 }
}

/// A netmask in any spelling peers use: dotted IPv4, hex IPv6 mask, or a prefix length.
/// Non-contiguous masks are a test-data error.
pub fn mask_prefix(mask: &str, v4: bool) -> u8 {
    let mask = mask.trim();
    if let Ok(p) = mask.parse::<u8>() {
        assert!(p <= if v4 { 32 } else { 128 }, "prefix {mask}");
        return p;
    }
    let (bits, width) = if v4 {
        let m: Ipv4Addr = mask.parse().unwrap_or_else(|_| panic!("netmask {mask:?}"));
        (u128::from(u32::from(m)) << 96, 32)
    } else {
        let m: Ipv6Addr = mask.parse().unwrap_or_else(|_| panic!("netmask {mask:?}"));
        (u128::from(m), 128)
    };
    let ones = bits.leading_ones();
    assert_eq!(
        bits.checked_shl(ones).unwrap_or(0),
        0,
        "non-contiguous {mask}"
    );
    ones.min(width) as u8
}

pub fn network(a: IpAddr, prefix: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(v) & m))
        }
        IpAddr::V6(v) => {
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(v) & m))
        }
    }
}

pub fn unspecified(v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    }
}

/// A bonding mode by kernel name or number, as its kernel name.
pub fn bond_mode(s: &str) -> Option<&'static str> {
    const NAMES: [&str; 7] = [
        "balance-rr",
        "active-backup",
        "balance-xor",
        "broadcast",
        "802.3ad",
        "balance-tlb",
        "balance-alb",
    ];
    if let Ok(n) = s.parse::<usize>() {
        return NAMES.get(n).copied();
    }
    NAMES.iter().copied().find(|n| n.eq_ignore_ascii_case(s))
}

// --- our side ----------------------------------------------------------------------------------

/// Every fact our model states, with interface names from `names`.
pub fn of_model(cfg: &Config, names: &Names) -> Facts {
    let mut out = Facts::new();
    let name = |l: LinkIdx| names.name(l).to_string();
    for (i, l) in cfg.links.iter().enumerate() {
        let i = i as LinkIdx;
        let n = name(i);
        let kind = match &l.kind {
            LinkKind::Physical { nic } => {
                if let NicMatch::Mac(m) = nic {
                    out.insert(Fact::Mac {
                        name: n.clone(),
                        mac: m.0,
                    });
                }
                "physical"
            }
            LinkKind::Bond { mode, mac } => {
                out.insert(Fact::BondMode {
                    bond: n.clone(),
                    mode: mode.name().into(),
                });
                if let Some(m) = mac {
                    out.insert(Fact::Mac {
                        name: n.clone(),
                        mac: m.0,
                    });
                }
                for (s, _) in cfg.slaves_of(i) {
                    out.insert(Fact::Member {
                        bond: n.clone(),
                        member: name(s),
                    });
                }
                for o in cfg.options_of(i) {
                    let link_name = |l: LinkIdx| names.name(l);
                    let value = KernelValue {
                        def: o.def(),
                        value: &o.value,
                        link_name: &link_name,
                    }
                    .to_string();
                    out.insert(Fact::BondOpt {
                        bond: n.clone(),
                        key: o.def().kernel.into(),
                        value,
                    });
                }
                "bond"
            }
            LinkKind::Vlan { parent, vid, mac } => {
                out.insert(Fact::Vlan {
                    name: n.clone(),
                    parent: name(*parent),
                    vid: *vid,
                });
                if let Some(m) = mac {
                    out.insert(Fact::Mac {
                        name: n.clone(),
                        mac: m.0,
                    });
                }
                "vlan"
            }
        };
        out.insert(Fact::Link {
            name: n.clone(),
            kind: kind.into(),
        });
        if let Some(mtu) = l.mtu {
            out.insert(Fact::Mtu { name: n, mtu });
        }
    }
    for net in cfg.networks.iter() {
        let n = name(net.link);
        let method = match net.kind {
            NetKind::Static => {
                let a = net.address.expect("a static network has an address");
                out.insert(Fact::Addr {
                    name: n,
                    addr: a.addr,
                    prefix: a.prefix,
                });
                continue;
            }
            NetKind::Dhcp4 => "dhcp4",
            NetKind::Dhcp6 => "dhcp6",
            NetKind::Slaac => "slaac",
            NetKind::Dhcpv6Stateless => "dhcpv6-stateless",
            NetKind::Dhcpv6Stateful => "dhcpv6-stateful",
        };
        out.insert(Fact::Method {
            name: n,
            method: method.into(),
        });
    }
    for r in cfg.routes.iter() {
        out.insert(route(&name(r.link), r.dest.addr, r.dest.prefix, r.gateway));
    }
    for d in cfg.dns_servers.iter() {
        out.insert(Fact::Dns {
            scope: d.link.map(name),
            addr: d.addr,
        });
    }
    for s in cfg.dns_search.iter() {
        out.insert(Fact::Search {
            scope: s.link.map(name),
            domain: s.name.to_ascii_lowercase(),
        });
    }
    if let Some(h) = &cfg.hostname {
        out.insert(Fact::Hostname(h.to_string()));
    }
    // The IPv6 RA setting is the plan's decision; take it from the operations apply runs.
    plan::ops(cfg, |op| {
        if let Op::Sysctl {
            link,
            key: Sysctl::AcceptRa,
            value,
        } = op
        {
            out.insert(Fact::AcceptRa {
                name: name(link),
                on: value != 0,
            });
        }
    });
    out
}

// --- comparing ---------------------------------------------------------------------------------

fn show(set: &Facts) -> String {
    set.iter().map(|f| format!("\n    {f}")).collect()
}

/// Asserts two sets are equal, listing what each has that the other lacks.
#[track_caller]
pub fn assert_same(what: &str, ours: &Facts, expected: &Facts) {
    let missing: Facts = expected.difference(ours).cloned().collect();
    let extra: Facts = ours.difference(expected).cloned().collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: our model differs from the expectation\n  expected, not in our model:{}\n  in our model, not expected:{}",
        show(&missing),
        show(&extra)
    );
}

/// Asserts every expected fact is in our model.
#[track_caller]
pub fn assert_contains(what: &str, ours: &Facts, expected: &Facts) {
    let missing: Facts = expected.difference(ours).cloned().collect();
    assert!(
        missing.is_empty(),
        "{what}: expected facts missing from our model:{}\n  our model has:{}",
        show(&missing),
        show(ours)
    );
}

/// The facts of `set` for which `keep` holds.
pub fn only(set: &Facts, keep: impl Fn(&Fact) -> bool) -> Facts {
    set.iter().filter(|f| keep(f)).cloned().collect()
}

/// The facts of categories `cats` about interface `iface` (None: global facts).
pub fn about(set: &Facts, iface: Option<&str>, cats: &[&str]) -> Facts {
    only(set, |f| f.iface() == iface && cats.contains(&f.cat()))
}

/// Replaces facts in an expectation where the peer is known to be wrong or to differ on
/// purpose: each `old` fact must be there (so a changed fixture is noticed), then `new` ones
/// are added. The caller says why in a comment.
#[track_caller]
pub fn correct(expected: &mut Facts, old: &str, new: &str) {
    for f in facts(old) {
        assert!(
            expected.remove(&f),
            "the peer's expectation no longer says {f}; revisit this correction"
        );
    }
    expected.extend(facts(new));
}
