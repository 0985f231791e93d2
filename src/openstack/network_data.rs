//! network_data.json (and the same schema under vendor_data.json `network_info` and the
//! pre-Liberty `network_info.json`) into the model.
//!
//! The document is walked in passes over the normalised text, so that references resolve
//! whatever the key order, without buffering raw documents:
//! 1. `links`: ids, types, MACs, MTUs, VLAN ids, bond modes and options;
//! 2. `links` again: `vlan_link`, `bond_links` and `bond_primary`, now that every id is known;
//! 3. `networks`: type, link, address, network-level gateway;
//! 4. `networks` again: `routes`, `services`, `dns_nameservers`, `dns_search`, now that each
//!    network's link is known; and the global `services`.
//!
//! What real clouds send is accepted (reference/peers.md §1.4, §3.2, §3.3): every link type
//! other than bond and vlan is physical; values may be numbers or strings; IPv6 netmasks come
//! as hex masks, prefix lengths or `/NN` in the address; defaults as `0.0.0.0/0.0.0.0`,
//! `::/::` or `::0/::0`.

use crate::error::{DataError, Problem};
use crate::json::{self, Array, FieldPath, Object, Scalar, Shape, Stop, Value, WalkError};
use crate::limits::*;
use crate::log::Level;
use crate::model::bond::{self, OptionType, OptionValue, ValueError};
use crate::model::*;
use crate::net::{
    IpAddr, IpCidr, Ipv4Addr, Ipv6Addr, Mac, MaskError, mask_to_prefix_v4, mask_to_prefix_v6,
};
use crate::text::{Quoted, Text, text, trim};

/// Physical link types clouds are known to send (cloud-init's list plus nova's and Ironic's),
/// space-separated (a list of `&str` takes 16 bytes a word more). Any other type is physical
/// too, with a warning.
const KNOWN_PHYSICAL: &str =
    "phy ethernet physical bridge bgpovs cascading dvs hw_veb hyperv ovs tap vhostuser vif";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pass {
    Links,
    LinkRefs,
    Networks,
    NetworkRefs,
}

/// Reads one network_data document into `cfg`. `root` selects a sub-object holding the
/// schema (vendor_data.json's `network_info`), or None for the whole document. `file` names
/// the document in messages.
pub fn parse(
    normalized: &[u8],
    unescape: &mut [u8],
    root: Option<&str>,
    file: &str,
    cfg: &mut Config,
) -> Result<(), DataError> {
    let base_links = cfg.links.len();
    let base_networks = cfg.networks.len();
    let mut p = Parser {
        cfg,
        file,
        path: FieldPath::new(),
        error: None,
        pass: Pass::Links,
        base_links,
        base_networks,
        element: 0,
        unmatched: 0,
    };
    for pass in [
        Pass::Links,
        Pass::LinkRefs,
        Pass::Networks,
        Pass::NetworkRefs,
    ] {
        p.pass = pass;
        p.path = FieldPath::new();
        let r = match root {
            None => json::walk_document(normalized, unescape, &mut p),
            Some(key) => json::walk_document(normalized, unescape, &mut Root { key, p: &mut p }),
        };
        if let Some(e) = p.error.take() {
            return Err(e);
        }
        match r {
            Ok(Shape::Done) => {}
            Ok(_) => {
                return Err(DataError::new(
                    file,
                    "",
                    None,
                    Problem::WrongType {
                        expected: "a JSON object",
                    },
                ));
            }
            Err(WalkError::Json(e)) => {
                return Err(p.path.error(file, None, json::serde_problem(e)));
            }
            Err(WalkError::Stopped) => return Err(p.path.error(file, None, Problem::WrongFormat)),
        }
        if pass == Pass::LinkRefs {
            p.check_topology()?;
        }
    }
    Ok(())
}

/// Selects the object under `key` and hands it to the parser.
struct Root<'a, 'c, 'f> {
    key: &'a str,
    p: &'a mut Parser<'c, 'f>,
}

impl Object for Root<'_, '_, '_> {
    fn field(&mut self, key: &str, value: &mut dyn Value) -> Result<(), Stop> {
        if key != self.key {
            return value.skip();
        }
        let m = self.p.path.key(key);
        if value.object(self.p)? == Shape::Other {
            return Err(self.p.fail(
                None,
                Problem::WrongType {
                    expected: "an object",
                },
            ));
        }
        self.p.path.reset(m);
        Ok(())
    }
}

struct Parser<'c, 'f> {
    cfg: &'c mut Config,
    file: &'f str,
    path: FieldPath,
    error: Option<DataError>,
    pass: Pass,
    /// Links and networks already in `cfg` before this document.
    base_links: usize,
    base_networks: usize,
    /// Index of the array element being read.
    element: usize,
    /// Physical links so far with neither MAC nor name.
    unmatched: u16,
}

