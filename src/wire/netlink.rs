//! NETLINK_ROUTE messages (netlink(7), rtnetlink(7); `include/uapi/linux/{netlink,rtnetlink,
//! if_link,if_addr}.h`): the `nlmsghdr` view, the `rtattr` iterator, and the bodies this
//! program sends and reads (`ifinfomsg`, `ifaddrmsg`, `rtmsg`, `nlmsgerr`) as `Repr`s whose
//! `parse` reads back exactly what `emit` writes.
//!
//! Integers are in host byte order, as netlink defines them. Replies come from the kernel, but
//! are still parsed as untrusted bytes: every length is checked and a malformed message is an
//! [`Error`], never a panic.

use crate::net::{IpAddr, Ipv4Addr, Ipv6Addr, Mac};

/// The bytes are not a well-formed message (truncated, or a length field that lies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

pub type Result<T> = core::result::Result<T, Error>;

// Message types.
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_SETLINK: u16 = 19;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_NEWROUTE: u16 = 24;
pub const RTM_GETROUTE: u16 = 26;

// Header flags.
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
/// On an error message: only the original header follows (NETLINK_CAP_ACK).
pub const NLM_F_CAPPED: u16 = 0x100;
/// On an error message: extended-ack attributes follow (NETLINK_EXT_ACK).
pub const NLM_F_ACK_TLVS: u16 = 0x200;

// Link attributes (IFLA_*), the kind-specific ones nested in IFLA_LINKINFO.
pub const IFLA_ADDRESS: u16 = 1;
pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_MTU: u16 = 4;
pub const IFLA_LINK: u16 = 5;
pub const IFLA_MASTER: u16 = 10;
pub const IFLA_LINKINFO: u16 = 18;
pub const IFLA_EXT_MASK: u16 = 29;
pub const IFLA_PERM_ADDRESS: u16 = 54;
pub const IFLA_PARENT_DEV_NAME: u16 = 56;
pub const IFLA_INFO_KIND: u16 = 1;
pub const IFLA_INFO_DATA: u16 = 2;
pub const IFLA_INFO_SLAVE_KIND: u16 = 4;
pub const IFLA_BOND_MODE: u16 = 1;
pub const IFLA_VLAN_ID: u16 = 1;
/// IFLA_EXT_MASK bit: leave the statistics out of link dumps (they are most of the bytes).
pub const RTEXT_FILTER_SKIP_STATS: u32 = 1 << 3;
pub const IFF_UP: u32 = 1;
pub const ARPHRD_ETHER: u16 = 1;

// Address attributes (IFA_*).
pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
pub const IFA_BROADCAST: u16 = 4;

// Route attributes (RTA_*) and rtmsg values.
pub const RTA_DST: u16 = 1;
pub const RTA_OIF: u16 = 4;
pub const RTA_GATEWAY: u16 = 5;
pub const RTA_PRIORITY: u16 = 6;
pub const RTA_TABLE: u16 = 15;
pub const RT_TABLE_MAIN: u32 = 254;
/// rtm_table when the real table number only fits RTA_TABLE.
const RT_TABLE_COMPAT: u8 = 252;
pub const RTPROT_STATIC: u8 = 4;
pub const RT_SCOPE_UNIVERSE: u8 = 0;
pub const RT_SCOPE_LINK: u8 = 253;
pub const RTN_UNICAST: u8 = 1;
pub const RTNH_F_ONLINK: u32 = 4;

pub const AF_INET: u8 = 2;
pub const AF_INET6: u8 = 10;

/// Extended-ack attribute: the kernel's error message.
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLA_F_NESTED: u16 = 0x8000;
const NLA_TYPE_MASK: u16 = 0x3fff;

mod field {
    pub type Field = core::ops::Range<usize>;
    pub const LENGTH: Field = 0..4;
    pub const TYPE: Field = 4..6;
    pub const FLAGS: Field = 6..8;
    pub const SEQ: Field = 8..12;
    pub const PID: Field = 12..16;
    pub const PAYLOAD: usize = 16;
}

