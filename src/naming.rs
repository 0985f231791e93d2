//! Which interface each link of the model is: physical links are matched to the NICs the
//! running system has; bonds and VLANs get names derived from the model.
//!
//! Rules (README, "Interface names"):
//! - a physical link is the NIC whose permanent MAC (else current MAC) equals its MAC, in any
//!   case; bond, VLAN, bridge and other virtual devices are never candidates. Without a MAC
//!   it is the NIC with its `name`, else the n-th physical NIC in bus order. A NIC serves one
//!   link only. An absent NIC keeps the link's `name`, else `eth<n>` (n = its position among
//!   the physical links), and is reported;
//! - a bond is its `name`, else `bond<n>` with the lowest n no other link uses;
//! - a VLAN is `<parent>.<vid>`; when that exceeds 15 bytes (IFNAMSIZ - 1) the parent part is
//!   cut to fit, e.g. `enp129s0f1np1.4000` becomes `enp129s0f1.4000`.

use core::fmt::Write;

use heapless::Vec;

use crate::error::{DataError, Problem};
use crate::limits::{MAX_LINKS, MAX_NICS};
use crate::model::{Config, IfName, LinkIdx, LinkKind, NicMatch, valid_ifname};
use crate::net::Mac;
use crate::text::Text;

/// A network interface of the running system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub ifindex: u32,
    pub name: IfName,
    /// The current address.
    pub mac: Mac,
    /// The permanent (burned-in) address, where the kernel reports one.
    pub perm_mac: Option<Mac>,
    /// True for hardware-like Ethernet devices (no bond, VLAN, bridge, loopback, failover
    /// standby, ...): the only candidates for physical links.
    pub physical: bool,
    /// Sort key for bus order (the parent device, e.g. `0000:00:03.0`; empty if unknown).
    pub bus: Text<32>,
}

impl Nic {
    /// The MAC a physical link is matched against.
    pub fn match_mac(&self) -> Mac {
        self.perm_mac.unwrap_or(self.mac)
    }
}

/// The interfaces of the running system.
#[derive(Debug, Default, Clone)]
pub struct NicTable {
    pub nics: Vec<Nic, MAX_NICS>,
}

impl NicTable {
    pub const fn new() -> NicTable {
        NicTable { nics: Vec::new() }
    }

    pub fn by_name(&self, name: &str) -> Option<&Nic> {
        self.nics.iter().find(|n| n.name == name)
    }

    pub fn by_index(&self, ifindex: u32) -> Option<&Nic> {
        self.nics.iter().find(|n| n.ifindex == ifindex)
    }

    /// Physical NICs in bus order (ties broken by interface index, then name).
    fn bus_order(&self) -> Vec<usize, MAX_NICS> {
        let mut order: Vec<usize, MAX_NICS> = (0..self.nics.len())
            .filter(|&i| self.nics[i].physical)
            .collect();
        // Insertion sort: n is small and this needs no allocation.
        for i in 1..order.len() {
            let mut j = i;
            while j > 0 && self.key(order[j]) < self.key(order[j - 1]) {
                order.swap(j, j - 1);
                j -= 1;
            }
        }
        order
    }

    fn key(&self, i: usize) -> (bool, &str, u32, &str) {
        let n = &self.nics[i];
        (n.bus.is_empty(), n.bus.as_str(), n.ifindex, n.name.as_str())
    }
}

/// A link's interface name and, for a physical link, the NIC it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: IfName,
    /// Index into the [`NicTable`] for a matched physical link.
    pub nic: Option<u16>,
    /// False for a physical link whose NIC is absent, and for anything that depends on one
    /// (a VLAN on it).
    pub present: bool,
}

/// Names for every link of a configuration, in link order.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub links: Vec<Named, MAX_LINKS>,
}

impl Names {
    // Called from 17 places: one copy.
    #[inline(never)]
    pub fn name(&self, l: LinkIdx) -> &str {
        self.links.get(l as usize).map_or("?", |n| n.name.as_str())
    }
    pub fn present(&self, l: LinkIdx) -> bool {
        self.links.get(l as usize).is_some_and(|n| n.present)
    }
}