impl Parser<'_, '_> {
    /// Records an error at the current path; returns the stop signal.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, value: Option<&str>, problem: Problem) -> Stop {
        if self.error.is_none() {
            self.error = Some(self.path.error(self.file, value, problem));
        }
        Stop
    }

    /// An error about `key` of the element just read.
    #[cold]
    #[inline(never)]
    fn fail_at(&mut self, key: &str, value: Option<&str>, problem: Problem) -> Stop {
        self.path.key(key);
        self.fail(value, problem)
    }

    /// Logs `file: path: msg` about the current path (one formatting site for all).
    #[cold]
    #[inline(never)]
    fn note(&self, level: Level, msg: &str) {
        let (file, path) = (self.file, self.path.as_str());
        crate::log::log(level, format_args!("{file}: {path}: {msg}"));
    }

    fn full(&mut self, f: Full) -> Stop {
        self.fail(
            None,
            Problem::Capacity {
                bound: f.bound,
                max: f.max,
            },
        )
    }

    /// Reads a string (or number) into `buf`; null gives None.
    fn string<'t>(
        &mut self,
        v: &mut dyn Value,
        buf: &'t mut [u8],
        bound: &'static str,
    ) -> Result<Option<&'t str>, Stop> {
        let max = buf.len();
        match v.scalar(buf)? {
            Scalar::Null => Ok(None),
            Scalar::Str(s) => Ok(Some(s)),
            Scalar::TooLong => Err(self.fail(None, Problem::TooLong { bound, max })),
            Scalar::Array | Scalar::Object => Err(self.fail(
                None,
                Problem::WrongType {
                    expected: "a string or number",
                },
            )),
        }
    }

    /// Reads an id or name bounded by MAX_ID_BYTES.
    fn id(&mut self, v: &mut dyn Value) -> Result<Option<Id>, Stop> {
        let mut b = [0u8; MAX_ID_BYTES];
        Ok(self
            .string(v, &mut b, "MAX_ID_BYTES")?
            .and_then(|s| text(s).ok()))
    }

    /// Reads a short value (address, number, enum) as text.
    fn short(&mut self, v: &mut dyn Value) -> Result<Option<Text<64>>, Stop> {
        let mut b = [0u8; 64];
        Ok(self
            .string(v, &mut b, "MAX_JSON_STRING_BYTES")?
            .and_then(|s| text(s).ok()))
    }

    fn number(&mut self, v: &mut dyn Value, min: u32, max: u32) -> Result<Option<u32>, Stop> {
        let Some(s) = self.short(v)? else {
            return Ok(None);
        };
        let n = parse_unsigned(&s).ok_or_else(|| self.fail(Some(&s), Problem::InvalidNumber))?;
        if n < u64::from(min) || n > u64::from(max) {
            return Err(self.fail(
                Some(&s),
                Problem::OutOfRange {
                    min: min.into(),
                    max: max.into(),
                },
            ));
        }
        Ok(Some(n as u32))
    }

    fn mac(&mut self, v: &mut dyn Value) -> Result<Option<Mac>, Stop> {
        let Some(s) = self.short(v)? else {
            return Ok(None);
        };
        s.parse()
            .map(Some)
            .map_err(|_| self.fail(Some(&s), Problem::InvalidMac))
    }

    fn ip(&mut self, s: &str) -> Result<IpAddr, Stop> {
        crate::net::parse_ip(trim(s)).ok_or_else(|| self.fail(Some(s), Problem::InvalidAddress))
    }

    fn prefix(&mut self, addr: &IpAddr, mask: &str) -> Result<u8, Stop> {
        let r = match addr {
            IpAddr::V4(_) => mask_to_prefix_v4(trim(mask)),
            IpAddr::V6(_) => mask_to_prefix_v6(trim(mask)),
        };
        r.map_err(|e| {
            let problem = if e == MaskError::NonContiguous {
                Problem::NonContiguousMask
            } else {
                Problem::InvalidNetmask
            };
            self.fail(Some(mask), problem)
        })
    }

    fn link_ref(&mut self, id: &str) -> Result<LinkIdx, Stop> {
        match (self.cfg.links.get(self.base_links..).unwrap_or_default())
            .iter()
            .position(|l| l.id == id)
        {
            Some(i) => Ok((self.base_links + i) as LinkIdx),
            None => Err(self.fail(Some(id), Problem::DanglingReference)),
        }
    }

    /// Checks what `Value::array` found: null is an empty array, anything else an error.
    fn want_array(&mut self, shape: Shape) -> Result<(), Stop> {
        match shape {
            Shape::Other => Err(self.fail(
                None,
                Problem::WrongType {
                    expected: "an array",
                },
            )),
            _ => Ok(()),
        }
    }

    /// Checks what `Value::object` found for an array element.
    fn want_object(&mut self, shape: Shape) -> Result<(), Stop> {
        match shape {
            Shape::Done => Ok(()),
            _ => Err(self.fail(
                None,
                Problem::WrongType {
                    expected: "an object",
                },
            )),
        }
    }

    /// A VLAN chain that never reaches a physical link or bond is a loop.
    fn check_topology(&mut self) -> Result<(), DataError> {
        let links = &self.cfg.links;
        for (i, l) in links.iter().enumerate().skip(self.base_links) {
            let mut cur = i;
            let kind = |i: usize| links.get(i).map(|l| &l.kind);
            for _ in 0..=links.len() {
                match kind(cur) {
                    Some(&LinkKind::Vlan { parent, .. }) if (parent as usize) < links.len() => {
                        cur = parent as usize
                    }
                    _ => break,
                }
            }
            if let Some(&LinkKind::Vlan { parent, .. }) = kind(cur) {
                let problem = if (parent as usize) < links.len() {
                    Problem::InvalidTopology
                } else {
                    Problem::Missing
                };
                let mut path: Text<64> = Text::new();
                let _ = core::fmt::Write::write_fmt(
                    path.as_mut_view(),
                    format_args!("links[{}].vlan_link", i - self.base_links),
                );
                return Err(DataError::new(self.file, &path, Some(&l.id), problem));
            }
        }
        Ok(())
    }
}

