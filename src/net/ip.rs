//! IP address text: parsing and display with the same results as `core::net`, in a fraction
//! of its code (core's generic parser and its padded Display cost about 5 KiB of the binary).
//!
//! Parsing is as strict as core's: IPv4 is four decimal octets without leading zeros; IPv6 is
//! up to eight groups of one to four hex digits, one `::`, an optional trailing dotted IPv4;
//! no zone ids, brackets or ports. Display follows RFC 5952 the way core does (lower case,
//! the first longest run of two or more zero groups as `::`, `::ffff:a.b.c.d` for IPv4-mapped
//! addresses). The unit tests compare both with core on many generated inputs.

use core::fmt;

use super::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Four decimal octets, `a.b.c.d`: each 1-3 digits, at most 255, no leading zero.
pub fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let mut o = [0u8; 4];
    let mut parts = s.as_bytes().split(|&b| b == b'.');
    for slot in o.iter_mut() {
        *slot = octet(parts.next()?)?;
    }
    match parts.next() {
        None => Some(Ipv4Addr::from(o)),
        Some(_) => None,
    }
}

fn octet(p: &[u8]) -> Option<u8> {
    if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
        return None;
    }
    let mut n = 0u32;
    for &b in p {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    u8::try_from(n).ok()
}

/// Colon-separated groups (`1:2:3`, maybe ending in a dotted IPv4 taking two groups) into
/// `out`; returns how many groups. An empty text is no groups.
fn groups(s: &[u8], out: &mut [u16; 8], v4_ok: bool) -> Option<usize> {
    let mut n = 0;
    if s.is_empty() {
        return Some(0);
    }
    let mut parts = s.split(|&b| b == b':').peekable();
    while let Some(p) = parts.next() {
        if v4_ok && parts.peek().is_none() && p.contains(&b'.') {
            let v4 = parse_ipv4(core::str::from_utf8(p).ok()?)?.octets();
            *out.get_mut(n)? = u16::from_be_bytes([v4[0], v4[1]]);
            *out.get_mut(n + 1)? = u16::from_be_bytes([v4[2], v4[3]]);
            return Some(n + 2);
        }
        if p.is_empty() || p.len() > 4 {
            return None;
        }
        let mut g = 0u16;
        for &b in p {
            g = g << 4 | u16::from(hex_value(b)?);
        }
        *out.get_mut(n)? = g;
        n += 1;
    }
    Some(n)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// An IPv6 address in any of RFC 4291's text forms (section 2.2).
pub fn parse_ipv6(s: &str) -> Option<Ipv6Addr> {
    let b = s.as_bytes();
    let mut head = [0u16; 8];
    let gap = b.windows(2).position(|w| w == b"::");
    let Some(at) = gap else {
        return (groups(b, &mut head, true)? == 8).then(|| Ipv6Addr::from(head));
    };
    let mut tail = [0u16; 8];
    let h = groups(b.get(..at)?, &mut head, false)?;
    let t = groups(b.get(at + 2..)?, &mut tail, true)?;
    // `::` stands for at least one zero group.
    if h + t > 7 {
        return None;
    }
    head.iter_mut()
        .skip(8 - t)
        .zip(tail)
        .for_each(|(h, t)| *h = t);
    Some(Ipv6Addr::from(head))
}

/// An IPv4 or IPv6 address.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        parse_ipv6(s).map(IpAddr::V6)
    } else {
        parse_ipv4(s).map(IpAddr::V4)
    }
}

/// Displays an address as core's `Display` does (no padding support: none is used).
#[derive(Clone, Copy)]
pub struct Ip(pub IpAddr);

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v6 = match self.0 {
            IpAddr::V4(a) => return v4(f, a),
            IpAddr::V6(a) => a,
        };
        if let Some(a) = v6.to_ipv4_mapped() {
            f.write_str("::ffff:")?;
            return v4(f, a);
        }
        let seg = v6.segments();
        // The first longest run of zero groups, if two or more long, is written `::`.
        let (mut gap, mut gap_len, mut run) = (8, 0, 0);
        for (i, &g) in seg.iter().enumerate() {
            run = if g == 0 { run + 1 } else { 0 };
            if run > gap_len {
                (gap, gap_len) = (i + 1 - run, run);
            }
        }
        if gap_len < 2 {
            gap = 8;
        }
        for (i, &g) in seg.iter().enumerate() {
            if i == gap {
                f.write_str("::")?;
            }
            if (gap..gap + gap_len).contains(&i) {
                continue;
            }
            if i > 0 && i != gap + gap_len {
                f.write_str(":")?;
            }
            number(f, g.into(), 16)?;
        }
        Ok(())
    }
}

fn v4(f: &mut fmt::Formatter<'_>, a: Ipv4Addr) -> fmt::Result {
    for (i, o) in a.octets().into_iter().enumerate() {
        if i > 0 {
            f.write_str(".")?;
        }
        number(f, o.into(), 10)?;
    }
    Ok(())
}

