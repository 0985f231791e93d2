//! The address parsers and their display on arbitrary text: never a panic, always core's
//! answer, and what is shown parses back to the same address.
//!
//! cargo +nightly fuzz run ip
#![no_main]

use configdrive_net::net::{Ip, parse_ip, parse_ipv4, parse_ipv6};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    assert_eq!(parse_ipv4(s), s.parse::<Ipv4Addr>().ok(), "{s:?}");
    assert_eq!(parse_ipv6(s), s.parse::<Ipv6Addr>().ok(), "{s:?}");
    let ip = parse_ip(s);
    assert_eq!(ip, s.parse::<IpAddr>().ok(), "{s:?}");
    if let Some(a) = ip {
        let shown = Ip(a).to_string();
        assert_eq!(shown, a.to_string());
        assert_eq!(parse_ip(&shown), Some(a));
    }
    // Any 16 bytes are an IPv6 address: display must match core's for all of them.
    if let Ok(b) = <[u8; 16]>::try_from(data) {
        let a = IpAddr::V6(Ipv6Addr::from(b));
        assert_eq!(Ip(a).to_string(), a.to_string());
    }
});