// --- top level ---------------------------------------------------------------------------------

impl Object for Parser<'_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let m = self.path.key(key);
        match (key, self.pass) {
            ("links", Pass::Links | Pass::LinkRefs) => {
                v.array(&mut Links(self)).and_then(|s| self.want_array(s))?
            }
            ("networks", Pass::Networks | Pass::NetworkRefs) => v
                .array(&mut Networks(self))
                .and_then(|s| self.want_array(s))?,
            ("services", Pass::NetworkRefs) => v
                .array(&mut Services {
                    p: self,
                    link: None,
                })
                .and_then(|s| self.want_array(s))?,
            _ => v.skip()?,
        }
        self.path.reset(m);
        Ok(())
    }
}

// --- links -------------------------------------------------------------------------------------

struct Links<'a, 'c, 'f>(&'a mut Parser<'c, 'f>);

impl Array for Links<'_, '_, '_> {
    fn element(&mut self, index: usize, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.0;
        let m = p.path.index(index);
        p.element = index;
        if p.pass == Pass::Links {
            let mut raw = RawLink::default();
            let shape = v.object(&mut LinkFields {
                p: &mut *p,
                raw: &mut raw,
            })?;
            p.want_object(shape)?;
            p.finish_link(raw)?;
        } else {
            let shape = v.object(&mut LinkRefs { p: &mut *p })?;
            p.want_object(shape)?;
        }
        p.path.reset(m);
        Ok(())
    }
}

#[derive(Default)]
struct RawLink {
    id: Option<Id>,
    ty: Option<Text<32>>,
    name: Option<Id>,
    mac: Option<Mac>,
    mtu: Option<u32>,
    vlan_id: Option<u16>,
    vlan_mac: Option<Mac>,
    bond_mode: Option<BondMode>,
    options: heapless::Vec<(u8, OptionValue), { bond::OPTIONS.len() }>,
}

struct LinkFields<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    raw: &'a mut RawLink,
}

