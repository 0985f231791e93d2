//! The legacy Debian interfaces file nova injects (`network_config.content_path`), read into
//! the model.
//!
//! Nova renders `interfaces.template` into `openstack/content/NNNN` when `flat_injected` is
//! set (reference/peers.md §1.3, §3.1). The subset of interfaces(5) read here is what nova's
//! templates (and operators' replacements) produce:
//! - `auto`, `allow-*`, `mapping`, `source` lines (accepted; `source` is not followed);
//! - `iface NAME inet|inet6 static|dhcp|manual|loopback` (and inet6 `auto`: SLAAC); an alias
//!   `NAME:N` adds to `NAME`; all stanzas for one name (nova's inet + inet6) are one link;
//! - `hwaddress [ether] MAC`, `address A[/P]`, `netmask` (dotted, hex or length), `broadcast`
//!   (checked only: the kernel derives it), `gateway`, `dns-nameservers`, `dns-search`,
//!   `dns-domain`, `mtu`;
//! - `up`/`post-up` `ip [-4|-6] addr add A[/P] ...` and `ip [-4|-6] route add DEST|default
//!   [via G] [metric N] ...` (nova's LXC variant, operator templates), when their `dev` is
//!   the stanza's interface or `${IFACE}` and no `table` is named;
//! - comments, `\` continuation lines. Other options and commands are ignored (debug log).
//!
//! NICs: a link with `hwaddress` is that MAC; else `ethN` is the N-th physical NIC in bus
//! order (logged: fragile); another name is the interface of that name. `lo` is ignored
//! except its DNS options, taken as global ones.
//!
//! Two stanzas for different names with the same `hwaddress` stay two links matched by that
//! MAC: nova's template means one NIC per `ethN` (its tests reuse one fake VIF). A NIC serves
//! one link, so at run time the first gets it and naming reports the other absent.
//!
//! Errors name the file and line: `openstack/content/0000: line 12: netmask: "255.0.255.0":
//! non-contiguous netmask`. The code favours size over speed (one table lookup for keywords,
//! errors recorded once in the parser): the file is read once per boot.

use core::fmt::Write;

use super::{Buffers, ReadError};
use crate::drive::Drive;
use crate::error::{DataError, Problem};
use crate::log::Level;
use crate::model::*;
use crate::net::{IpAddr, IpCidr, Ipv4Addr, Ipv6Addr, Mac, MaskError};
use crate::net::{mask_to_prefix_v4, mask_to_prefix_v6, parse_ip, parse_ipv4};
use crate::text::{Text, text};

/// Reads the interfaces file `content_path` names into `cfg`; false if it holds no network.
pub fn read(
    drive: &mut dyn Drive,
    content_path: &str,
    buf: &mut Buffers,
    cfg: &mut Config,
) -> Result<bool, ReadError> {
    let path = super::content_file(content_path).map_err(|p| {
        DataError::new(
            "meta_data.json",
            "network_config.content_path",
            Some(content_path),
            p,
        )
    })?;
    let Some(n) = drive.read(&path, &mut buf.document)? else {
        return Err(DataError::new(&path, "", None, Problem::Missing).into());
    };
    let before = cfg.links.len();
    parse(buf.document.get_mut(..n).unwrap_or_default(), &path, cfg)?;
    let found = cfg.links.len() > before;
    if found {
        crate::info!("network configuration from {path} (legacy interfaces file)");
    }
    Ok(found)
}

/// An error was recorded in [`Parser::err`]: stop reading.
struct Stop;

type Res<T = ()> = Result<T, Stop>;

/// The position of `word` among the space-separated `words` (one table instead of a chain
/// of string comparisons: smaller code).
#[inline(never)]
pub(super) fn find(word: &str, words: &str) -> Option<usize> {
    words.split(' ').position(|w| w == word)
}

/// What the lines being read belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing yet, or after `auto`/`source`: an option here is misplaced.
    Outside,
    /// A `mapping` stanza: its options are not ours.
    Ignored,
    /// `iface lo`: only DNS options count (as global ones).
    Loopback,
    Iface,
}

/// The `iface` stanza being read.
#[derive(Clone, Copy)]
struct Stanza {
    line: u32,
    link: LinkIdx,
    v6: bool,
    /// The network the stanza's method declares (none for `manual`).
    net: Option<NetIdx>,
    /// `address`, with the prefix it carried.
    addr: Option<(IpAddr, Option<u8>)>,
    /// `netmask`.
    mask: Option<u8>,
}

struct Parser<'f, 'c> {
    file: &'f str,
    cfg: &'c mut Config,
    base: usize,
    /// The line being read.
    no: u32,
    mode: Mode,
    st: Stanza,
    /// A directive has been seen: this is an interfaces file.
    seen: bool,
    err: Option<DataError>,
}

const NOT_INTERFACES: Problem = Problem::WrongType {
    expected: "an interfaces(5) file",
};

/// A link's NIC rule before the end of the file (`hwaddress` may still come).
const UNMATCHED: NicMatch = NicMatch::Ordinal(u16::MAX);