/// Length of `struct nlmsghdr`.
pub const HEADER_LEN: usize = field::PAYLOAD;

const fn align4(n: usize) -> usize {
    (n + 3) & !3
}

// Readers and writers of fixed fields. Callers have checked the length; out of range they
// read 0 or write nothing rather than panic (a panic site costs code and a location record).

fn u16_at(b: &[u8], at: usize) -> u16 {
    let v = b.get(at..at + 2).and_then(|v| v.try_into().ok());
    v.map_or(0, u16::from_ne_bytes)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let v = b.get(at..at + 4).and_then(|v| v.try_into().ok());
    v.map_or(0, u32::from_ne_bytes)
}

/// `b[at..]`, or nothing.
fn tail(b: &[u8], at: usize) -> &[u8] {
    b.get(at..).unwrap_or_default()
}

/// Copies `v` into `d[range]`.
fn set(d: &mut [u8], range: core::ops::Range<usize>, v: &[u8]) {
    if let Some(d) = d.get_mut(range) {
        d.iter_mut().zip(v).for_each(|(d, v)| *d = *v);
    }
}

/// A netlink message (`struct nlmsghdr` and its payload) over a byte buffer.
#[derive(Debug, Clone, Copy)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it: accessors may panic until [`Self::check_len`]
    /// has passed.
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer that holds at least a header and the length it announces.
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Ensures the header is there and its length field fits the buffer.
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN {
            return Err(Error);
        }
        let n = self.length() as usize;
        if n < HEADER_LEN || n > b.len() {
            return Err(Error);
        }
        Ok(())
    }

    pub fn length(&self) -> u32 {
        u32_at(self.buffer.as_ref(), field::LENGTH.start)
    }
    pub fn kind(&self) -> u16 {
        u16_at(self.buffer.as_ref(), field::TYPE.start)
    }
    pub fn flags(&self) -> u16 {
        u16_at(self.buffer.as_ref(), field::FLAGS.start)
    }
    pub fn seq(&self) -> u32 {
        u32_at(self.buffer.as_ref(), field::SEQ.start)
    }
    pub fn pid(&self) -> u32 {
        u32_at(self.buffer.as_ref(), field::PID.start)
    }
}

impl<'a> Packet<&'a [u8]> {
    /// The body after the header, up to the announced length.
    pub fn payload(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buffer;
        b.get(field::PAYLOAD..self.length() as usize)
            .unwrap_or_default()
    }
}

/// The messages of one datagram, in order; a malformed one ends the iteration with an error.
pub struct Messages<'a> {
    rest: &'a [u8],
}