const FILE: &str = "network configuration";

/// Resolves every link of `cfg` against `nics`.
pub fn resolve(cfg: &Config, nics: &NicTable) -> Result<Names, DataError> {
    let mut names = Names::default();
    let mut used = [false; MAX_NICS];
    let order = nics.bus_order();

    // Physical links, by MAC first so a MAC match is never taken by an ordinal guess.
    let mut matched: Vec<Option<u16>, MAX_LINKS> = Vec::new();
    for _ in 0..cfg.links.len() {
        let _ = matched.push(None);
    }
    for pass in 0..3 {
        for (i, link) in cfg.links.iter().enumerate() {
            let LinkKind::Physical { nic } = &link.kind else {
                continue;
            };
            let found = match (pass, nic) {
                (0, NicMatch::Mac(mac)) => {
                    let mut hit = nics
                        .nics
                        .iter()
                        .enumerate()
                        .filter(|(j, n)| n.physical && !used[*j] && n.match_mac() == *mac);
                    let first = hit.next().map(|(j, _)| j);
                    if first.is_none()
                        && nics
                            .nics
                            .iter()
                            .any(|n| n.physical && n.match_mac() == *mac)
                    {
                        crate::warn!(
                            "link {}: the NIC with MAC {mac} already serves another link",
                            link.id
                        );
                    }
                    first
                }
                (1, NicMatch::Name(want)) => nics
                    .nics
                    .iter()
                    .position(|n| n.name == *want)
                    .filter(|&j| !used[j]),
                (2, NicMatch::Ordinal(k)) => {
                    let free = order.iter().copied().filter(|&j| !used[j]).nth(*k as usize);
                    if let Some(j) = free {
                        crate::warn!(
                            "link {}: no MAC or name; taking NIC {} by bus order",
                            link.id,
                            nics.nics[j].name
                        );
                    }
                    free
                }
                _ => continue,
            };
            if let Some(j) = found {
                used[j] = true;
                matched[i] = Some(j as u16);
            }
        }
    }

    let mut physical_seen = 0u16;
    for (i, link) in cfg.links.iter().enumerate() {
        let named = match &link.kind {
            LinkKind::Physical { .. } => {
                let k = physical_seen;
                physical_seen += 1;
                match matched[i] {
                    Some(j) => Named {
                        name: nics.nics[j as usize].name.clone(),
                        nic: Some(j),
                        present: true,
                    },
                    None => {
                        let name = match &link.name {
                            Some(n) => n.clone(),
                            // Not the name of a NIC matched to a link further down.
                            None => fresh(cfg, &names, nics, &matched, "eth", k),
                        };
                        Named {
                            name,
                            nic: None,
                            present: false,
                        }
                    }
                }
            }
            LinkKind::Bond { .. } => {
                let name = match &link.name {
                    Some(n) => n.clone(),
                    None => fresh(cfg, &names, nics, &[], "bond", 0),
                };
                Named {
                    name,
                    nic: None,
                    present: true,
                }
            }
            // Filled in below, once every parent has a name.
            LinkKind::Vlan { .. } => Named {
                name: IfName::new(),
                nic: None,
                present: false,
            },
        };
        let _ = names.links.push(named);
    }

    // VLANs: parents first (a VLAN may sit on a VLAN); topology was checked acyclic.
    for _ in 0..cfg.links.len() {
        let mut progress = false;
        for (i, link) in cfg.links.iter().enumerate() {
            let LinkKind::Vlan { parent, vid, .. } = link.kind else {
                continue;
            };
            if !names.links[i].name.is_empty() || names.links[parent as usize].name.is_empty() {
                continue;
            }
            let name = vlan_name(names.name(parent), vid);
            let present = names.present(parent);
            names.links[i] = Named {
                name,
                nic: None,
                present,
            };
            progress = true;
        }
        if !progress {
            break;
        }
    }

    // Every name must be unique.
    for (i, a) in names.links.iter().enumerate() {
        if let Some(j) = names.links[..i].iter().position(|b| b.name == a.name) {
            let mut path: Text<96> = Text::new();
            let _ = write!(
                path.as_mut_view(),
                "links[{i}] (id {}) and links[{j}] (id {})",
                cfg.links[i].id,
                cfg.links[j].id
            );
            return Err(DataError::new(
                FILE,
                &path,
                Some(&a.name),
                Problem::Duplicate,
            ));
        }
    }
    Ok(names)
}