fn unspecified(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// `a` with its prefix, else as a host address (what `ip addr add` makes of it).
fn with_prefix((addr, p): (IpAddr, Option<u8>)) -> IpCidr {
    let host = if addr.is_ipv4() { 32 } else { 128 };
    IpCidr {
        addr,
        prefix: p.unwrap_or(host),
    }
}

/// Reads an interfaces file into `cfg`. `doc` is modified: continuation lines are joined in
/// place. `file` names it in messages.
pub fn parse(doc: &mut [u8], file: &str, cfg: &mut Config) -> Result<(), DataError> {
    let mut p = Parser {
        file,
        base: cfg.links.len(),
        cfg,
        no: 0,
        mode: Mode::Outside,
        st: Stanza {
            line: 0,
            link: 0,
            v6: false,
            net: None,
            addr: None,
            mask: None,
        },
        seen: false,
        err: None,
    };
    let (mut pos, mut no) = (0, 0u32);
    let r = loop {
        if pos >= doc.len() {
            break p.end_stanza();
        }
        no += 1;
        p.no = no;
        let (start, mut w) = (pos, pos);
        // A line ending in `\` goes on with the next: move each piece down over the `\`+newline.
        loop {
            let rest = doc.get(pos..).unwrap_or_default();
            let end = pos + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let body = doc.get(pos..end).unwrap_or_default();
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            let cont = end < doc.len() && body.last() == Some(&b'\\');
            let keep = if cont { pos + body.len() - 1 } else { end };
            doc.copy_within(pos..keep, w);
            w += keep - pos;
            pos = end + 1;
            if !cont {
                break;
            }
            no += 1;
        }
        let r = match core::str::from_utf8(doc.get(start..w).unwrap_or_default()) {
            Ok(line) => p.line(line),
            Err(_) => {
                let expected = "UTF-8 text";
                Err(p.fail("", None, Problem::WrongType { expected }))
            }
        };
        if r.is_err() {
            break r;
        }
    };
    if let (Err(Stop), Some(e)) = (r, p.err.take()) {
        return Err(e);
    }
    if !p.seen {
        return Err(DataError::new(file, "", None, NOT_INTERFACES));
    }
    p.finish();
    Ok(())
}

impl Parser<'_, '_> {
    /// Records what is wrong at the line being read (`self.no`): the directive, the value.
    #[cold]
    #[inline(never)]
    fn fail(&mut self, key: &str, value: Option<&str>, problem: Problem) -> Stop {
        let mut path: Text<96> = Text::new();
        let sep = if key.is_empty() { "" } else { ": " };
        let _ = write!(path.as_mut_view(), "line {}{sep}{key}", u64::from(self.no));
        self.err = Some(DataError::new(self.file, &path, value, problem));
        Stop
    }

    fn bad(&mut self, key: &str, value: &str, problem: Problem) -> Stop {
        self.fail(key, Some(value), problem)
    }

    fn full(&mut self, f: Full) -> Stop {
        let problem = Problem::Capacity {
            bound: f.bound,
            max: f.max,
        };
        self.fail("", None, problem)
    }

    /// Logs `what: msg` at the line being read.
    #[inline(never)]
    fn note(&self, level: Level, what: &str, msg: &str) {
        crate::log::log(
            level,
            format_args!("{}: line {}: {what}: {msg}", self.file, u64::from(self.no)),
        );
    }

    fn line(&mut self, line: &str) -> Res {
        let line = line.trim_ascii();
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let k = line
            .bytes()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(line.len());
        let key = line.get(..k).unwrap_or_default();
        let rest = line.get(k..).unwrap_or_default().trim_ascii_start();
        let mode = match find(
            key,
            "iface mapping auto no-auto-down no-scripts source source-directory",
        ) {
            Some(0) => Mode::Iface,
            Some(1) => Mode::Ignored,
            Some(2..=4) => Mode::Outside,
            Some(_) => {
                self.note(Level::Warning, line, "not followed");
                Mode::Outside
            }
            None if key.starts_with("allow-") => Mode::Outside,
            None => return self.option(key, rest, line),
        };
        self.end_stanza()?;
        self.seen = true;
        self.mode = mode;
        if mode == Mode::Iface {
            self.iface(rest)?;
        }
        Ok(())
    }

    fn iface(&mut self, rest: &str) -> Res {
        let mut w = rest.split_ascii_whitespace();
        let (Some(name), Some(family), Some(method), None) =
            (w.next(), w.next(), w.next(), w.next())
        else {
            let expected = "NAME inet|inet6 METHOD";
            return Err(self.bad("iface", rest, Problem::WrongType { expected }));
        };
        let v6 = match find(family, "inet inet6") {
            Some(f) => f == 1,
            None => return Err(self.bad("iface", family, Problem::UnknownValue)),
        };
        let kind = match find(method, "static dhcp auto manual loopback") {
            _ if name == "lo" => None,
            Some(0) => Some(NetKind::Static),
            Some(1) if v6 => Some(NetKind::Dhcp6),
            Some(1) => Some(NetKind::Dhcp4),
            Some(2) if v6 => Some(NetKind::Slaac),
            Some(3) => None,
            Some(4) => None,
            _ => return Err(self.bad("iface", method, Problem::UnknownValue)),
        };
        if name == "lo" || method == "loopback" {
            self.mode = Mode::Loopback;
            return Ok(());
        }
        // `eth0:1` is an alias: more addresses on eth0.
        let base = name.split(':').next().unwrap_or_default();
        let Some(id) = text::<{ crate::limits::MAX_ID_BYTES }>(base)
            .ok()
            .filter(|_| valid_ifname(base))
        else {
            return Err(self.bad("iface", name, Problem::InvalidInterfaceName));
        };
        let ours = self.cfg.links.get(self.base..).unwrap_or_default();
        let link = match ours.iter().position(|l| l.id == id) {
            Some(i) => (self.base + i) as LinkIdx,
            None => {
                let l = Link {
                    id: id.clone(),
                    name: None,
                    mtu: None,
                    kind: LinkKind::Physical { nic: UNMATCHED },
                    master: None,
                };
                self.cfg.push_link(l).map_err(|f| self.full(f))?
            }
        };
        let mut net = None;
        if let Some(kind) = kind {
            let n = Network {
                id,
                link,
                kind,
                address: None,
            };
            net = Some(self.cfg.push_network(n).map_err(|f| self.full(f))?);
        }
        self.st = Stanza {
            line: self.no,
            link,
            v6,
            net,
            addr: None,
            mask: None,
        };
        Ok(())
    }

    /// Completes the stanza being read: its address takes its prefix.
    fn end_stanza(&mut self) -> Res {
        let st = self.st;
        if self.mode != Mode::Iface {
            return Ok(());
        }
        self.mode = Mode::Outside;
        let Some(net) = st.net else { return Ok(()) };
        // Messages about the stanza name its `iface` line.
        let no = core::mem::replace(&mut self.no, st.line);
        let address = st.addr.map(|(a, p)| {
            if p.is_none() && st.mask.is_none() {
                self.note(Level::Warning, "address", "no netmask: a host address");
            }
            with_prefix((a, p.or(st.mask)))
        });
        let Some(n) = self.cfg.networks.get_mut(net as usize) else {
            return Ok(());
        };
        n.address = address;
        if address.is_none() && n.kind == NetKind::Static {
            return Err(self.fail("address", None, Problem::Missing));
        }
        self.no = no;
        Ok(())
    }

    /// An option line (`line` is all of it, for messages).
    fn option(&mut self, key: &str, rest: &str, line: &str) -> Res {
        let link = match self.mode {
            Mode::Outside => {
                let expected = if self.seen {
                    "an option after an iface line"
                } else {
                    "an interfaces(5) file"
                };
                return Err(self.bad("", line, Problem::WrongType { expected }));
            }
            Mode::Ignored => return Ok(()),
            Mode::Loopback => None,
            Mode::Iface => Some(self.st.link),
        };
        let words = "dns-nameservers dns-search dns-domain hwaddress address netmask broadcast \
                     gateway mtu up post-up";
        // On lo, only the DNS options (0..=2) count.
        let Some(i) = find(key, words).filter(|&i| i <= 2 || link.is_some()) else {
            self.note(Level::Debug, key, "ignored");
            return Ok(());
        };
        let l = link.unwrap_or_default();
        let v6 = self.st.v6;
        match i {
            // dns-nameservers
            0 => {
                for v in rest.split_ascii_whitespace() {
                    let Some(addr) = parse_ip(v) else {
                        return Err(self.bad(key, v, Problem::InvalidAddress));
                    };
                    let r = self.cfg.push_dns_server(DnsServer { addr, link });
                    r.map_err(|f| self.full(f))?;
                }
            }
            // dns-search, dns-domain
            1 | 2 => {
                for v in rest.split_ascii_whitespace() {
                    let name = text(v.strip_suffix('.').unwrap_or(v))
                        .ok()
                        .filter(|n: &Domain| super::network_data::valid_domain(n));
                    let Some(name) = name else {
                        return Err(self.bad(key, v, Problem::InvalidHostname));
                    };
                    let r = self.cfg.push_search(SearchDomain { name, link });
                    r.map_err(|f| self.full(f))?;
                }
            }
            // hwaddress
            3 => {
                let v = rest
                    .strip_prefix("ether")
                    .map_or(rest, str::trim_ascii_start);
                let kind = self.cfg.links.get_mut(l as usize).map(|l| &mut l.kind);
                let (Ok(mac), Some(LinkKind::Physical { nic })) = (v.parse::<Mac>(), kind) else {
                    return Err(self.bad(key, rest, Problem::InvalidMac));
                };
                if matches!(nic, NicMatch::Mac(m) if *m != mac) {
                    return Err(self.bad(key, rest, Problem::Duplicate));
                }
                *nic = NicMatch::Mac(mac);
            }
            // address
            4 => {
                if self.st.addr.is_some() {
                    return Err(self.bad(key, rest, Problem::Duplicate));
                }
                self.st.addr = Some(self.cidr(key, rest, Some(v6))?);
            }
            // netmask
            5 => self.st.mask = Some(self.prefix(key, rest, v6)?),
            // broadcast: checked; the kernel derives it from the prefix
            6 => {
                if !matches!(rest, "+" | "-") && parse_ipv4(rest).is_none() {
                    return Err(self.bad(key, rest, Problem::InvalidAddress));
                }
            }
            // gateway
            7 => {
                let gw = self.addr(key, rest, Some(v6))?;
                let dest = IpCidr {
                    addr: unspecified(v6),
                    prefix: 0,
                };
                self.route(dest, Some(gw), None)?;
            }
            // mtu
            8 => {
                let n = match crate::text::parse_dec(rest, u16::MAX.into()) {
                    Some(n @ 68..) => n,
                    Some(_) => {
                        let problem = Problem::OutOfRange {
                            min: 68,
                            max: 65535,
                        };
                        return Err(self.bad(key, rest, problem));
                    }
                    None => return Err(self.bad(key, rest, Problem::InvalidNumber)),
                };
                if let Some(l) = self.cfg.links.get_mut(l as usize) {
                    l.mtu = Some(n as u32);
                }
            }
            // up, post-up
            _ => return self.ip_command(key, rest, l),
        }
        Ok(())
    }

    /// A route on the stanza's link, on a network of its family: the link's latest with an
    /// address of that family (nova's LXC variant adds the IPv6 address and route inside the
    /// IPv4 stanza), else the stanza's, else any of the link's.
    fn route(&mut self, dest: IpCidr, gateway: Option<IpAddr>, metric: Option<u32>) -> Res {
        let (link, v4) = (self.st.link, dest.is_ipv4());
        let nets = &self.cfg.networks;
        let latest = |any| {
            nets.iter().rposition(|n| {
                n.link == link && (any || n.address.is_some_and(|a| a.is_ipv4() == v4))
            })
        };
        let network = latest(false)
            .or(self.st.net.map(usize::from))
            .or(latest(true));
        let Some(network) = network else {
            return Err(self.fail("address", None, Problem::Missing));
        };
        let r = Route {
            network: network as NetIdx,
            link,
            dest: dest.network(),
            gateway,
            metric,
            on_link: false,
        };
        self.cfg.push_route(r).map_err(|f| self.full(f))
    }

    /// `ip [-4|-6] addr|route add ...` from an `up`/`post-up` line; other commands are not ours.
    fn ip_command(&mut self, key: &str, rest: &str, link: LinkIdx) -> Res {
        let mut w = rest.split_ascii_whitespace();
        let mut v6 = None;
        let mut object = w.next().filter(|c| *c == "ip").and(w.next());
        while let Some(f @ ("-4" | "-6")) = object {
            v6 = Some(f == "-6");
            object = w.next();
        }
        let route = match find(object.unwrap_or_default(), "addr address route") {
            Some(r) if w.next() == Some("add") => r == 2,
            _ => {
                self.note(Level::Debug, rest, "ignored");
                return Ok(());
            }
        };
        let target = w.next().unwrap_or_default();
        let (mut via, mut metric) = (None, None);
        // Flags without a value (`onlink`) and other options (`proto static`) are skipped.
        while let Some(k) = w.next() {
            let i = find(k, "via metric dev table");
            let v = match i {
                Some(_) => w.next().unwrap_or_default(),
                None => continue,
            };
            match i {
                Some(0) => via = Some(v),
                Some(1) => match crate::text::parse_dec(v, u32::MAX.into()) {
                    Some(m) => metric = Some(m as u32),
                    None => return Err(self.bad(key, v, Problem::InvalidNumber)),
                },
                Some(2) if v == "${IFACE}" || self.cfg.link(link).id == v => {}
                _ => {
                    self.note(
                        Level::Warning,
                        rest,
                        "not for this interface's main table: ignored",
                    );
                    return Ok(());
                }
            }
        }
        if !route {
            let address = Some(with_prefix(self.cidr(key, target, v6)?));
            let id = self.cfg.link(link).id.clone();
            let n = Network {
                id,
                link,
                kind: NetKind::Static,
                address,
            };
            self.cfg.push_network(n).map_err(|f| self.full(f))?;
            return Ok(());
        }
        let gateway = match via {
            Some(g) => {
                let g = self.addr(key, g, v6)?;
                v6 = Some(!g.is_ipv4());
                Some(g)
            }
            None => None,
        };
        let dest = if target == "default" {
            IpCidr {
                addr: unspecified(v6 == Some(true)),
                prefix: 0,
            }
        } else {
            with_prefix(self.cidr(key, target, v6)?)
        };
        self.route(dest, gateway, metric)
    }

    /// After the last line: a link without `hwaddress` is, if named `ethN`, the N-th NIC in
    /// bus order (logged: fragile), else the interface of that name.
    fn finish(&mut self) {
        for l in self.cfg.links.get_mut(self.base..).unwrap_or_default() {
            let LinkKind::Physical { nic } = &mut l.kind else {
                continue;
            };
            if *nic != UNMATCHED {
                continue;
            }
            let digits =
                l.id.strip_prefix("eth")
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()));
            *nic = match digits.and_then(|d| crate::text::parse_dec(d, u16::MAX.into())) {
                Some(n) => {
                    crate::warn!(
                        "{}: {}: no hwaddress: taken as physical NIC {} in bus order (from 0)",
                        self.file,
                        l.id,
                        n
                    );
                    NicMatch::Ordinal(n as u16)
                }
                _ => NicMatch::Name(text(&l.id).unwrap_or_default()),
            };
        }
    }
}