impl Object for LinkFields<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let (p, raw) = (&mut *self.p, &mut *self.raw);
        let m = p.path.key(key);
        match key {
            "id" => raw.id = p.id(v)?,
            "type" => {
                // A type longer than any known one is just an unknown type.
                let mut b = [0u8; 32];
                raw.ty = match v.scalar(&mut b)? {
                    Scalar::Str(s) => text(s).ok(),
                    Scalar::TooLong => text("unknown").ok(),
                    _ => None,
                }
            }
            "name" => raw.name = p.id(v)?,
            "ethernet_mac_address" => raw.mac = p.mac(v)?,
            "vlan_mac_address" => raw.vlan_mac = p.mac(v)?,
            "mtu" => {
                // 0 is what some producers write for "not set".
                raw.mtu = p.number(v, 0, 65535)?.filter(|&n| n != 0);
                if let Some(n @ 1..68) = raw.mtu {
                    return Err(p.fail(
                        Some(
                            crate::text::format::<8>(format_args!("{}", u64::from(n)))
                                .unwrap_or_default()
                                .as_str(),
                        ),
                        Problem::OutOfRange {
                            min: 68,
                            max: 65535,
                        },
                    ));
                }
            }
            "vlan_id" => raw.vlan_id = p.number(v, 1, 4094)?.map(|n| n as u16),
            "bond_mode" => {
                if let Some(s) = p.short(v)? {
                    raw.bond_mode = Some(
                        BondMode::parse(trim(&s))
                            .ok_or_else(|| p.fail(Some(&s), Problem::UnknownValue))?,
                    );
                }
            }
            k if bond_key(k).is_some() => match bond_option(k) {
                // Member references are read in the second pass.
                Some((_, d)) if d.ty == OptionType::Interface => v.skip()?,
                Some((def, d)) => {
                    let mut b = [0u8; 256];
                    if let Some(s) = p.string(v, &mut b, "MAX_JSON_STRING_BYTES")? {
                        let value = bond::parse_value(d.ty, s).map_err(|e| {
                            let problem = match e {
                                ValueError::OutOfRange { max } => Problem::OutOfRange {
                                    min: 0,
                                    max: max.into(),
                                },
                                ValueError::TooMany => Problem::Capacity {
                                    bound: "MAX_ARP_TARGETS",
                                    max: MAX_ARP_TARGETS,
                                },
                                ValueError::Invalid => Problem::UnknownValue,
                            };
                            p.fail(Some(s), problem)
                        })?;
                        raw.options.retain(|(d, _)| *d as usize != def);
                        let _ = raw.options.push((def as u8, value));
                    }
                }
                None => {
                    p.note(Level::Warning, "unknown bond option, ignored");
                    v.skip()?
                }
            },
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

/// The option name in a `bond_*` key other than the mode and the member list (`bond-*` is
/// accepted too).
fn bond_key(k: &str) -> Option<&str> {
    let name = k
        .strip_prefix("bond_")
        .or_else(|| k.strip_prefix("bond-"))?;
    (!name.is_empty() && !matches!(name, "links" | "mode")).then_some(name)
}

/// The option a `bond_*` key names: its index in [`bond::OPTIONS`] and its definition.
fn bond_option(k: &str) -> Option<(usize, &'static bond::OptionDef)> {
    let i = bond::find_option(bond_key(k)?)?;
    Some((i, bond::OPTIONS.get(i)?))
}

impl Parser<'_, '_> {
    /// Turns one link's raw fields into a model link (pass 1).
    fn finish_link(&mut self, raw: RawLink) -> Result<(), Stop> {
        let Some(id) = raw.id else {
            return Err(self.fail_at("id", None, Problem::Missing));
        };
        let ours = self.cfg.links.get(self.base_links..).unwrap_or_default();
        if ours.iter().any(|l| l.id == id) {
            return Err(self.fail_at("id", Some(&id), Problem::Duplicate));
        }
        let ty = raw.ty.as_deref().unwrap_or("");
        // An explicit interface name that the kernel would refuse cannot be honoured.
        let name = match raw.name.as_deref() {
            Some(n) if valid_ifname(n) => text::<15>(n).ok(),
            Some(n) => return Err(self.fail_at("name", Some(n), Problem::InvalidInterfaceName)),
            None => None,
        };
        let kind = match ty {
            "bond" => {
                if raw.bond_mode.is_none() {
                    self.note(
                        Level::Warning,
                        "bond without bond_mode; balance-rr (the kernel's default)",
                    );
                }
                LinkKind::Bond {
                    mode: raw.bond_mode.unwrap_or(BondMode::BalanceRr),
                    mac: raw.mac,
                }
            }
            "vlan" => {
                let Some(vid) = raw.vlan_id else {
                    return Err(self.fail_at("vlan_id", None, Problem::Missing));
                };
                // The parent is filled in by the second pass; MAX marks "not yet".
                LinkKind::Vlan {
                    parent: LinkIdx::MAX,
                    vid,
                    mac: raw.vlan_mac.or(raw.mac),
                }
            }
            _ => {
                if !ty.is_empty() && super::interfaces::find(ty, KNOWN_PHYSICAL).is_none() {
                    crate::warn!(
                        "{}: {}.type: {}: unknown link type, taken as physical",
                        self.file,
                        self.path.as_str(),
                        Quoted(ty)
                    );
                }
                let nic = match (raw.mac, &name) {
                    (Some(m), _) => NicMatch::Mac(m),
                    (None, Some(n)) => NicMatch::Name(n.clone()),
                    (None, None) => {
                        self.unmatched += 1;
                        self.note(Level::Warning, "no MAC and no name; matched by bus order");
                        NicMatch::Ordinal(self.unmatched - 1)
                    }
                };
                LinkKind::Physical { nic }
            }
        };
        let is_bond = matches!(kind, LinkKind::Bond { .. });
        let idx = self
            .cfg
            .push_link(Link {
                id,
                name,
                mtu: raw.mtu,
                kind,
                master: None,
            })
            .map_err(|e| self.full(e))?;
        if !is_bond && !raw.options.is_empty() {
            self.note(
                Level::Warning,
                "bond options on a link that is not a bond, ignored",
            );
            return Ok(());
        }
        for (def, value) in raw.options {
            self.cfg
                .push_bond_option(BondOption {
                    bond: idx,
                    def,
                    value,
                })
                .map_err(|e| self.full(e))?;
        }
        Ok(())
    }
}

/// Pass 2: `vlan_link`, `bond_links` and `bond_primary` of link `element`.
struct LinkRefs<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
}