/// `<parent>.<vid>`, with the parent cut so the whole fits 15 bytes.
pub fn vlan_name(parent: &str, vid: u16) -> IfName {
    let mut suffix: Text<6> = Text::new();
    let _ = write!(suffix.as_mut_view(), ".{}", u64::from(vid));
    let room = 15 - suffix.len();
    let mut cut = parent.len().min(room);
    while !parent.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut name = IfName::new();
    let _ = name.push_str(&parent[..cut]);
    let _ = name.push_str(&suffix);
    name
}

/// `<prefix><n>` for the lowest n ≥ `start` not yet taken by a link name or a `name` key,
/// nor by one of the NICs `matched` (indices into `nics`).
fn fresh(
    cfg: &Config,
    names: &Names,
    nics: &NicTable,
    matched: &[Option<u16>],
    prefix: &str,
    start: u16,
) -> IfName {
    let mut n = start;
    loop {
        let mut cand = IfName::new();
        let _ = write!(cand.as_mut_view(), "{prefix}{}", u64::from(n));
        let taken = names.links.iter().any(|l| l.name == cand)
            || cfg.links.iter().any(|l| l.name.as_ref() == Some(&cand))
            || matched
                .iter()
                .flatten()
                .any(|&j| nics.nics.get(j as usize).is_some_and(|n| n.name == cand));
        if !taken && valid_ifname(&cand) {
            return cand;
        }
        n += 1;
    }
}