impl Parser<'_, '_> {
    /// `A[/P]` (P a length or a mask) of the family `v6` asks for, if it asks.
    #[inline(never)]
    fn cidr(&mut self, key: &str, s: &str, v6: Option<bool>) -> Res<(IpAddr, Option<u8>)> {
        let (a, p) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let Some(addr) = parse_ip(a) else {
            return Err(self.bad(key, s, Problem::InvalidAddress));
        };
        if v6.is_some_and(|v6| v6 == addr.is_ipv4()) {
            return Err(self.bad(key, s, Problem::FamilyMismatch));
        }
        let prefix = match p {
            Some(p) => Some(self.prefix(key, p, !addr.is_ipv4())?),
            None => None,
        };
        Ok((addr, prefix))
    }

    /// A plain address (a gateway) of the family `v6` asks for, if it asks.
    fn addr(&mut self, key: &str, s: &str, v6: Option<bool>) -> Res<IpAddr> {
        match self.cidr(key, s, v6)? {
            (a, None) => Ok(a),
            _ => Err(self.bad(key, s, Problem::InvalidAddress)),
        }
    }

    /// A netmask or prefix length.
    fn prefix(&mut self, key: &str, s: &str, v6: bool) -> Res<u8> {
        let m = if v6 {
            mask_to_prefix_v6(s)
        } else {
            mask_to_prefix_v4(s)
        };
        m.map_err(|e| {
            let p = if e == MaskError::NonContiguous {
                Problem::NonContiguousMask
            } else {
                Problem::InvalidNetmask
            };
            self.bad(key, s, p)
        })
    }
}