impl Object for LinkRefs<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let me = (p.base_links + p.element) as LinkIdx;
        let m = p.path.key(key);
        let kind = p.cfg.link(me).kind.clone();
        match (key, kind) {
            ("vlan_link", LinkKind::Vlan { .. }) => {
                let Some(parent_id) = p.id(v)? else {
                    return Err(p.fail(Some("null"), Problem::Missing));
                };
                let parent = p.link_ref(&parent_id)?;
                if parent == me || p.cfg.link(parent).master.is_some() {
                    return Err(p.fail(Some(&parent_id), Problem::InvalidTopology));
                }
                if let Some(LinkKind::Vlan { parent: slot, .. }) =
                    p.cfg.links.get_mut(me as usize).map(|l| &mut l.kind)
                {
                    *slot = parent;
                }
            }
            ("bond_links", LinkKind::Bond { .. }) => {
                let s = v.array(&mut Members {
                    p: &mut *p,
                    bond: me,
                })?;
                p.want_array(s)?
            }
            (k, LinkKind::Bond { .. })
                if bond_option(k).is_some_and(|(_, d)| d.ty == OptionType::Interface) =>
            {
                if let Some(want) = p.id(v)? {
                    // The primary is named by a member's id, `name` or MAC.
                    let found = p.cfg.slaves_of(me).find(|(_, l)| {
                        l.id == want
                            || l.name.as_deref() == Some(&want)
                            || want
                                .parse::<Mac>()
                                .ok()
                                .is_some_and(|mac| l.configured_mac() == Some(mac))
                    });
                    let Some((slave, _)) = found else {
                        return Err(p.fail(Some(&want), Problem::DanglingReference));
                    };
                    let def = bond_option(k).map_or(0, |(i, _)| i as u8);
                    p.cfg
                        .push_bond_option(BondOption {
                            bond: me,
                            def,
                            value: OptionValue::Interface(slave),
                        })
                        .map_err(|e| p.full(e))?;
                }
            }
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

/// The ids listed in a bond's `bond_links`.
struct Members<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    bond: LinkIdx,
}

impl Array for Members<'_, '_, '_> {
    fn element(&mut self, index: usize, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let m = p.path.index(index);
        let Some(id) = p.id(v)? else {
            return Err(p.fail(Some("null"), Problem::Missing));
        };
        let slave = p.link_ref(&id)?;
        let l = p.cfg.link(slave);
        // A member must be a NIC, and in one bond only.
        if !l.is_physical() || l.master.is_some_and(|b| b != self.bond) {
            return Err(p.fail(Some(&id), Problem::InvalidTopology));
        }
        if let Some(l) = p.cfg.links.get_mut(slave as usize) {
            l.master = Some(self.bond);
        }
        p.path.reset(m);
        Ok(())
    }
}

// --- networks ----------------------------------------------------------------------------------

struct Networks<'a, 'c, 'f>(&'a mut Parser<'c, 'f>);

impl Array for Networks<'_, '_, '_> {
    fn element(&mut self, index: usize, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.0;
        let m = p.path.index(index);
        p.element = index;
        if p.pass == Pass::Networks {
            let mut raw = RawNetwork::default();
            let shape = v.object(&mut NetworkFields {
                p: &mut *p,
                raw: &mut raw,
            })?;
            p.want_object(shape)?;
            p.finish_network(raw)?;
        } else {
            let shape = v.object(&mut NetworkRefs { p: &mut *p })?;
            p.want_object(shape)?;
        }
        p.path.reset(m);
        Ok(())
    }
}

#[derive(Default)]
struct RawNetwork {
    id: Option<Id>,
    ty: Option<Text<64>>,
    link: Option<LinkIdx>,
    ip: Option<Text<64>>,
    netmask: Option<Text<64>>,
    gateway: Option<Text<64>>,
}

struct NetworkFields<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    raw: &'a mut RawNetwork,
}

