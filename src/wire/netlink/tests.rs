//! Round trips, replies captured from a real kernel (tests/data/netlink/capture.py made them
//! in a throwaway namespace), and truncated or hostile bytes.

use super::*;
use std::vec::Vec;

const LINK_DUMP: &[u8] = include_bytes!("../../../tests/data/netlink/link-dump.bin");
const ADDR_DUMP: &[u8] = include_bytes!("../../../tests/data/netlink/addr-dump.bin");
const ROUTE_DUMP: &[u8] = include_bytes!("../../../tests/data/netlink/route-dump.bin");
const ROUTE_EEXIST: &[u8] = include_bytes!("../../../tests/data/netlink/route-eexist.bin");
const ROUTE_BADGW: &[u8] = include_bytes!("../../../tests/data/netlink/route-badgw.bin");
const CAPTURES: [&[u8]; 5] = [LINK_DUMP, ADDR_DUMP, ROUTE_DUMP, ROUTE_EEXIST, ROUTE_BADGW];

fn messages(d: &[u8]) -> Vec<Packet<&[u8]>> {
    Messages::new(d).map(|m| m.unwrap()).collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Parses one message whatever its type; what the fuzz target does too.
fn parse_any(p: &Packet<&[u8]>) -> Result<()> {
    match p.kind() {
        RTM_NEWLINK | RTM_DELLINK => LinkRepr::parse(p.payload()).map(|_| ()),
        RTM_NEWADDR => AddrRepr::parse(p.payload()).map(|_| ()),
        RTM_NEWROUTE => RouteRepr::parse(p.payload()).map(|_| ()),
        NLMSG_ERROR => ErrorRepr::parse(p.flags(), p.payload()).map(|_| ()),
        _ => Ok(()),
    }
}

fn links() -> Vec<LinkRepr<'static>> {
    messages(LINK_DUMP)
        .iter()
        .filter(|p| p.kind() == RTM_NEWLINK)
        .map(|p| LinkRepr::parse(p.payload()).unwrap())
        .collect()
}

#[test]
fn link_dump_from_the_kernel() {
    let ms = messages(LINK_DUMP);
    assert_eq!(ms.last().unwrap().kind(), NLMSG_DONE);
    assert!(ms.iter().all(|p| p.seq() == 1));
    assert!(
        ms[..ms.len() - 1]
            .iter()
            .all(|p| p.flags() & NLM_F_MULTI != 0)
    );
    let ls = links();
    let lo = ls.iter().find(|l| l.name == Some("lo")).unwrap();
    assert_eq!((lo.arp_type, lo.kind), (772, None));
    let cap0 = ls.iter().find(|l| l.name == Some("cap0")).unwrap();
    assert_eq!(cap0.mac, Some("02:00:00:00:0a:01".parse().unwrap()));
    assert_eq!(cap0.mtu, Some(1400));
    assert_eq!(cap0.kind, Some("veth"));
    assert_eq!(cap0.arp_type, ARPHRD_ETHER);
    assert!(cap0.flags & IFF_UP != 0);
    assert_eq!(cap0.master, None);
    assert_eq!(cap0.perm_mac, None, "veth has no permanent address");
    let cap1 = ls.iter().find(|l| l.name == Some("cap1")).unwrap();
    assert_eq!(
        cap0.link,
        Some(cap1.index),
        "a veth's IFLA_LINK is its peer"
    );
}

#[test]
fn address_dump_from_the_kernel() {
    let idx = links()
        .iter()
        .find(|l| l.name == Some("cap0"))
        .unwrap()
        .index;
    let addrs: Vec<AddrRepr> = messages(ADDR_DUMP)
        .iter()
        .filter(|p| p.kind() == RTM_NEWADDR)
        .map(|p| AddrRepr::parse(p.payload()).unwrap())
        .collect();
    let v4 = addrs
        .iter()
        .find(|a| a.local == Some(ip("192.0.2.10")))
        .unwrap();
    assert_eq!((v4.family, v4.prefix_len, v4.index), (AF_INET, 24, idx));
    assert_eq!(v4.broadcast, Some(ip("192.0.2.255")));
    let v6 = addrs
        .iter()
        .find(|a| a.address == Some(ip("2001:db8::10")))
        .unwrap();
    assert_eq!((v6.family, v6.prefix_len, v6.index), (AF_INET6, 64, idx));
    assert_eq!(v6.local, None);
}