/// `n` in base 10 or 16 (lower case), without leading zeros.
fn number(f: &mut fmt::Formatter<'_>, mut n: u32, base: u32) -> fmt::Result {
    let mut b = [0u8; 10];
    let mut at = b.len();
    for slot in b.iter_mut().rev() {
        *slot = b"0123456789abcdef"[(n % base) as usize & 15];
        at -= 1;
        n /= base;
        if n == 0 {
            break;
        }
    }
    // Only ASCII was written.
    f.write_str(core::str::from_utf8(b.get(at..).unwrap_or_default()).unwrap_or(""))
}

impl From<Ipv4Addr> for Ip {
    fn from(a: Ipv4Addr) -> Ip {
        Ip(IpAddr::V4(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::{String, ToString};

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Compares with core; returns whether the text was an address.
    fn check(s: &str) -> bool {
        assert_eq!(parse_ipv4(s), s.parse::<Ipv4Addr>().ok(), "v4 {s:?}");
        assert_eq!(parse_ipv6(s), s.parse::<Ipv6Addr>().ok(), "v6 {s:?}");
        let ip = s.parse::<IpAddr>().ok();
        assert_eq!(parse_ip(s), ip, "ip {s:?}");
        ip.is_some()
    }

    fn shown(a: IpAddr) {
        assert_eq!(Ip(a).to_string(), a.to_string(), "{a:?}");
    }

    #[test]
    fn known_forms() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.0.1",
            "1.2.3.04",
            "01.2.3.4",
            "1.2.3.256",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "+1.2.3.4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "",
            ":",
            "::",
            ":::",
            "::1",
            "1::",
            "1:",
            ":1",
            "::1:",
            "1::2::3",
            "2001:db8::1",
            "2001:DB8:0:0:0:0:0:1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "12345::",
            "0000:0000::00000",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "1:2:3:4:5:6::1.2.3.4",
            "1.2.3.4::",
            "1.2.3.4:1:2:3:4:5:6",
            "::1.2.3.4:5",
            "::01.2.3.4",
            "::1.2.3",
            "::1.2.3.4.5",
            "fe80::1%eth0",
            "[::1]",
            "::g",
            "1:2:3:4:5:6:7:8%1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "é::1",
            "1.2.3.é",
        ] {
            check(s);
        }
    }

    #[test]
    fn generated_text_parses_as_core_does() {
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEFg:::::....%/ x";
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut valid = 0;
        for _ in 0..200_000 {
            let len = rng.below(24);
            let s: String = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
                .collect();
            valid += usize::from(check(&s));
        }
        assert!(
            valid > 1000,
            "the generator should hit valid addresses too: {valid}"
        );
    }

    /// Real addresses, mangled one edit at a time: the near misses a random alphabet rarely
    /// produces.
    #[test]
    fn mutated_addresses_parse_as_core_does() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut valid = 0;
        for _ in 0..50_000 {
            let a = random_addr(&mut rng);
            let mut s: std::vec::Vec<u8> = a.to_string().into_bytes();
            for _ in 0..1 + rng.below(3) {
                const EDITS: &[u8] = b"0:.f9A1%";
                let i = rng.below(s.len() + 1);
                match rng.below(3) {
                    0 => s.insert(i, EDITS[rng.below(EDITS.len())]),
                    1 if i < s.len() => {
                        s.remove(i);
                    }
                    _ if i < s.len() => s[i] = EDITS[rng.below(EDITS.len())],
                    _ => {}
                }
            }
            valid += usize::from(check(core::str::from_utf8(&s).unwrap()));
        }
        assert!(valid > 5000, "some edits should keep an address: {valid}");
    }

    fn random_addr(rng: &mut Rng) -> IpAddr {
        if rng.below(4) == 0 {
            return IpAddr::V4(Ipv4Addr::from(rng.next() as u32));
        }
        // Mostly zero groups, so that runs of zeros of every length and place occur.
        let mut g = [0u16; 8];
        for x in g.iter_mut() {
            *x = match rng.below(4) {
                0 | 1 => 0,
                2 => rng.next() as u16 & 0xf,
                _ => rng.next() as u16,
            };
        }
        if rng.below(8) == 0 {
            g[..5].fill(0);
            g[5] = 0xffff;
        }
        IpAddr::V6(Ipv6Addr::from(g))
    }

    #[test]
    fn display_matches_core() {
        for s in [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1",
            "1:0:0:2:0:0:3:4",
            "fe80::1",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "10.0.100.9",
        ] {
            shown(s.parse().unwrap());
        }
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        for _ in 0..100_000 {
            let a = random_addr(&mut rng);
            shown(a);
            // And what is shown parses back to the same address.
            assert_eq!(parse_ip(&Ip(a).to_string()), Some(a));
        }
    }
}