impl Object for NetworkFields<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let (p, raw) = (&mut *self.p, &mut *self.raw);
        let m = p.path.key(key);
        match key {
            "id" => raw.id = p.id(v)?,
            "type" => raw.ty = p.short(v)?,
            "link" => {
                let Some(id) = p.id(v)? else {
                    return Err(p.fail(Some("null"), Problem::Missing));
                };
                raw.link = Some(p.link_ref(&id)?);
            }
            "ip_address" => raw.ip = p.short(v)?,
            "netmask" => raw.netmask = p.short(v)?,
            "gateway" => raw.gateway = p.short(v)?,
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

impl Parser<'_, '_> {
    /// Turns one network's raw fields into a model network (pass 3).
    fn finish_network(&mut self, raw: RawNetwork) -> Result<(), Stop> {
        let Some(link) = raw.link else {
            return Err(self.fail_at("link", None, Problem::Missing));
        };
        // Kept in the model as the document says it, but an enslaved link's L3 settings do
        // nothing (Ironic's sample does this): say so rather than drop them silently.
        if let Some(b) = self.cfg.link(link).master {
            crate::warn!(
                "{}: {}: link {} is in bond {}: not applied",
                self.file,
                self.path.as_str(),
                self.cfg.link(link).id,
                self.cfg.link(b).id
            );
        }
        let ty = raw.ty.as_deref().unwrap_or("");
        let (kind, family) = match ty {
            "ipv4" => (NetKind::Static, Some(true)),
            "ipv6" | "static6" => (NetKind::Static, Some(false)),
            "static" => (NetKind::Static, None),
            "ipv4_dhcp" | "dhcp4" | "dhcp" => (NetKind::Dhcp4, Some(true)),
            "ipv6_dhcp" | "dhcp6" => (NetKind::Dhcp6, Some(false)),
            "ipv6_slaac" => (NetKind::Slaac, Some(false)),
            "ipv6_dhcpv6-stateless" => (NetKind::Dhcpv6Stateless, Some(false)),
            "ipv6_dhcpv6-stateful" => (NetKind::Dhcpv6Stateful, Some(false)),
            "" => return Err(self.fail_at("type", None, Problem::Missing)),
            other => return Err(self.fail_at("type", Some(other), Problem::UnknownValue)),
        };
        let address = match raw.ip.as_deref().map(trim) {
            None | Some("") if kind == NetKind::Static => {
                return Err(self.fail_at("ip_address", None, Problem::Missing));
            }
            None | Some("") => None,
            Some(ip) => Some(self.address(ip, raw.netmask.as_deref(), family)?),
        };
        let id = match raw.id {
            Some(id) => id,
            None => {
                crate::text::format(format_args!("network{}", self.element)).unwrap_or_default()
            }
        };
        let net = self
            .cfg
            .push_network(Network {
                id,
                link,
                kind,
                address,
            })
            .map_err(|e| self.full(e))?;
        // A network-level `gateway` (a non-nova shape) is a default route.
        if let Some(g) = raw.gateway.as_deref().map(trim).filter(|g| !g.is_empty()) {
            let m = self.path.key("gateway");
            let gw = self.ip(g)?;
            if address.is_some_and(|a| a.is_ipv4() != gw.is_ipv4()) {
                return Err(self.fail(Some(g), Problem::FamilyMismatch));
            }
            self.path.reset(m);
            let dest = IpCidr {
                addr: unspecified(&gw),
                prefix: 0,
            };
            let r = Route {
                network: net,
                link,
                dest,
                gateway: Some(gw),
                metric: None,
                on_link: false,
            };
            self.cfg.push_route(r).map_err(|e| self.full(e))?;
        }
        Ok(())
    }

    /// An interface address from `ip_address` (maybe with `/NN`) and `netmask`.
    fn address(
        &mut self,
        ip: &str,
        netmask: Option<&str>,
        v4: Option<bool>,
    ) -> Result<IpCidr, Stop> {
        let m = self.path.key("ip_address");
        let (a, suffix) = match ip.split_once('/') {
            Some((a, s)) => (a, Some(s)),
            None => (ip, None),
        };
        let addr = self
            .ip(a)
            .map_err(|_| self.fail(Some(ip), Problem::InvalidAddress))?;
        if v4.is_some_and(|v4| v4 != addr.is_ipv4()) {
            return Err(self.fail(Some(ip), Problem::FamilyMismatch));
        }
        let prefix = match (suffix, netmask.map(trim)) {
            (Some(s), _) => self.prefix(&addr, s)?,
            (None, Some(mask)) if !mask.is_empty() => {
                self.path.reset(m);
                self.path.key("netmask");
                self.prefix(&addr, mask)?
            }
            // An empty or absent IPv6 netmask is /64 (cloud-init's reading too).
            (None, _) if !addr.is_ipv4() => 64,
            (None, _) => {
                crate::warn!(
                    "{}: {}: {} has no netmask; assuming /24 (as cloud-init does)",
                    self.file,
                    self.path.as_str(),
                    crate::net::Ip(addr)
                );
                24
            }
        };
        self.path.reset(m);
        Ok(IpCidr { addr, prefix })
    }
}

fn unspecified(like: &IpAddr) -> IpAddr {
    if like.is_ipv4() {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    }
}

/// Pass 4: a network's `routes`, `services`, `dns_nameservers`, `dns_search`.
struct NetworkRefs<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
}