impl<'a> Messages<'a> {
    pub fn new(datagram: &'a [u8]) -> Messages<'a> {
        Messages { rest: datagram }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Packet<&'a [u8]>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = core::mem::take(&mut self.rest);
        let Ok(p) = Packet::new_checked(rest) else {
            return Some(Err(Error));
        };
        let n = p.length() as usize;
        self.rest = rest.get(align4(n)..).unwrap_or(&[]);
        Some(Ok(Packet::new_unchecked(rest.get(..n).unwrap_or_default())))
    }
}

/// The attributes (`struct rtattr`: length, type, value, padded to 4) in a byte range.
/// As the kernel does, fewer than 4 bytes left at the end are ignored; an attribute whose
/// length is too short or runs past the end is an error that ends the iteration.
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub fn new(bytes: &'a [u8]) -> Attrs<'a> {
        Attrs { rest: bytes }
    }
}

impl<'a> Iterator for Attrs<'a> {
    /// The attribute type (flags masked off) and its value.
    type Item = Result<(u16, &'a [u8])>;
    fn next(&mut self) -> Option<Self::Item> {
        let rest = core::mem::take(&mut self.rest);
        if rest.len() < 4 {
            return None;
        }
        let n = u16_at(rest, 0) as usize;
        if n < 4 || n > rest.len() {
            return Some(Err(Error));
        }
        self.rest = rest.get(align4(n)..).unwrap_or(&[]);
        let v = rest.get(4..n).unwrap_or_default();
        Some(Ok((u16_at(rest, 2) & NLA_TYPE_MASK, v)))
    }
}

fn get_u32(v: &[u8]) -> Result<u32> {
    v.try_into().map(u32::from_ne_bytes).map_err(|_| Error)
}

/// A string attribute: UTF-8, NUL-terminated (trailing NULs dropped).
fn get_str(v: &[u8]) -> Result<&str> {
    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
    core::str::from_utf8(v.get(..end).unwrap_or_default()).map_err(|_| Error)
}

/// An address attribute: 4 bytes IPv4, 16 bytes IPv6.
fn get_ip(v: &[u8]) -> Result<IpAddr> {
    if let Ok(a) = <[u8; 4]>::try_from(v) {
        Ok(IpAddr::V4(Ipv4Addr::from(a)))
    } else {
        <[u8; 16]>::try_from(v)
            .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
            .map_err(|_| Error)
    }
}

/// A hardware address, kept only when it is an Ethernet one (6 bytes).
fn get_mac(v: &[u8]) -> Option<Mac> {
    <[u8; 6]>::try_from(v).ok().map(Mac)
}

/// Writes messages (or bare attributes) into a byte buffer. Running out of room sets a flag
/// instead of panicking; the caller checks [`Emitter::overflowed`] before sending.
pub struct Emitter<'a> {
    buf: &'a mut [u8],
    len: usize,
    msg: usize,
    full: bool,
}

impl<'a> Emitter<'a> {
    pub fn new(buf: &'a mut [u8]) -> Emitter<'a> {
        Emitter {
            buf,
            len: 0,
            msg: 0,
            full: false,
        }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    pub fn overflowed(&self) -> bool {
        self.full
    }
    /// Forgets everything written.
    pub fn clear(&mut self) {
        self.len = 0;
        self.full = false;
    }

    /// Appends bytes, padded with zeros to a multiple of 4.
    pub fn put(&mut self, b: &[u8]) {
        let end = self.len + align4(b.len());
        match self.buf.get_mut(self.len..end) {
            Some(d) if !self.full => {
                d.fill(0);
                set(d, 0..b.len(), b);
                self.len = end;
            }
            _ => self.full = true,
        }
    }

    /// Writes a length field (`u32` for messages, `u16` for attributes) at `at`.
    fn patch(&mut self, at: usize, wide: bool) {
        let n = self.len - at;
        let (b4, b2) = ((n as u32).to_ne_bytes(), (n as u16).to_ne_bytes());
        let b: &[u8] = if wide { &b4 } else { &b2 };
        set(self.buf, at..at + b.len(), b);
    }

    /// Starts a message; [`Emitter::end`] fills in its length.
    pub fn begin(&mut self, kind: u16, flags: u16, seq: u32) {
        self.msg = self.len;
        let mut h = [0u8; HEADER_LEN];
        set(&mut h, field::TYPE, &kind.to_ne_bytes());
        set(&mut h, field::FLAGS, &flags.to_ne_bytes());
        set(&mut h, field::SEQ, &seq.to_ne_bytes());
        self.put(&h);
    }
    pub fn end(&mut self) {
        self.patch(self.msg, true);
    }

    /// An attribute: header, value, zero padding. `nul` adds a terminating NUL (strings).
    fn attr_raw(&mut self, kind: u16, value: &[u8], nul: bool) {
        let n = 4 + value.len() + nul as usize;
        if n > usize::from(u16::MAX) {
            self.full = true;
            return;
        }
        let (l, k) = ((n as u16).to_ne_bytes(), kind.to_ne_bytes());
        self.put(&[l[0], l[1], k[0], k[1]]);
        self.put(value);
        // `put` pads with zeros, which holds the NUL unless the value filled its last word.
        if nul && value.len().is_multiple_of(4) {
            self.put(&[0]);
        }
    }
    pub fn attr(&mut self, kind: u16, value: &[u8]) {
        self.attr_raw(kind, value, false);
    }
    pub fn u32(&mut self, kind: u16, v: u32) {
        self.attr(kind, &v.to_ne_bytes());
    }
    /// A NUL-terminated string.
    pub fn str(&mut self, kind: u16, s: &str) {
        self.attr_raw(kind, s.as_bytes(), true);
    }
    fn opt_u32(&mut self, kind: u16, v: Option<u32>) {
        if let Some(v) = v {
            self.u32(kind, v);
        }
    }
    fn opt_ip(&mut self, kind: u16, v: Option<IpAddr>) {
        match v {
            Some(IpAddr::V4(a)) => self.attr(kind, &a.octets()),
            Some(IpAddr::V6(a)) => self.attr(kind, &a.octets()),
            None => {}
        }
    }
    /// Starts a nested attribute; [`Emitter::end_nest`] fills in its length.
    pub fn nest(&mut self, kind: u16) -> usize {
        let at = self.len;
        self.attr(kind | NLA_F_NESTED, &[]);
        at
    }
    pub fn end_nest(&mut self, at: usize) {
        self.patch(at, false);
    }
}

/// A link: `struct ifinfomsg` and the attributes this program reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkRepr<'a> {
    /// `ifi_type` (ARPHRD_*).
    pub arp_type: u16,
    pub index: u32,
    pub flags: u32,
    /// Which bits of `flags` a request changes.
    pub change: u32,
    pub name: Option<&'a str>,
    pub mac: Option<Mac>,
    pub perm_mac: Option<Mac>,
    pub mtu: Option<u32>,
    /// The lower device (a VLAN's parent).
    pub link: Option<u32>,
    pub master: Option<u32>,
    /// IFLA_INFO_KIND: "bond", "vlan", "veth", ...; None for a hardware NIC.
    pub kind: Option<&'a str>,
    /// IFLA_INFO_DATA, the kind's own attributes, not decoded here.
    pub info_data: Option<&'a [u8]>,
    /// IFLA_INFO_SLAVE_KIND: the kind of the master this link is a port of.
    pub slave_kind: Option<&'a str>,
    /// The bus device the NIC sits on, e.g. `0000:00:03.0`.
    pub parent: Option<&'a str>,
    pub ext_mask: Option<u32>,
}

impl<'a> LinkRepr<'a> {
    pub fn parse(b: &'a [u8]) -> Result<LinkRepr<'a>> {
        if b.len() < 16 {
            return Err(Error);
        }
        let mut r = LinkRepr {
            arp_type: u16_at(b, 2),
            index: u32_at(b, 4),
            flags: u32_at(b, 8),
            change: u32_at(b, 12),
            ..LinkRepr::default()
        };
        for a in Attrs::new(tail(b, 16)) {
            let (k, v) = a?;
            match k {
                IFLA_IFNAME => r.name = Some(get_str(v)?),
                IFLA_ADDRESS => r.mac = get_mac(v),
                IFLA_PERM_ADDRESS => r.perm_mac = get_mac(v),
                IFLA_MTU => r.mtu = Some(get_u32(v)?),
                IFLA_LINK => r.link = Some(get_u32(v)?),
                IFLA_MASTER => r.master = Some(get_u32(v)?),
                IFLA_EXT_MASK => r.ext_mask = Some(get_u32(v)?),
                IFLA_PARENT_DEV_NAME => r.parent = Some(get_str(v)?),
                IFLA_LINKINFO => {
                    for a in Attrs::new(v) {
                        let (k, v) = a?;
                        match k {
                            IFLA_INFO_KIND => r.kind = Some(get_str(v)?),
                            IFLA_INFO_DATA => r.info_data = Some(v),
                            IFLA_INFO_SLAVE_KIND => r.slave_kind = Some(get_str(v)?),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(r)
    }

    pub fn emit(&self, e: &mut Emitter) {
        let mut h = [0u8; 16];
        set(&mut h, 2..4, &self.arp_type.to_ne_bytes());
        set(&mut h, 4..8, &self.index.to_ne_bytes());
        set(&mut h, 8..12, &self.flags.to_ne_bytes());
        set(&mut h, 12..16, &self.change.to_ne_bytes());
        e.put(&h);
        if let Some(n) = self.name {
            e.str(IFLA_IFNAME, n);
        }
        for (k, m) in [(IFLA_ADDRESS, self.mac), (IFLA_PERM_ADDRESS, self.perm_mac)] {
            if let Some(m) = m {
                e.attr(k, &m.0);
            }
        }
        e.opt_u32(IFLA_MTU, self.mtu);
        e.opt_u32(IFLA_LINK, self.link);
        e.opt_u32(IFLA_MASTER, self.master);
        e.opt_u32(IFLA_EXT_MASK, self.ext_mask);
        if let Some(p) = self.parent {
            e.str(IFLA_PARENT_DEV_NAME, p);
        }
        if self.kind.is_some() || self.info_data.is_some() || self.slave_kind.is_some() {
            let at = e.nest(IFLA_LINKINFO);
            if let Some(k) = self.kind {
                e.str(IFLA_INFO_KIND, k);
            }
            if let Some(d) = self.info_data {
                e.attr(IFLA_INFO_DATA | NLA_F_NESTED, d);
            }
            if let Some(k) = self.slave_kind {
                e.str(IFLA_INFO_SLAVE_KIND, k);
            }
            e.end_nest(at);
        }
    }

    /// The VLAN id in a `vlan` link's IFLA_INFO_DATA.
    pub fn vlan_id(&self) -> Option<u16> {
        Attrs::new(self.info_data?)
            .map_while(|a| a.ok())
            .find(|(k, _)| *k == IFLA_VLAN_ID)
            .and_then(|(_, v)| v.try_into().ok().map(u16::from_ne_bytes))
    }
}

/// An interface address: `struct ifaddrmsg` and its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddrRepr {
    pub family: u8,
    pub prefix_len: u8,
    pub flags: u8,
    pub scope: u8,
    pub index: u32,
    /// IFA_ADDRESS: the address, or the peer's on a point-to-point link.
    pub address: Option<IpAddr>,
    /// IFA_LOCAL: the local address (IPv4 always; IPv6 only with a peer).
    pub local: Option<IpAddr>,
    pub broadcast: Option<IpAddr>,
}

impl AddrRepr {
    pub fn parse(b: &[u8]) -> Result<AddrRepr> {
        if b.len() < 8 {
            return Err(Error);
        }
        let mut r = AddrRepr {
            family: b[0],
            prefix_len: b[1],
            flags: b[2],
            scope: b[3],
            index: u32_at(b, 4),
            ..AddrRepr::default()
        };
        for a in Attrs::new(tail(b, 8)) {
            let (k, v) = a?;
            match k {
                IFA_ADDRESS => r.address = Some(get_ip(v)?),
                IFA_LOCAL => r.local = Some(get_ip(v)?),
                IFA_BROADCAST => r.broadcast = Some(get_ip(v)?),
                _ => {}
            }
        }
        Ok(r)
    }

    pub fn emit(&self, e: &mut Emitter) {
        let i = self.index.to_ne_bytes();
        e.put(&[
            self.family,
            self.prefix_len,
            self.flags,
            self.scope,
            i[0],
            i[1],
            i[2],
            i[3],
        ]);
        e.opt_ip(IFA_LOCAL, self.local);
        e.opt_ip(IFA_ADDRESS, self.address);
        e.opt_ip(IFA_BROADCAST, self.broadcast);
    }
}

/// A route: `struct rtmsg` and the attributes of a single-path route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteRepr {
    pub family: u8,
    pub dst_len: u8,
    /// The table, from RTA_TABLE when present (it holds numbers over 255).
    pub table: u32,
    pub protocol: u8,
    pub scope: u8,
    /// `rtm_type` (RTN_*).
    pub kind: u8,
    /// RTNH_F_* flags.
    pub flags: u32,
    pub dst: Option<IpAddr>,
    pub gateway: Option<IpAddr>,
    pub oif: Option<u32>,
    /// The metric.
    pub priority: Option<u32>,
}

impl RouteRepr {
    pub fn parse(b: &[u8]) -> Result<RouteRepr> {
        if b.len() < 12 {
            return Err(Error);
        }
        let mut r = RouteRepr {
            family: b[0],
            dst_len: b[1],
            table: u32::from(b[4]),
            protocol: b[5],
            scope: b[6],
            kind: b[7],
            flags: u32_at(b, 8),
            ..RouteRepr::default()
        };
        for a in Attrs::new(tail(b, 12)) {
            let (k, v) = a?;
            match k {
                RTA_DST => r.dst = Some(get_ip(v)?),
                RTA_GATEWAY => r.gateway = Some(get_ip(v)?),
                RTA_OIF => r.oif = Some(get_u32(v)?),
                RTA_PRIORITY => r.priority = Some(get_u32(v)?),
                RTA_TABLE => r.table = get_u32(v)?,
                _ => {}
            }
        }
        Ok(r)
    }

    pub fn emit(&self, e: &mut Emitter) {
        let t = if self.table < 256 {
            self.table as u8
        } else {
            RT_TABLE_COMPAT
        };
        let f = self.flags.to_ne_bytes();
        e.put(&[
            self.family,
            self.dst_len,
            0,
            0,
            t,
            self.protocol,
            self.scope,
            self.kind,
            f[0],
            f[1],
            f[2],
            f[3],
        ]);
        e.u32(RTA_TABLE, self.table);
        e.opt_ip(RTA_DST, self.dst);
        e.opt_ip(RTA_GATEWAY, self.gateway);
        e.opt_u32(RTA_OIF, self.oif);
        e.opt_u32(RTA_PRIORITY, self.priority);
    }
}

/// An acknowledgement or error (`struct nlmsgerr` and extended-ack attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorRepr<'a> {
    /// 0 for an acknowledgement, else a negated errno.
    pub error: i32,
    /// The kernel's explanation (NLMSGERR_ATTR_MSG), when it gave one.
    pub message: Option<&'a str>,
}

impl<'a> ErrorRepr<'a> {
    /// Parses the payload of an NLMSG_ERROR message whose header flags are `flags`.
    pub fn parse(flags: u16, b: &'a [u8]) -> Result<ErrorRepr<'a>> {
        if b.len() < 4 + HEADER_LEN {
            return Err(Error);
        }
        let mut r = ErrorRepr {
            error: u32_at(b, 0) as i32,
            message: None,
        };
        if flags & NLM_F_ACK_TLVS != 0 {
            // The original request follows: its header only when capped, else all of it.
            let orig = if flags & NLM_F_CAPPED != 0 {
                HEADER_LEN
            } else {
                u32_at(b, 4) as usize
            };
            let tlvs = b.get(4 + align4(orig.max(HEADER_LEN))..).ok_or(Error)?;
            for a in Attrs::new(tlvs) {
                let (k, v) = a?;
                if k == NLMSGERR_ATTR_MSG {
                    r.message = Some(get_str(v)?);
                }
            }
        }
        Ok(r)
    }

    /// The header flags the message must carry for [`ErrorRepr::parse`] to read it back.
    pub fn header_flags(&self) -> u16 {
        NLM_F_CAPPED
            | if self.message.is_some() {
                NLM_F_ACK_TLVS
            } else {
                0
            }
    }

    /// Writes the payload as the kernel does with NETLINK_CAP_ACK: the error, the original
    /// header (a bare one here), then the message attribute.
    pub fn emit(&self, e: &mut Emitter) {
        e.put(&self.error.to_ne_bytes());
        let mut h = [0u8; HEADER_LEN];
        h[field::LENGTH].copy_from_slice(&(HEADER_LEN as u32).to_ne_bytes());
        e.put(&h);
        if let Some(m) = self.message {
            e.str(NLMSGERR_ATTR_MSG, m);
        }
    }
}

#[cfg(test)]
mod tests;