#[cfg(test)]
mod tests {
    //! The corpus cases under tests/corpus/nova/injected-* are nova's own expected renderings
    //! (nova/tests/unit/network/test_network_info.py, Apache-2.0; see tests/corpus/SOURCES.md).

    use super::*;
    use crate::drive::dir::DirDrive;
    use crate::log::{Level, capture};
    use std::boxed::Box;
    use std::string::{String, ToString};
    use std::vec::Vec;
    use std::{format, fs};

    const FILE: &str = "openstack/content/0000";

    fn parse_str(s: &str) -> Result<Config, DataError> {
        parse_bytes(s.as_bytes())
    }
    fn parse_bytes(b: &[u8]) -> Result<Config, DataError> {
        let mut doc = b.to_vec();
        let mut cfg = Config::new();
        parse(&mut doc, FILE, &mut cfg)?;
        cfg.finish();
        Ok(cfg)
    }
    /// The message a rejected file gives.
    fn err(s: &str) -> String {
        parse_str(s).unwrap_err().to_string()
    }
    /// One stanza `iface eth0 <fam> static` with `body` and a MAC.
    fn eth0(fam: &str, body: &str) -> Config {
        parse_str(&format!(
            "auto eth0\niface eth0 {fam} static\n hwaddress {MAC}\n{body}\n"
        ))
        .unwrap()
    }