impl Object for NetworkRefs<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let net = (p.base_networks + p.element) as NetIdx;
        let link = p.cfg.network(net).link;
        let m = p.path.key(key);
        match key {
            "routes" => {
                let s = v.array(&mut Routes { p: &mut *p, net })?;
                p.want_array(s)?
            }
            "services" => {
                let s = v.array(&mut Services {
                    p: &mut *p,
                    link: Some(link),
                })?;
                p.want_array(s)?
            }
            "dns_nameservers" => p.nameservers(v, Some(link))?,
            "dns_search" => p.search_list(v, Some(link))?,
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

impl Parser<'_, '_> {
    /// Reads a list (or a string) of items, each handed to `each`; the first failure wins.
    fn list(
        &mut self,
        v: &mut dyn Value,
        each: &mut dyn FnMut(&mut Self, Scalar<'_>) -> Result<(), Stop>,
    ) -> Result<(), Stop> {
        let mut buf = [0u8; MAX_DOMAIN_BYTES];
        let mut i = 0usize;
        let shape = v.list(&mut buf, &mut |item| {
            let m = self.path.index(i);
            i += 1;
            each(self, item)?;
            self.path.reset(m);
            Ok(())
        })?;
        if shape == Shape::Other {
            return Err(self.fail(
                None,
                Problem::WrongType {
                    expected: "a string or a list of strings",
                },
            ));
        }
        Ok(())
    }

    /// DNS servers from `dns_nameservers` (a list, or one string).
    fn nameservers(&mut self, v: &mut dyn Value, link: Option<LinkIdx>) -> Result<(), Stop> {
        self.list(v, &mut |p, item| match item {
            Scalar::Str(s) => {
                let addr = p.ip(s)?;
                p.cfg
                    .push_dns_server(DnsServer { addr, link })
                    .map_err(|e| p.full(e))
            }
            _ => Err(p.fail(
                None,
                Problem::WrongType {
                    expected: "an address",
                },
            )),
        })
    }

    /// Search domains from a string (maybe several, space-separated) or a list.
    fn search_list(&mut self, v: &mut dyn Value, link: Option<LinkIdx>) -> Result<(), Stop> {
        self.list(v, &mut |p, item| match item {
            Scalar::Str(s) => s
                .split([' ', ','])
                .filter(|d| !d.is_empty())
                .try_for_each(|d| {
                    let name = text(d.strip_suffix('.').unwrap_or(d))
                        .ok()
                        .filter(|n: &Domain| valid_domain(n));
                    let Some(name) = name else {
                        return Err(p.fail(Some(d), Problem::InvalidHostname));
                    };
                    p.cfg
                        .push_search(SearchDomain { name, link })
                        .map_err(|e| p.full(e))
                }),
            Scalar::TooLong => Err(p.fail(
                None,
                Problem::TooLong {
                    bound: "MAX_DOMAIN_BYTES",
                    max: MAX_DOMAIN_BYTES,
                },
            )),
            _ => Err(p.fail(
                None,
                Problem::WrongType {
                    expected: "a domain name",
                },
            )),
        })
    }
}

struct Routes<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    net: NetIdx,
}

impl Array for Routes<'_, '_, '_> {
    fn element(&mut self, index: usize, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let m = p.path.index(index);
        let link = p.cfg.network(self.net).link;
        let mut raw = RawRoute::default();
        if v.object(&mut RouteFields {
            p: &mut *p,
            raw: &mut raw,
            link,
        })? != Shape::Done
        {
            return Err(p.fail(
                None,
                Problem::WrongType {
                    expected: "an object",
                },
            ));
        }
        p.finish_route(raw, self.net)?;
        p.path.reset(m);
        Ok(())
    }
}

#[derive(Default)]
struct RawRoute {
    network: Option<Text<64>>,
    netmask: Option<Text<64>>,
    gateway: Option<Text<64>>,
    metric: Option<u32>,
}

struct RouteFields<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    raw: &'a mut RawRoute,
    link: LinkIdx,
}