#[test]
fn route_dump_from_the_kernel() {
    let idx = links()
        .iter()
        .find(|l| l.name == Some("cap0"))
        .unwrap()
        .index;
    let routes: Vec<RouteRepr> = messages(ROUTE_DUMP)
        .iter()
        .filter(|p| p.kind() == RTM_NEWROUTE)
        .map(|p| RouteRepr::parse(p.payload()).unwrap())
        .collect();
    let r4 = routes
        .iter()
        .find(|r| r.dst == Some(ip("198.51.100.0")))
        .unwrap();
    assert_eq!(
        (r4.family, r4.dst_len, r4.table, r4.protocol, r4.kind),
        (AF_INET, 24, RT_TABLE_MAIN, RTPROT_STATIC, RTN_UNICAST)
    );
    assert_eq!(
        (r4.gateway, r4.oif, r4.priority),
        (Some(ip("192.0.2.1")), Some(idx), Some(7))
    );
    let r6 = routes
        .iter()
        .find(|r| r.family == AF_INET6 && r.dst_len == 0 && r.table == RT_TABLE_MAIN)
        .unwrap();
    assert_eq!(r6.dst, None);
    assert_eq!(
        (r6.gateway, r6.oif, r6.priority),
        (Some(ip("fe80::1")), Some(idx), Some(1024))
    );
    // The IPv4 address's prefix route, added by the kernel, is there too.
    assert!(
        routes
            .iter()
            .any(|r| r.dst == Some(ip("192.0.2.0")) && r.protocol == 2 && r.scope == RT_SCOPE_LINK)
    );
}

#[test]
fn kernel_errors_with_and_without_a_message() {
    let p = messages(ROUTE_EEXIST)[0];
    assert_eq!((p.kind(), p.seq()), (NLMSG_ERROR, 4));
    let e = ErrorRepr::parse(p.flags(), p.payload()).unwrap();
    assert_eq!(e.error, -17);
    assert_eq!(e.message, None);
    let p = messages(ROUTE_BADGW)[0];
    let e = ErrorRepr::parse(p.flags(), p.payload()).unwrap();
    assert_eq!(e.error, -101);
    assert_eq!(e.message, Some("Nexthop has invalid gateway"));
}

fn roundtrip_link(r: &LinkRepr) {
    let mut buf = [0u8; 512];
    let mut e = Emitter::new(&mut buf);
    r.emit(&mut e);
    assert!(!e.overflowed());
    assert_eq!(e.len() % 4, 0);
    assert_eq!(&LinkRepr::parse(e.as_bytes()).unwrap(), r);
}

#[test]
fn link_emit_parse_round_trip() {
    let data = [8, 0, 1, 0, 100, 0, 0, 0];
    roundtrip_link(&LinkRepr {
        arp_type: ARPHRD_ETHER,
        index: 7,
        flags: IFF_UP,
        change: IFF_UP,
        name: Some("bond0"),
        mac: Some("fa:16:3e:00:00:01".parse().unwrap()),
        perm_mac: Some("fa:16:3e:00:00:02".parse().unwrap()),
        mtu: Some(9000),
        link: Some(3),
        master: Some(4),
        kind: Some("bond"),
        info_data: Some(&data),
        slave_kind: Some("bridge"),
        parent: Some("0000:00:03.0"),
        ext_mask: Some(RTEXT_FILTER_SKIP_STATS),
    });
    roundtrip_link(&LinkRepr::default());
    // Names of every length around the 4-byte boundary keep their NUL.
    for name in ["a", "ab", "abc", "abcd", "abcde", "abcdefghijklmno"] {
        roundtrip_link(&LinkRepr {
            name: Some(name),
            ..LinkRepr::default()
        });
    }
    // Every captured link survives parse → emit → parse (the fields this program uses).
    for l in links() {
        roundtrip_link(&l);
    }
}

#[test]
fn addr_and_route_emit_parse_round_trip() {
    for a in [
        AddrRepr {
            family: AF_INET,
            prefix_len: 24,
            flags: 0,
            scope: 0,
            index: 3,
            address: Some(ip("10.0.0.5")),
            local: Some(ip("10.0.0.5")),
            broadcast: Some(ip("10.0.0.255")),
        },
        AddrRepr {
            family: AF_INET6,
            prefix_len: 64,
            index: 9,
            address: Some(ip("2001:db8::5")),
            ..AddrRepr::default()
        },
    ] {
        let mut buf = [0u8; 128];
        let mut e = Emitter::new(&mut buf);
        a.emit(&mut e);
        assert_eq!(AddrRepr::parse(e.as_bytes()), Ok(a));
    }
    for table in [RT_TABLE_MAIN, 1000] {
        let r = RouteRepr {
            family: AF_INET6,
            dst_len: 48,
            table,
            protocol: RTPROT_STATIC,
            scope: RT_SCOPE_UNIVERSE,
            kind: RTN_UNICAST,
            flags: RTNH_F_ONLINK,
            dst: Some(ip("2001:db8:1::")),
            gateway: Some(ip("fe80::1")),
            oif: Some(2),
            priority: Some(100),
        };
        let mut buf = [0u8; 128];
        let mut e = Emitter::new(&mut buf);
        r.emit(&mut e);
        assert_eq!(RouteRepr::parse(e.as_bytes()), Ok(r));
    }
}

