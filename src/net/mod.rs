//! Addresses: MAC addresses, IP prefixes, netmasks in every spelling clouds use.

mod ip;
mod mac;
mod prefix;

pub use ip::{Ip, parse_ip, parse_ipv4, parse_ipv6};
pub use mac::Mac;
pub use prefix::{IpCidr, MaskError, mask_to_prefix_v4, mask_to_prefix_v6, parse_prefix_len};

pub use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// True for fe80::/10.
pub fn is_link_local_v6(a: &Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}