impl Object for RouteFields<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let m = p.path.key(key);
        match key {
            "network" | "destination" => self.raw.network = p.short(v)?,
            "netmask" => self.raw.netmask = p.short(v)?,
            "gateway" => self.raw.gateway = p.short(v)?,
            "metric" => self.raw.metric = p.number(v, 0, u32::MAX)?,
            // DNS inside a route (Ironic's schema) belongs to the route's link.
            "services" => {
                let s = v.array(&mut Services {
                    p: &mut *p,
                    link: Some(self.link),
                })?;
                p.want_array(s)?
            }
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

impl Parser<'_, '_> {
    fn finish_route(&mut self, raw: RawRoute, net: NetIdx) -> Result<(), Stop> {
        let link = self.cfg.network(net).link;
        let Some(dest) = raw.network else {
            return Err(self.fail_at("network", None, Problem::Missing));
        };
        let m = self.path.key("network");
        let (a, suffix) = match dest.split_once('/') {
            Some((a, s)) => (a, Some(s)),
            None => (dest.as_str(), None),
        };
        let addr = self
            .ip(a)
            .map_err(|_| self.fail(Some(&dest), Problem::InvalidAddress))?;
        let prefix = match (suffix, raw.netmask.as_deref().map(trim)) {
            (Some(s), _) => self.prefix(&addr, s)?,
            (None, Some(mask)) if !mask.is_empty() => {
                self.path.reset(m);
                self.path.key("netmask");
                self.prefix(&addr, mask)?
            }
            _ => {
                self.path.reset(m);
                return Err(self.fail_at("netmask", None, Problem::Missing));
            }
        };
        self.path.reset(m);
        let dest = IpCidr { addr, prefix }.network();
        let gateway = match raw.gateway.as_deref().map(trim) {
            None | Some("") => None,
            Some(g) => {
                let m = self.path.key("gateway");
                let gw = self.ip(g)?;
                if gw.is_ipv4() != addr.is_ipv4() {
                    return Err(self.fail(Some(g), Problem::FamilyMismatch));
                }
                self.path.reset(m);
                // 0.0.0.0 and :: mean "no gateway": a route straight onto the link.
                (!gw.is_unspecified()).then_some(gw)
            }
        };
        let r = Route {
            network: net,
            link,
            dest,
            gateway,
            metric: raw.metric,
            on_link: false,
        };
        self.cfg.push_route(r).map_err(|e| self.full(e))
    }
}

// --- services -----------------------------------------------------------------------------------

/// A `services` array: `{"type": "dns", "address": ..., "search": ...}` entries.
struct Services<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    link: Option<LinkIdx>,
}

impl Array for Services<'_, '_, '_> {
    fn element(&mut self, index: usize, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let m = p.path.index(index);
        let mut f = ServiceFields {
            p: &mut *p,
            link: self.link,
            ty: None,
            address: None,
        };
        if v.object(&mut f)? != Shape::Done {
            return Err(p.fail(
                None,
                Problem::WrongType {
                    expected: "an object",
                },
            ));
        }
        let (ty, address) = (f.ty, f.address);
        match (ty.as_deref(), address) {
            (Some("dns"), Some(a)) => {
                let m2 = p.path.key("address");
                let addr = p.ip(&a)?;
                p.path.reset(m2);
                p.cfg
                    .push_dns_server(DnsServer {
                        addr,
                        link: self.link,
                    })
                    .map_err(|e| p.full(e))?;
            }
            (Some("dns"), None) => {
                p.note(Level::Warning, "dns service without an address, ignored")
            }
            _ => p.note(Level::Debug, "not a dns service, ignored"),
        }
        p.path.reset(m);
        Ok(())
    }
}

struct ServiceFields<'a, 'c, 'f> {
    p: &'a mut Parser<'c, 'f>,
    link: Option<LinkIdx>,
    ty: Option<Text<64>>,
    address: Option<Text<64>>,
}

impl Object for ServiceFields<'_, '_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let p = &mut *self.p;
        let m = p.path.key(key);
        match key {
            "type" => self.ty = p.short(v)?,
            "address" => self.address = p.short(v)?,
            "search" => p.search_list(v, self.link)?,
            _ => v.skip()?,
        }
        p.path.reset(m);
        Ok(())
    }
}

// --- helpers ------------------------------------------------------------------------------------

/// A non-negative decimal integer, as JSON numbers and numeric strings spell it.
/// `1500.0` is accepted (some YAML-to-JSON tools emit floats); `1e3` and `-1` are not.
fn parse_unsigned(s: &str) -> Option<u64> {
    let s = trim(s);
    let s = s.strip_suffix(".0").unwrap_or(s);
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::text::parse_dec(s, u64::MAX)
}

/// A DNS name: labels of letters, digits, `-` and `_`, 1-63 bytes each, dots between.
pub fn valid_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_DOMAIN_BYTES
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
#[path = "network_data_tests.rs"]
mod tests;

#[cfg(test)]
mod bond_member_tests {
    use super::*;
    use crate::log::{Level, capture};

    #[test]
    fn a_network_on_a_bond_member_is_kept_and_reported() {
        let doc = br#"{"links": [
            {"id": "a", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"},
            {"id": "b", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02"},
            {"id": "bond0", "type": "bond", "bond_mode": "802.3ad", "bond_links": ["a", "b"]}],
          "networks": [
            {"id": "n", "type": "ipv4", "link": "a", "ip_address": "10.0.0.5",
             "netmask": "255.255.255.0"}]}"#;
        let mut normalized = std::vec![0u8; doc.len() * 3];
        let doc = crate::json::normalize(doc, &mut normalized).unwrap();
        let mut unescape = [0u8; MAX_JSON_STRING_BYTES];
        let mut cfg = std::boxed::Box::new(Config::new());
        capture::take();
        parse(doc, &mut unescape, None, "network_data.json", &mut cfg).unwrap();
        assert_eq!(cfg.networks.len(), 1);
        assert!(
            capture::logged(
                Level::Warning,
                "network_data.json: networks[0]: link a is in bond bond0: not applied"
            ),
            "{:?}",
            capture::take()
        );
    }
}