#[test]
fn error_emit_parse_round_trip() {
    for r in [
        ErrorRepr::default(),
        ErrorRepr {
            error: -22,
            message: Some("ARP monitoring cannot be used with MII monitoring"),
        },
    ] {
        let mut buf = [0u8; 256];
        let mut e = Emitter::new(&mut buf);
        e.begin(NLMSG_ERROR, r.header_flags(), 42);
        r.emit(&mut e);
        e.end();
        let p = Packet::new_checked(e.as_bytes()).unwrap();
        assert_eq!((p.length() as usize, p.seq()), (e.as_bytes().len(), 42));
        assert_eq!(ErrorRepr::parse(p.flags(), p.payload()), Ok(r));
    }
}

#[test]
fn a_request_is_byte_exact() {
    // `ip link set dev <7> mtu 1400 up`, as the kernel's headers lay it out.
    let mut buf = [0u8; 64];
    let mut e = Emitter::new(&mut buf);
    e.begin(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 5);
    LinkRepr {
        index: 7,
        flags: IFF_UP,
        change: IFF_UP,
        mtu: Some(1400),
        ..LinkRepr::default()
    }
    .emit(&mut e);
    e.end();
    #[rustfmt::skip]
    let want: [u8; 40] = [
        40, 0, 0, 0, 19, 0, 5, 0, 5, 0, 0, 0, 0, 0, 0, 0, // nlmsghdr
        0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,   // ifinfomsg
        8, 0, 4, 0, 0x78, 5, 0, 0,                        // IFLA_MTU 1400
    ];
    assert_eq!(e.as_bytes(), &want);
}

#[test]
fn the_emitter_flags_overflow_instead_of_panicking() {
    let mut buf = [0u8; 24];
    let mut e = Emitter::new(&mut buf);
    e.begin(RTM_NEWLINK, NLM_F_REQUEST, 1);
    e.str(IFLA_IFNAME, "a-long-interface");
    e.end();
    assert!(e.overflowed());
    e.clear();
    assert!(!e.overflowed() && e.is_empty());
}

#[test]
fn truncated_replies_are_errors_never_panics() {
    for d in CAPTURES {
        for cut in 0..d.len() {
            let part = &d[..cut];
            let mut ok = true;
            for m in Messages::new(part) {
                match m {
                    Ok(p) => ok &= parse_any(&p).is_ok(),
                    Err(_) => ok = false,
                }
            }
            // A cut anywhere but between messages leaves an incomplete one.
            let boundary = {
                let mut at = 0;
                let mut b = cut == 0;
                while at < d.len() {
                    at += align4(u32_at(d, at) as usize);
                    b |= at == cut;
                }
                b
            };
            assert!(ok || !boundary, "cut at {cut} of a complete reply failed");
            assert!(!ok || boundary, "cut at {cut} went unnoticed");
        }
    }
}

#[test]
fn hostile_bytes_are_errors_never_panics() {
    // Lengths that lie: too small, too large, zero, not a multiple of 4.
    for len in [0u32, 3, 15, 17, 10_000, u32::MAX] {
        let mut m = [0u8; 32];
        m[..4].copy_from_slice(&len.to_ne_bytes());
        let n = Messages::new(&m).filter(|r| r.is_err()).count();
        assert_eq!(n, 1, "length {len}");
    }
    // Attributes that lie about their length, inside a well-formed message body.
    for alen in [0u16, 2, 3, 9, 200, u16::MAX] {
        let mut body = [0u8; 24];
        body[16..18].copy_from_slice(&alen.to_ne_bytes());
        body[18..20].copy_from_slice(&IFLA_MTU.to_ne_bytes());
        assert_eq!(LinkRepr::parse(&body), Err(Error), "attr length {alen}");
    }
    // Short fixed headers.
    assert_eq!(LinkRepr::parse(&[0; 15]), Err(Error));
    assert_eq!(AddrRepr::parse(&[0; 7]), Err(Error));
    assert_eq!(RouteRepr::parse(&[0; 11]), Err(Error));
    assert_eq!(ErrorRepr::parse(0, &[0; 19]), Err(Error));
    // An error whose original-message length points past the end.
    let mut b = [0u8; 20];
    b[4..8].copy_from_slice(&1000u32.to_ne_bytes());
    assert_eq!(ErrorRepr::parse(NLM_F_ACK_TLVS, &b), Err(Error));
    // Values of the wrong size.
    let mut body = [0u8; 24];
    body[16..18].copy_from_slice(&7u16.to_ne_bytes());
    body[18..20].copy_from_slice(&IFA_LOCAL.to_ne_bytes());
    assert_eq!(AddrRepr::parse(&body[8..]), Err(Error));
    // Every single-byte corruption of real replies: parsed or refused, never a panic.
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for d in CAPTURES {
        let mut v = d.to_vec();
        for i in 0..v.len() {
            let old = v[i];
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            for x in [0, 0xff, old ^ 0x80, rng as u8] {
                v[i] = x;
                for m in Messages::new(&v).flatten() {
                    let _ = parse_any(&m);
                }
            }
            v[i] = old;
        }
    }
}
