use core::fmt;

use super::{Ip, IpAddr, Ipv4Addr, Ipv6Addr, parse_ipv4, parse_ipv6};

/// An address with a prefix length: an interface address (host bits kept) or a route
/// destination (host bits cleared with [`IpCidr::network`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct IpCidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

/// Why a netmask or prefix was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskError {
    /// Not a netmask or prefix length at all.
    Invalid,
    /// A mask whose one-bits are not contiguous from the left, e.g. 255.0.255.0.
    NonContiguous,
}

impl IpCidr {
    pub fn new(addr: IpAddr, prefix: u8) -> Option<IpCidr> {
        (prefix <= max_prefix(&addr)).then_some(IpCidr { addr, prefix })
    }

    pub fn is_ipv4(&self) -> bool {
        self.addr.is_ipv4()
    }

    /// The prefix with host bits cleared.
    pub fn network(&self) -> IpCidr {
        IpCidr {
            addr: mask_addr(&self.addr, self.prefix),
            prefix: self.prefix,
        }
    }

    /// True when `other` lies inside this prefix.
    pub fn contains(&self, other: &IpAddr) -> bool {
        match (self.addr, other) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask_addr(&self.addr, self.prefix) == mask_addr(other, self.prefix)
            }
            _ => false,
        }
    }

    /// True for 0.0.0.0/0 and ::/0.
    pub fn is_default(&self) -> bool {
        self.prefix == 0
    }

    /// The IPv4 broadcast address of this prefix (None for IPv6, /31 and /32).
    pub fn broadcast(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(a) if self.prefix < 31 => {
                Some(Ipv4Addr::from(u32::from(a) | (u32::MAX >> self.prefix)))
            }
            _ => None,
        }
    }

    /// The IPv4 netmask in dotted form (for formats that want it).
    pub fn netmask_v4(&self) -> Option<Ipv4Addr> {
        match self.addr {
            IpAddr::V4(_) => Some(Ipv4Addr::from(prefix_mask32(self.prefix))),
            IpAddr::V6(_) => None,
        }
    }
}

impl fmt::Display for IpCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ip(self.addr), u64::from(self.prefix))
    }
}

pub(crate) fn max_prefix(a: &IpAddr) -> u8 {
    if a.is_ipv4() { 32 } else { 128 }
}

fn prefix_mask32(p: u8) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(p.min(32)))
    }
}

fn prefix_mask128(p: u8) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(p.min(128)))
    }
}

fn mask_addr(a: &IpAddr, p: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => IpAddr::V4(Ipv4Addr::from(u32::from(*v) & prefix_mask32(p))),
        IpAddr::V6(v) => IpAddr::V6(Ipv6Addr::from(u128::from(*v) & prefix_mask128(p))),
    }
}

/// A decimal prefix length no larger than `max` ("24", "64"); no sign, no leading `+`.
pub fn parse_prefix_len(s: &str, max: u8) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::text::parse_dec(s, max.into()).map(|n| n as u8)
}

/// An IPv4 netmask: dotted ("255.255.255.0") or a prefix length ("24").
pub fn mask_to_prefix_v4(s: &str) -> Result<u8, MaskError> {
    if let Some(p) = parse_prefix_len(s, 32) {
        return Ok(p);
    }
    let m = parse_ipv4(s).ok_or(MaskError::Invalid)?;
    let bits = u32::from(m);
    let p = bits.leading_ones();
    if bits.checked_shl(p).unwrap_or(0) != 0 {
        return Err(MaskError::NonContiguous);
    }
    Ok(p as u8)
}

/// An IPv6 netmask: a hex mask ("ffff:ffff:ffff:ffff::", as nova writes it) or a prefix
/// length ("64", as cloud-init's samples write it).
pub fn mask_to_prefix_v6(s: &str) -> Result<u8, MaskError> {
    if let Some(p) = parse_prefix_len(s, 128) {
        return Ok(p);
    }
    let m = parse_ipv6(s).ok_or(MaskError::Invalid)?;
    let bits = u128::from(m);
    let p = bits.leading_ones();
    if bits.checked_shl(p).unwrap_or(0) != 0 {
        return Err(MaskError::NonContiguous);
    }
    Ok(p as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse().unwrap())
    }

    #[test]
    fn v4_masks() {
        assert_eq!(mask_to_prefix_v4("255.255.255.0"), Ok(24));
        assert_eq!(mask_to_prefix_v4("255.255.240.0"), Ok(20));
        assert_eq!(mask_to_prefix_v4("0.0.0.0"), Ok(0));
        assert_eq!(mask_to_prefix_v4("255.255.255.255"), Ok(32));
        assert_eq!(mask_to_prefix_v4("24"), Ok(24));
        assert_eq!(mask_to_prefix_v4("33"), Err(MaskError::Invalid));
        assert_eq!(
            mask_to_prefix_v4("255.0.255.0"),
            Err(MaskError::NonContiguous)
        );
        assert_eq!(
            mask_to_prefix_v4("255.255.255.1"),
            Err(MaskError::NonContiguous)
        );
        assert_eq!(mask_to_prefix_v4("banana"), Err(MaskError::Invalid));
        assert_eq!(mask_to_prefix_v4("-1"), Err(MaskError::Invalid));
    }

    #[test]
    fn v6_masks() {
        assert_eq!(mask_to_prefix_v6("ffff:ffff:ffff:ffff::"), Ok(64));
        assert_eq!(mask_to_prefix_v6("FFFF:FFFF:FFFF:FFC0::"), Ok(58));
        assert_eq!(mask_to_prefix_v6("::"), Ok(0));
        assert_eq!(mask_to_prefix_v6("64"), Ok(64));
        assert_eq!(mask_to_prefix_v6("128"), Ok(128));
        assert_eq!(mask_to_prefix_v6("129"), Err(MaskError::Invalid));
        assert_eq!(
            mask_to_prefix_v6("ffff::ffff"),
            Err(MaskError::NonContiguous)
        );
        assert_eq!(
            mask_to_prefix_v6("ffff:0:ffff::"),
            Err(MaskError::NonContiguous)
        );
    }

    #[test]
    fn network_contains_broadcast() {
        let c = IpCidr::new(v4("10.1.2.3"), 24).unwrap();
        assert_eq!(c.network(), IpCidr::new(v4("10.1.2.0"), 24).unwrap());
        assert!(c.contains(&v4("10.1.2.254")));
        assert!(!c.contains(&v4("10.1.3.1")));
        assert_eq!(c.broadcast(), Some("10.1.2.255".parse().unwrap()));
        assert_eq!(IpCidr::new(v4("10.1.2.3"), 32).unwrap().broadcast(), None);
        assert!(IpCidr::new(v4("10.0.0.1"), 33).is_none());
        let v6 = IpCidr::new(IpAddr::V6("2001:db8::1".parse().unwrap()), 64).unwrap();
        assert!(!v6.contains(&v4("10.1.2.3")));
        assert_eq!(std::format!("{}", v6.network()), "2001:db8::/64");
    }
}