/// Reads the running system's interfaces from sysfs (`<sys>/class/net`, `sys` normally
/// `/sys`): a fallback for when rtnetlink cannot be used (the dry run as a user without
/// CAP_NET_ADMIN still reads it), and, with `--sysfs DIR`, a fixed set of NICs for tests
/// (a tree with only `address` files is enough: a missing `type` counts as Ethernet).
pub fn from_sysfs(sys: &str, table: &mut NicTable) -> Result<(), rustix::io::Errno> {
    use core::mem::MaybeUninit;
    use rustix::fs::{Mode, OFlags, RawDir, openat};
    table.nics.clear();
    let mut base: Text<256> = Text::new();
    write!(base, "{sys}/class/net").map_err(|_| rustix::io::Errno::NAMETOOLONG)?;
    let dir = openat(
        rustix::fs::CWD,
        crate::sys::c_path(&base, &mut [0u8; crate::sys::PATH_MAX])?,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
    let mut it = RawDir::new(&dir, &mut buf);
    while let Some(entry) = it.next() {
        let entry = entry?;
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if name.starts_with('.') || !valid_ifname(name) {
            continue;
        }
        let read = |attr: &str, out: &mut [u8]| -> Option<usize> {
            let mut p: Text<320> = Text::new();
            write!(p.as_mut_view(), "{base}/{name}/{attr}").ok()?;
            crate::sys::read_file(&p, out).ok()
        };
        let mut b = [0u8; 512];
        fn text(b: &[u8], n: usize) -> &str {
            crate::text::trim(core::str::from_utf8(&b[..n]).unwrap_or(""))
        }
        let ifindex = read("ifindex", &mut b)
            .and_then(|n| crate::text::parse_dec(text(&b, n), u32::MAX.into()))
            .map_or(0, |i| i as u32);
        let mac: Option<Mac> = read("address", &mut b).and_then(|n| text(&b, n).parse().ok());
        // A tree without `type` files (a test's) is taken as Ethernet.
        let arp_type = match read("type", &mut b) {
            Some(n) => crate::text::parse_dec(text(&b, n), u32::MAX.into()).unwrap_or(0),
            None => 1,
        };
        let uevent = read("uevent", &mut b).map(|n| text(&b, n)).unwrap_or("");
        let virtual_kind = uevent.lines().any(|l| {
            matches!(
                l,
                "DEVTYPE=bond"
                    | "DEVTYPE=vlan"
                    | "DEVTYPE=bridge"
                    | "DEVTYPE=team"
                    | "DEVTYPE=macvlan"
                    | "DEVTYPE=macvtap"
                    | "DEVTYPE=ipvlan"
                    | "DEVTYPE=openvswitch"
                    | "DEVTYPE=failover"
            )
        });
        let Some(mac) = mac else { continue };
        let mut nic = Nic {
            ifindex,
            name: crate::text::text(name).unwrap_or_default(),
            mac,
            perm_mac: None,
            physical: arp_type == 1 && !virtual_kind && !mac.is_zero(),
            bus: Text::new(),
        };
        // The parent device names the bus position (`device` links to e.g. ../../0000:00:03.0).
        let mut link = [0u8; 256];
        let mut p: Text<320> = Text::new();
        let _ = write!(p.as_mut_view(), "{base}/{name}/device");
        let mut cp = [0u8; crate::sys::PATH_MAX];
        if let Ok(n) = crate::sys::c_path(&p, &mut cp)
            .and_then(|p| rustix::fs::readlinkat_raw(rustix::fs::CWD, p, &mut link[..]))
            && let Ok(target) = core::str::from_utf8(&link[..n])
        {
            // The last component (a byte search: `rsplit` costs 600 bytes of code).
            let from = target.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1);
            let last = target.get(from..).unwrap_or_default();
            let _ = nic
                .bus
                .push_str(last.get(..last.len().min(32)).unwrap_or_default());
        }
        if table.nics.push(nic).is_err() {
            crate::warn!(
                "more than {MAX_NICS} network interfaces (MAX_NICS); the rest are not considered"
            );
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BondMode, Link};
    use crate::text::text;

    fn nic(ifindex: u32, name: &str, mac: &str, physical: bool) -> Nic {
        Nic {
            ifindex,
            name: text(name).unwrap(),
            mac: mac.parse().unwrap(),
            perm_mac: None,
            physical,
            bus: Text::new(),
        }
    }

    fn link(id: &str, kind: LinkKind) -> Link {
        Link {
            id: text(id).unwrap(),
            name: None,
            mtu: None,
            kind,
            master: None,
        }
    }

    fn phys_mac(m: &str) -> LinkKind {
        LinkKind::Physical {
            nic: NicMatch::Mac(m.parse().unwrap()),
        }
    }

    #[test]
    fn absent_nic_never_named_like_a_present_one() {
        // eth0 and eth1 are the NICs of links b and c (the kernel named them in bus order
        // without the absent NIC of link a): a's stand-in name must be neither.
        let mut t = NicTable::new();
        t.nics
            .push(nic(2, "eth0", "fa:16:3e:00:00:02", true))
            .unwrap();
        t.nics
            .push(nic(3, "eth1", "fa:16:3e:00:00:03", true))
            .unwrap();
        let mut c = Config::new();
        for (id, mac) in [("a", "fa:16:3e:00:00:01"), ("b", "fa:16:3e:00:00:02")] {
            c.push_link(link(id, phys_mac(mac))).unwrap();
        }
        c.push_link(link("c", phys_mac("fa:16:3e:00:00:03")))
            .unwrap();
        let n = resolve(&c, &t).unwrap();
        assert_eq!((n.name(0), n.present(0)), ("eth2", false));
        assert_eq!((n.name(1), n.name(2)), ("eth0", "eth1"));
    }

    #[test]
    fn physical_by_permanent_mac_case_insensitively_never_virtual() {
        let mut t = NicTable::new();
        // A bond carrying the same MAC must not be taken for the NIC.
        t.nics
            .push(nic(2, "bond0", "fa:16:3e:00:00:01", false))
            .unwrap();
        let mut slave = nic(3, "ens3", "fa:16:3e:00:00:01", true);
        slave.perm_mac = Some("fa:16:3e:00:00:99".parse().unwrap());
        t.nics.push(slave).unwrap();
        t.nics
            .push(nic(4, "ens4", "fa:16:3e:00:00:02", true))
            .unwrap();
        let mut c = Config::new();
        c.push_link(link("a", phys_mac("FA:16:3E:00:00:99")))
            .unwrap();
        c.push_link(link("b", phys_mac("fa:16:3e:00:00:01")))
            .unwrap();
        c.push_link(link("c", phys_mac("fa:16:3e:00:00:02")))
            .unwrap();
        let n = resolve(&c, &t).unwrap();
        assert_eq!((n.name(0), n.present(0)), ("ens3", true));
        // Only bond0 (virtual) and ens3 (permanent MAC differs) carry ...:01: no match.
        assert_eq!((n.name(1), n.present(1)), ("eth1", false));
        assert_eq!((n.name(2), n.present(2)), ("ens4", true));
    }

    #[test]
    fn bonds_and_vlans_get_derived_names() {
        let t = NicTable::new();
        let mut c = Config::new();
        c.push_link(link("p", phys_mac("fa:16:3e:00:00:01")))
            .unwrap();
        let mut named = link(
            "b1",
            LinkKind::Bond {
                mode: BondMode::Lacp,
                mac: None,
            },
        );
        named.name = Some(text("bond0").unwrap());
        c.push_link(link(
            "b0",
            LinkKind::Bond {
                mode: BondMode::Lacp,
                mac: None,
            },
        ))
        .unwrap();
        c.push_link(named).unwrap();
        c.push_link(link(
            "v",
            LinkKind::Vlan {
                parent: 1,
                vid: 602,
                mac: None,
            },
        ))
        .unwrap();
        c.push_link(link(
            "w",
            LinkKind::Vlan {
                parent: 0,
                vid: 4000,
                mac: None,
            },
        ))
        .unwrap();
        let n = resolve(&c, &t).unwrap();
        assert_eq!(
            n.name(1),
            "bond1",
            "bond0 is claimed by a later link's name"
        );
        assert_eq!(n.name(2), "bond0");
        assert_eq!(n.name(3), "bond1.602");
        assert!(n.present(3));
        assert_eq!(n.name(4), "eth0.4000");
        assert!(!n.present(4), "a VLAN on an absent NIC is absent too");
    }

    #[test]
    fn long_vlan_names_are_cut_to_fit() {
        assert_eq!(vlan_name("enp129s0f1np1", 4000).as_str(), "enp129s0f1.4000");
        assert_eq!(vlan_name("eth0", 5).as_str(), "eth0.5");
        assert_eq!(vlan_name("bond-wan", 123).as_str(), "bond-wan.123");
        assert!(vlan_name("abcdefghijklmno", 1).len() <= 15);
    }

    #[test]
    fn duplicate_names_are_an_error() {
        let t = NicTable::new();
        let mut c = Config::new();
        let mut a = link(
            "a",
            LinkKind::Bond {
                mode: BondMode::Lacp,
                mac: None,
            },
        );
        a.name = Some(text("x").unwrap());
        let mut b = link("b", phys_mac("fa:16:3e:00:00:01"));
        b.name = Some(text("x").unwrap());
        c.push_link(a).unwrap();
        c.push_link(b).unwrap();
        let e = resolve(&c, &t).unwrap_err();
        assert_eq!(e.problem, Problem::Duplicate);
    }

    #[test]
    fn ordinal_links_take_free_nics_in_bus_order() {
        let mut t = NicTable::new();
        let mut a = nic(5, "ens5", "fa:16:3e:00:00:05", true);
        a.bus = text("0000:00:05.0").unwrap();
        let mut b = nic(3, "ens3", "fa:16:3e:00:00:03", true);
        b.bus = text("0000:00:03.0").unwrap();
        t.nics.push(a).unwrap();
        t.nics.push(b).unwrap();
        let mut c = Config::new();
        c.push_link(link(
            "o0",
            LinkKind::Physical {
                nic: NicMatch::Ordinal(0),
            },
        ))
        .unwrap();
        c.push_link(link("m", phys_mac("fa:16:3e:00:00:03")))
            .unwrap();
        let n = resolve(&c, &t).unwrap();
        assert_eq!(n.name(1), "ens3");
        assert_eq!(
            n.name(0),
            "ens5",
            "ens3 is taken by its MAC, so ordinal 0 is the next free NIC"
        );
    }
}