    fn cidr(s: &str) -> IpCidr {
        let (a, p) = s.split_once('/').unwrap();
        IpCidr::new(a.parse().unwrap(), p.parse().unwrap()).unwrap()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn link(id: &str, nic: NicMatch) -> Link {
        Link {
            id: text(id).unwrap(),
            name: None,
            mtu: None,
            kind: LinkKind::Physical { nic },
            master: None,
        }
    }
    fn mac(s: &str) -> NicMatch {
        NicMatch::Mac(s.parse().unwrap())
    }
    fn net(id: &str, link: LinkIdx, kind: NetKind, a: Option<&str>) -> Network {
        Network {
            id: text(id).unwrap(),
            link,
            kind,
            address: a.map(cidr),
        }
    }
    fn st(id: &str, link: LinkIdx, a: &str) -> Network {
        net(id, link, NetKind::Static, Some(a))
    }
    fn route(network: NetIdx, link: LinkIdx, dest: &str, gw: Option<&str>) -> Route {
        Route {
            network,
            link,
            dest: cidr(dest),
            gateway: gw.map(ip),
            metric: None,
            on_link: false,
        }
    }
    fn dns(list: &[&str], link: Option<LinkIdx>) -> Vec<DnsServer> {
        list.iter()
            .map(|a| DnsServer { addr: ip(a), link })
            .collect()
    }
    fn search(list: &[&str], link: Option<LinkIdx>) -> Vec<SearchDomain> {
        list.iter()
            .map(|d| SearchDomain {
                name: text(d).unwrap(),
                link,
            })
            .collect()
    }

    // --- drives on disk ---------------------------------------------------------------------

    /// What reading a drive gave: the result, the configuration, the log lines.
    type Outcome = (Result<(), String>, Box<Config>, Vec<(Level, String)>);

    /// A config drive in a fresh temporary directory.
    struct TempDrive(std::path::PathBuf);

    impl TempDrive {
        /// `files` are (path inside the drive, bytes).
        fn new(files: &[(&str, &[u8])]) -> TempDrive {
            use core::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "configdrive-net-eni-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("openstack/latest")).unwrap();
            for (path, bytes) in files {
                let p = dir.join(path);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, bytes).unwrap();
            }
            TempDrive(dir)
        }
        /// meta_data.json whose `network_config.content_path` is `cp`, plus `files`.
        fn with_content_path(cp: &str, files: &[(&str, &[u8])]) -> TempDrive {
            let md = format!(
                r#"{{"uuid": "u-1", "hostname": "vm1", "network_config": {{"name": "network_config", "content_path": "{cp}"}}}}"#
            );
            let mut all = std::vec![("openstack/latest/meta_data.json", md.as_bytes())];
            all.extend_from_slice(files);
            TempDrive::new(&all)
        }
        /// `content` at `openstack/<rel>`, with meta_data.json pointing at `/<rel>`.
        fn legacy(rel: &str, content: &[u8]) -> TempDrive {
            let path = format!("openstack/{rel}");
            TempDrive::with_content_path(&format!("/{rel}"), &[(&path, content)])
        }
        fn corpus(case: &str) -> TempDrive {
            TempDrive::legacy("content/0000", &corpus_file(case, "0000"))
        }
        fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
        /// Reads the drive as the program does (on a thread with room for the buffers);
        /// returns the result, the configuration and what was logged.
        fn read(&self) -> Outcome {
            let path = self.path().to_string();
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || {
                    let mut buf = Box::new(super::super::Buffers::new());
                    let mut cfg = Box::new(Config::new());
                    let mut drive = DirDrive::open(&path).unwrap();
                    let r = super::super::read(&mut drive, &mut buf, &mut cfg)
                        .map_err(|e| e.to_string());
                    (r, cfg, capture::take())
                })
                .unwrap()
                .join()
                .unwrap()
        }
    }

    impl Drop for TempDrive {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn corpus_file(case: &str, name: &str) -> Vec<u8> {
        let dir = if case.starts_with("injected") {
            "nova"
        } else {
            "cloud-init"
        };
        fs::read(format!(
            "{}/tests/corpus/{dir}/{case}/config-drive/openstack/content/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn logged(logs: &[(Level, String)], level: Level, needle: &str) -> bool {
        logs.iter().any(|(l, t)| *l == level && t.contains(needle))
    }

    // --- the nova corpus, read from a drive ---------------------------------------------------

    const MAC: &str = "aa:aa:aa:aa:aa:aa";
    const DNS4: [&str; 2] = ["1.2.3.4", "2.3.4.5"];
    const DNS6: [&str; 2] = ["2001:4860:4860::8888", "2001:4860:4860::8844"];

    #[test]
    fn corpus_ipv4_static() {
        let (r, cfg, _) = TempDrive::corpus("injected-ipv4-static").read();
        r.unwrap();
        assert_eq!(cfg.source, Source::LegacyInterfaces);
        assert_eq!(cfg.hostname.as_deref(), Some("vm1"));
        assert_eq!(cfg.links[..], [link("eth0", mac(MAC))]);
        assert_eq!(cfg.networks[..], [st("eth0", 0, "10.10.0.2/24")]);
        assert_eq!(
            cfg.routes[..],
            [route(0, 0, "0.0.0.0/0", Some("10.10.0.1"))]
        );
        assert_eq!(cfg.dns_servers[..], dns(&DNS4, Some(0))[..]);
        assert!(cfg.dns_search.is_empty());
    }

    #[test]
    fn corpus_dual_stack_same_iface_is_one_link() {
        let (r, cfg, _) = TempDrive::corpus("injected-dual-stack-same-iface").read();
        r.unwrap();
        assert_eq!(cfg.links[..], [link("eth0", mac(MAC))]);
        assert_eq!(
            cfg.networks[..],
            [
                st("eth0", 0, "10.10.0.2/24"),
                st("eth0", 0, "1234:567::2/48")
            ]
        );
        assert_eq!(
            cfg.routes[..],
            [
                route(0, 0, "0.0.0.0/0", Some("10.10.0.1")),
                route(1, 0, "::/0", Some("1234:567::1"))
            ]
        );
        let mut want = dns(&DNS4, Some(0));
        want.extend(dns(&DNS6, Some(0)));
        assert_eq!(cfg.dns_servers[..], want[..]);
    }

    #[test]
    fn corpus_ipv6_only() {
        let (r, cfg, _) = TempDrive::corpus("injected-ipv6-only").read();
        r.unwrap();
        assert_eq!(cfg.links[..], [link("eth0", mac(MAC))]);
        assert_eq!(cfg.networks[..], [st("eth0", 0, "1234:567::2/48")]);
        assert_eq!(cfg.routes[..], [route(0, 0, "::/0", Some("1234:567::1"))]);
        assert_eq!(cfg.dns_servers[..], dns(&DNS6, Some(0))[..]);
    }

    /// eth0 and eth1, each with 10.10.0.2/24 and 1234:567::2/48 and both default routes.
    /// Nova's test reuses one fake VIF, so both stanzas carry the same MAC. What the template
    /// means is one NIC per `ethN`: both stay links matched by that MAC. A NIC serves one
    /// link, so on a system with that NIC eth0 gets it and eth1 is reported absent. The
    /// second pair of default routes gets the next metric, as any competing defaults do.
    fn assert_two_dual_stack_links(cfg: &Config) {
        assert_eq!(
            cfg.links[..],
            [link("eth0", mac(MAC)), link("eth1", mac(MAC))]
        );
        assert_eq!(
            cfg.networks[..],
            [
                st("eth0", 0, "10.10.0.2/24"),
                st("eth0", 0, "1234:567::2/48"),
                st("eth1", 1, "10.10.0.2/24"),
                st("eth1", 1, "1234:567::2/48"),
            ]
        );
        let mut want = [
            route(0, 0, "0.0.0.0/0", Some("10.10.0.1")),
            route(1, 0, "::/0", Some("1234:567::1")),
            route(2, 1, "0.0.0.0/0", Some("10.10.0.1")),
            route(3, 1, "::/0", Some("1234:567::1")),
        ];
        want[2].metric = Some(1);
        want[3].metric = Some(1025);
        assert_eq!(cfg.routes[..], want);

        let mut nics = crate::naming::NicTable::new();
        let nic = crate::naming::Nic {
            ifindex: 2,
            name: text("ens3").unwrap(),
            mac: MAC.parse().unwrap(),
            perm_mac: None,
            physical: true,
            bus: text("0000:00:03.0").unwrap(),
        };
        nics.nics.push(nic).unwrap();
        capture::take();
        let names = crate::naming::resolve(cfg, &nics).unwrap();
        assert_eq!((names.name(0), names.present(0)), ("ens3", true));
        assert_eq!((names.name(1), names.present(1)), ("eth1", false));
        assert!(capture::logged(
            Level::Warning,
            "link eth1: the NIC with MAC aa:aa:aa:aa:aa:aa already serves another link"
        ));
    }

    #[test]
    fn corpus_two_interfaces_dual_stack() {
        let (r, cfg, _) = TempDrive::corpus("injected-two-interfaces-dual-stack").read();
        r.unwrap();
        assert_two_dual_stack_links(&cfg);
        let mut want = dns(&DNS4, Some(0));
        want.extend(dns(&DNS6, Some(0)));
        want.extend(dns(&DNS4, Some(1)));
        want.extend(dns(&DNS6, Some(1)));
        assert_eq!(cfg.dns_servers[..], want[..]);
    }

    #[test]
    fn corpus_lxc_ipv6_post_up() {
        // The same model as the inet6 stanzas give: the IPv6 default route, written in the
        // inet stanza, belongs to the IPv6 address's network.
        let (r, cfg, _) = TempDrive::corpus("injected-lxc-ipv6-post-up").read();
        r.unwrap();
        assert_two_dual_stack_links(&cfg);
        let mut want = dns(&DNS4, Some(0));
        want.extend(dns(&DNS4, Some(1)));
        assert_eq!(cfg.dns_servers[..], want[..]);
    }

    #[test]
    fn corpus_overridden_template_routes() {
        let (r, cfg, logs) = TempDrive::corpus("injected-overridden-template-routes").read();
        r.unwrap();
        assert_eq!(cfg.links[..], [link("eth0", NicMatch::Ordinal(0))]);
        assert!(logged(
            &logs,
            Level::Warning,
            "eth0: no hwaddress: taken as physical NIC 0 in bus order"
        ));
        assert_eq!(cfg.networks[..], [st("eth0", 0, "10.10.0.2/24")]);
        // The `post-up ip route add` line is a route; its `pre-down` twin is not ours.
        let mut extra = route(0, 0, "0.0.0.0/24", Some("192.168.1.1"));
        extra.on_link = true; // 192.168.1.1 is outside 10.10.0.0/24
        assert_eq!(
            cfg.routes[..],
            [route(0, 0, "0.0.0.0/0", Some("10.10.0.1")), extra]
        );
        assert_eq!(cfg.dns_servers[..], dns(&DNS4, Some(0))[..]);
    }

    // --- precedence and the path ------------------------------------------------------------

    const ND_ONE_LINK: &str = r#"{"links": [{"id": "tap0", "type": "ovs", "ethernet_mac_address": "fa:16:3e:00:00:01"}],
        "networks": [{"id": "n0", "link": "tap0", "type": "ipv4", "ip_address": "192.0.2.5", "netmask": "255.255.255.0"}]}"#;

    #[test]
    fn network_data_with_links_wins_empty_or_absent_falls_through() {
        let eni = corpus_file("injected-ipv4-static", "0000");
        let with = |nd: Option<&str>| {
            let mut files: Vec<(&str, &[u8])> = std::vec![("openstack/content/0000", &eni[..])];
            if let Some(nd) = nd {
                files.push(("openstack/latest/network_data.json", nd.as_bytes()));
            }
            TempDrive::with_content_path("/content/0000", &files).read()
        };
        let (r, cfg, _) = with(Some(ND_ONE_LINK));
        r.unwrap();
        assert_eq!(cfg.source, Source::NetworkData);
        assert_eq!(cfg.links.len(), 1);
        assert_eq!(cfg.links[0].id, "tap0");
        for nd in [Some("{}"), None] {
            let (r, cfg, _) = with(nd);
            r.unwrap();
            assert_eq!(cfg.source, Source::LegacyInterfaces);
            assert_eq!(cfg.links[..], [link("eth0", mac(MAC))]);
        }
    }

    #[test]
    fn content_path_is_followed_not_assumed() {
        // content/0000 is a personality file; the network config is content/0003.
        let eni = corpus_file("injected-ipv4-static", "0000");
        let d = TempDrive::with_content_path(
            "/content/0003",
            &[
                (
                    "openstack/content/0000",
                    b"This is contents of /etc/foo.cfg\n",
                ),
                ("openstack/content/0003", &eni),
            ],
        );
        let (r, cfg, _) = d.read();
        r.unwrap();
        assert_eq!(cfg.networks[..], [st("eth0", 0, "10.10.0.2/24")]);
    }

    #[test]
    fn content_path_outside_the_drive_is_refused() {
        for cp in ["../../etc/shadow", "/content/../../etc/shadow", "/"] {
            let (r, cfg, _) = TempDrive::with_content_path(cp, &[]).read();
            assert_eq!(
                r.unwrap_err(),
                format!(
                    "meta_data.json: network_config.content_path: \"{cp}\": not an acceptable path inside the drive"
                )
            );
            assert!(cfg.links.is_empty());
        }
    }

    #[test]
    fn symlink_out_of_the_drive_stays_inside() {
        // A valid interfaces file outside the drive, and a link to it by absolute path:
        // it resolves inside the drive (where there is nothing), never to the host file.
        let outside =
            TempDrive::new(&[("interfaces", &corpus_file("injected-ipv4-static", "0000"))]);
        let target = outside.0.join("interfaces");
        let d = TempDrive::with_content_path("/content/0000", &[]);
        fs::create_dir_all(d.0.join("openstack/content")).unwrap();
        std::os::unix::fs::symlink(&target, d.0.join("openstack/content/0000")).unwrap();
        let (r, cfg, _) = d.read();
        assert_eq!(
            r.unwrap_err(),
            "openstack/content/0000: required but missing"
        );
        assert!(cfg.links.is_empty());
    }

    #[test]
    fn missing_or_not_a_file_target_is_an_error() {
        let (r, _, _) = TempDrive::with_content_path("/content/0000", &[]).read();
        assert_eq!(
            r.unwrap_err(),
            "openstack/content/0000: required but missing"
        );
        let d = TempDrive::with_content_path("/content", &[("openstack/content/0000", b"x")]);
        assert_eq!(
            d.read().0.unwrap_err(),
            "openstack/content: not a regular file"
        );
    }

    #[test]
    fn personality_files_are_not_interfaces_files() {
        let tree = "configdrive-v2-tree";
        let (r, cfg, _) = TempDrive::legacy("content/0000", &corpus_file(tree, "0000")).read();
        assert_eq!(
            r.unwrap_err(),
            "openstack/content/0000: line 1: \"This is contents of /etc/foo.cfg\": expected an interfaces(5) file"
        );
        assert!(cfg.links.is_empty());
        // Only a comment: nothing that makes it an interfaces file either.
        let (r, _, _) = TempDrive::legacy("content/0001", &corpus_file(tree, "0001")).read();
        assert_eq!(
            r.unwrap_err(),
            "openstack/content/0001: expected an interfaces(5) file"
        );
        assert_eq!(err(""), format!("{FILE}: expected an interfaces(5) file"));
        assert_eq!(
            err("{\"links\": []}\n"),
            format!("{FILE}: line 1: \"{{\\\"links\\\": []}}\": expected an interfaces(5) file")
        );
    }

    #[test]
    fn non_utf8_is_refused_with_its_line() {
        let e = parse_bytes(b"auto eth0\niface eth0 inet dhcp\n  hostname \xff\xfe\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{FILE}: line 3: expected UTF-8 text")
        );
        let e = parse_bytes(b"\xc3").unwrap_err();
        assert_eq!(e.path.as_str(), "line 1");
    }

    #[test]
    fn only_loopback_is_no_network() {
        let (r, cfg, _) =
            TempDrive::legacy("content/0000", b"auto lo\niface lo inet loopback\n").read();
        r.unwrap();
        assert_eq!(cfg.source, Source::None);
        assert!(cfg.links.is_empty() && cfg.networks.is_empty());
        assert_eq!(cfg.hostname.as_deref(), Some("vm1"));
    }

    // --- each directive ---------------------------------------------------------------------

    #[test]
    fn auto_allow_and_mapping_lines_are_accepted() {
        let cfg = parse_str(
            "auto lo eth0\nallow-hotplug eth0\nmapping eth0\n  script /bin/true\n  map x y\n\
             iface eth0 inet dhcp\n",
        )
        .unwrap();
        assert_eq!(cfg.links[..], [link("eth0", NicMatch::Ordinal(0))]);
        assert_eq!(cfg.networks[..], [net("eth0", 0, NetKind::Dhcp4, None)]);
    }

    #[test]
    fn iface_methods() {
        let cfg = parse_str(
            "iface eth0 inet dhcp\niface eth0 inet6 dhcp\niface eth1 inet manual\n\
             iface eth2 inet6 auto\niface lo inet loopback\n  address 127.0.0.1\n",
        )
        .unwrap();
        assert_eq!(
            cfg.links[..],
            [
                link("eth0", NicMatch::Ordinal(0)),
                link("eth1", NicMatch::Ordinal(1)),
                link("eth2", NicMatch::Ordinal(2))
            ]
        );
        assert_eq!(
            cfg.networks[..],
            [
                net("eth0", 0, NetKind::Dhcp4, None),
                net("eth0", 0, NetKind::Dhcp6, None),
                net("eth2", 2, NetKind::Slaac, None)
            ]
        );
        assert!(cfg.routes.is_empty());
    }

    #[test]
    fn hwaddress_with_or_without_ether() {
        for line in [
            "hwaddress ether FA:16:3E:00:00:01",
            "hwaddress fa:16:3e:00:00:01",
        ] {
            let cfg = parse_str(&format!("iface eth0 inet manual\n  {line}\n")).unwrap();
            assert_eq!(cfg.links[..], [link("eth0", mac("fa:16:3e:00:00:01"))]);
        }
    }

    #[test]
    fn address_with_prefix_or_netmask() {
        let a = |fam, body| eth0(fam, body).networks[0].address.unwrap();
        assert_eq!(a("inet", " address 10.0.0.5/20"), cidr("10.0.0.5/20"));
        assert_eq!(
            a("inet", " address 10.0.0.5\n netmask 255.255.240.0"),
            cidr("10.0.0.5/20")
        );
        assert_eq!(
            a("inet", " netmask 20\n address 10.0.0.5"),
            cidr("10.0.0.5/20")
        );
        // The prefix in the address wins over a netmask.
        assert_eq!(
            a("inet", " address 10.0.0.5/20\n netmask 24"),
            cidr("10.0.0.5/20")
        );
        assert_eq!(
            a("inet6", " address 2001:db8::5\n netmask 64"),
            cidr("2001:db8::5/64")
        );
        assert_eq!(
            a(
                "inet6",
                " address 2001:db8::5\n netmask ffff:ffff:ffff:ffc0::"
            ),
            cidr("2001:db8::5/58")
        );
        assert_eq!(
            a("inet6", " address 2001:db8::5/56"),
            cidr("2001:db8::5/56")
        );
        // Without either: a host address, as `ip addr add` makes it, with a warning.
        capture::take();
        assert_eq!(a("inet", " address 10.0.0.5"), cidr("10.0.0.5/32"));
        assert!(capture::logged(
            Level::Warning,
            "line 2: address: no netmask: a host address"
        ));
        assert_eq!(a("inet6", " address 2001:db8::5"), cidr("2001:db8::5/128"));
    }

    #[test]
    fn broadcast_is_checked_not_kept() {
        for b in ["10.0.0.255", "+", "-"] {
            let cfg = eth0("inet", &format!(" address 10.0.0.5/24\n broadcast {b}"));
            assert_eq!(cfg.networks[..], [st("eth0", 0, "10.0.0.5/24")]);
        }
        assert_eq!(
            err("iface eth0 inet static\n address 10.0.0.5/24\n broadcast 10.0.0.256\n"),
            format!("{FILE}: line 3: broadcast: \"10.0.0.256\": not an IP address")
        );
    }

    #[test]
    fn gateway_is_a_default_route() {
        let cfg = eth0("inet", " gateway 10.0.0.1\n address 10.0.0.5/24");
        assert_eq!(cfg.routes[..], [route(0, 0, "0.0.0.0/0", Some("10.0.0.1"))]);
        let cfg = eth0("inet6", " address 2001:db8::5/64\n gateway fe80::1");
        let mut r = route(0, 0, "::/0", Some("fe80::1"));
        r.on_link = true;
        assert_eq!(cfg.routes[..], [r]);
    }

    #[test]
    fn dns_nameservers_search_and_domain() {
        let cfg = eth0(
            "inet",
            " address 10.0.0.5/24\n dns-nameservers 10.0.0.53 2001:db8::53\n\
             dns-search example.com. corp.example\n dns-domain example.org",
        );
        assert_eq!(
            cfg.dns_servers[..],
            dns(&["10.0.0.53", "2001:db8::53"], Some(0))[..]
        );
        assert_eq!(
            cfg.dns_search[..],
            search(&["example.com", "corp.example", "example.org"], Some(0))[..]
        );
        // On lo (some templates put them there): global.
        let cfg = parse_str(
            "iface lo inet loopback\n dns-nameservers 8.8.8.8\n dns-search example.com\n\
             iface eth0 inet dhcp\n",
        )
        .unwrap();
        assert_eq!(cfg.dns_servers[..], dns(&["8.8.8.8"], None)[..]);
        assert_eq!(cfg.dns_search[..], search(&["example.com"], None)[..]);
    }

    #[test]
    fn mtu() {
        let cfg = eth0("inet", " address 10.0.0.5/24\n mtu 9000");
        assert_eq!(cfg.links[0].mtu, Some(9000));
        assert_eq!(
            err("iface eth0 inet manual\n mtu 67\n"),
            format!("{FILE}: line 2: mtu: \"67\": out of range 68..=65535")
        );
        assert_eq!(
            err("iface eth0 inet manual\n mtu jumbo\n"),
            format!("{FILE}: line 2: mtu: \"jumbo\": not a number")
        );
    }

    #[test]
    fn post_up_ip_addr_and_route() {
        let cfg = eth0(
            "inet",
            " address 10.0.0.5/24\n\
             post-up ip -6 addr add 2001:db8::5/64 dev ${IFACE}\n\
             post-up ip -6 route add default via 2001:db8::1 dev ${IFACE}\n\
             up ip route add 192.168.0.0/16 via 10.0.0.254 dev eth0 metric 50 proto static\n\
             post-up ip route add 172.16.0.0/12 dev ${IFACE}\n\
             post-up ip -4 addr add 10.0.1.5 dev eth0\n\
             post-up ip route add 203.0.113.0/24 via 10.0.0.9 onlink dev eth0\n\
             post-up ip route add 198.51.100.0/24 via 10.0.0.9 table 100 dev eth0\n\
             post-up ip route add 198.51.100.0/24 via 10.0.0.9 dev eth1\n\
             post-up ip route del 10.9.0.0/16 via 10.0.0.9\n\
             post-up /etc/network/if-up.d/something\n\
             pre-up ip route add 10.8.0.0/16 via 10.0.0.9\n\
             pre-down ip route del 192.168.0.0/16 via 10.0.0.254 dev eth0",
        );
        assert_eq!(
            cfg.networks[..],
            [
                st("eth0", 0, "10.0.0.5/24"),
                st("eth0", 0, "2001:db8::5/64"),
                st("eth0", 0, "10.0.1.5/32")
            ]
        );
        let mut metric = route(0, 0, "192.168.0.0/16", Some("10.0.0.254"));
        metric.metric = Some(50);
        assert_eq!(
            cfg.routes[..],
            [
                route(1, 0, "::/0", Some("2001:db8::1")),
                metric,
                route(0, 0, "172.16.0.0/12", None),
                route(2, 0, "203.0.113.0/24", Some("10.0.0.9")),
            ]
        );
    }

    #[test]
    fn comments_and_continuation_lines() {
        let cfg = parse_str(
            "# Injected\n   # indented comment\niface eth0 inet static\r\n  address \\\n  10.0.0.5/24\n\
             \x20 dns-nameservers 10.0.0.53 \\\r\n    10.0.0.54\n  gateway 10.0.0.1\n\
             # a comment that goes on \\\n  address 1.2.3.4\n",
        )
        .unwrap();
        assert_eq!(cfg.networks[..], [st("eth0", 0, "10.0.0.5/24")]);
        assert_eq!(
            cfg.dns_servers[..],
            dns(&["10.0.0.53", "10.0.0.54"], Some(0))[..]
        );
        // Line numbers count physical lines: the error is on line 8, after two continuations.
        let e = parse_str(
            "iface eth0 inet static\n address \\\n 10.0.0.5/24 \\\n\n\n\n\n gateway 10.0.0.x\n",
        )
        .unwrap_err();
        assert_eq!(e.path.as_str(), "line 8: gateway");
        // A backslash on the last line has nothing to join.
        let cfg = parse_str("iface eth0 inet manual\n mtu 1500 \\").unwrap_err();
        assert_eq!(cfg.path.as_str(), "line 2: mtu");
    }

    #[test]
    fn unknown_options_are_ignored_with_a_debug_line() {
        capture::take();
        let cfg = eth0(
            "inet",
            " address 10.0.0.5/24\n bridge_ports none\n metric 10",
        );
        assert_eq!(cfg.networks[..], [st("eth0", 0, "10.0.0.5/24")]);
        assert!(capture::logged(
            Level::Debug,
            "line 5: bridge_ports: ignored"
        ));
        assert!(capture::logged(Level::Debug, "line 6: metric: ignored"));
    }

    // --- merging and NIC mapping --------------------------------------------------------------

    #[test]
    fn inet_and_inet6_stanzas_merge_into_one_link() {
        let cfg = parse_str(
            "iface eth0 inet6 static\n address 2001:db8::5/64\n mtu 1400\n\
             iface eth0 inet static\n hwaddress fa:16:3e:00:00:01\n address 10.0.0.5/24\n\
             iface eth0:1 inet static\n address 10.0.1.5/24\n",
        )
        .unwrap();
        let mut l = link("eth0", mac("fa:16:3e:00:00:01"));
        l.mtu = Some(1400);
        assert_eq!(cfg.links[..], [l]);
        assert_eq!(
            cfg.networks[..],
            [
                st("eth0", 0, "2001:db8::5/64"),
                st("eth0", 0, "10.0.0.5/24"),
                st("eth0", 0, "10.0.1.5/24")
            ]
        );
        // Two different hwaddresses for one interface cannot both be right.
        assert_eq!(
            err(
                "iface eth0 inet manual\n hwaddress fa:16:3e:00:00:01\niface eth0 inet6 manual\n hwaddress fa:16:3e:00:00:02\n"
            ),
            format!("{FILE}: line 4: hwaddress: \"fa:16:3e:00:00:02\": duplicate")
        );
    }

    #[test]
    fn nic_mapping_mac_else_ordinal_else_name() {
        capture::take();
        let cfg = parse_str(
            "iface eth3 inet manual\n\
             iface eth1 inet manual\n hwaddress fa:16:3e:00:00:01\n\
             iface ens3 inet manual\niface eth+1 inet manual\n",
        )
        .unwrap();
        assert_eq!(
            cfg.links[..],
            [
                link("eth3", NicMatch::Ordinal(3)),
                link("eth1", mac("fa:16:3e:00:00:01")),
                link("ens3", NicMatch::Name(text("ens3").unwrap())),
                link("eth+1", NicMatch::Name(text("eth+1").unwrap())),
            ]
        );
        assert!(capture::logged(
            Level::Warning,
            "eth3: no hwaddress: taken as physical NIC 3 in bus order (from 0)"
        ));
        assert!(!capture::logged(Level::Warning, "eth1: no hwaddress"));
    }

    // --- rejections -------------------------------------------------------------------------

    #[test]
    fn malformed_lines_name_file_and_line() {
        let cases: &[(&str, &str)] = &[
            (
                "iface eth0 inet\n",
                "line 1: iface: \"eth0 inet\": expected NAME inet|inet6 METHOD",
            ),
            (
                "iface eth0 inet static extra\n",
                "line 1: iface: \"eth0 inet static extra\": expected NAME inet|inet6 METHOD",
            ),
            (
                "iface eth0 ipx static\n",
                "line 1: iface: \"ipx\": unknown value",
            ),
            (
                "iface eth0 inet ppp\n",
                "line 1: iface: \"ppp\": unknown value",
            ),
            (
                "iface eth0 inet auto\n",
                "line 1: iface: \"auto\": unknown value",
            ),
            (
                "iface a/b inet dhcp\n",
                "line 1: iface: \"a/b\": not a valid interface name (1-15 bytes, no '/', ':' or space)",
            ),
            (
                "auto eth0\n address 1.2.3.4\n",
                "line 2: \"address 1.2.3.4\": expected an option after an iface line",
            ),
            (
                "\niface eth0 inet static\n netmask 24\n",
                "line 2: address: required but missing",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.300/24\n",
                "line 2: address: \"10.0.0.300/24\": not an IP address",
            ),
            (
                "iface eth0 inet static\n address 2001:db8::1/64\n",
                "line 2: address: \"2001:db8::1/64\": address family does not match",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/33\n",
                "line 2: address: \"33\": not a netmask or prefix length",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1\n address 10.0.0.2\n",
                "line 3: address: \"10.0.0.2\": duplicate",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1\n netmask 255.0.255.0\n",
                "line 3: netmask: \"255.0.255.0\": non-contiguous netmask",
            ),
            (
                "iface eth0 inet6 static\n address 2001:db8::1\n netmask 129\n",
                "line 3: netmask: \"129\": not a netmask or prefix length",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n gateway 2001:db8::1\n",
                "line 3: gateway: \"2001:db8::1\": address family does not match",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n gateway 10.0.0.1/24\n",
                "line 3: gateway: \"10.0.0.1/24\": not an IP address",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n\niface eth1 inet bogus\n",
                "line 4: iface: \"bogus\": unknown value",
            ),
            (
                "iface eth0 inet manual\n hwaddress ax25 xx\n",
                "line 2: hwaddress: \"ax25 xx\": not a MAC address",
            ),
            (
                "iface eth0 inet manual\n dns-nameservers 1.2.3.4 dns.example\n",
                "line 2: dns-nameservers: \"dns.example\": not an IP address",
            ),
            (
                "iface eth0 inet manual\n dns-search bad_domain! \n",
                "line 2: dns-search: \"bad_domain!\": not a valid hostname",
            ),
            (
                "iface eth0 inet manual\n post-up ip route add 10.0.0.0/8 via 10.0.0.1\n",
                "line 2: address: required but missing",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n post-up ip -6 addr add 10.0.0.2/24 dev ${IFACE}\n",
                "line 3: post-up: \"10.0.0.2/24\": address family does not match",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n up ip route add default via 10.0.0.1 metric x\n",
                "line 3: up: \"x\": not a number",
            ),
            (
                "iface eth0 inet static\n address 10.0.0.1/24\n up ip route add bogus via 10.0.0.1\n",
                "line 3: up: \"bogus\": not an IP address",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(err(text), format!("{FILE}: {want}"), "{text}");
        }
    }

    #[test]
    fn capacity_is_an_error_naming_the_bound() {
        let mut s = String::from("iface eth0 inet manual\n dns-nameservers");
        for i in 0..=crate::limits::MAX_DNS_SERVERS {
            s.push_str(&format!(" 10.0.0.{i}"));
        }
        assert_eq!(
            err(&s),
            format!("{FILE}: line 2: more than 32 items (MAX_DNS_SERVERS)")
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A few hostile shapes; the fuzz target (fuzz/fuzz_targets/interfaces.rs) does the rest.
        for b in [
            &b"\\"[..],
            b"\\\n",
            b"\\\n\\\n\\",
            b"iface",
            b"iface eth0 inet static\n\\\r\n",
            b"iface eth0:: inet dhcp\n",
            b"iface : inet dhcp\n",
            b"\n\n\r\r\n\x00",
            b"iface eth0 inet static\n post-up ip\n post-up ip -6\n post-up ip route add\n",
        ] {
            let _ = parse_bytes(b);
        }
    }
}
