use core::fmt;
use core::str::FromStr;

/// An Ethernet (EUI-48) address. Parsing accepts either case and `:` or `-` separators;
/// display is lower-case with colons, as the kernel and every renderer write it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

/// The text is not a MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidMac;

impl Mac {
    pub const ZERO: Mac = Mac([0; 6]);

    /// Builds a MAC from the first six bytes of a hardware-address attribute.
    pub fn from_slice(b: &[u8]) -> Option<Mac> {
        let b: [u8; 6] = b.get(..6)?.try_into().ok()?;
        Some(Mac(b))
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
}

impl FromStr for Mac {
    type Err = InvalidMac;
    fn from_str(s: &str) -> Result<Mac, InvalidMac> {
        let b = s.as_bytes();
        if b.len() != 17 {
            return Err(InvalidMac);
        }
        let sep = b[2];
        if sep != b':' && sep != b'-' {
            return Err(InvalidMac);
        }
        let mut out = [0u8; 6];
        for (i, o) in out.iter_mut().enumerate() {
            let at = i * 3;
            if i > 0 && b[at - 1] != sep {
                return Err(InvalidMac);
            }
            let hi = hex(b[at]).ok_or(InvalidMac)?;
            let lo = hex(b[at + 1]).ok_or(InvalidMac)?;
            *o = hi << 4 | lo;
        }
        Ok(Mac(out))
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = [b':'; 17];
        for (i, b) in self.0.iter().enumerate() {
            let [hi, lo] = crate::text::hex_byte(*b);
            s[i * 3] = hi;
            s[i * 3 + 1] = lo;
        }
        // Only ASCII was written.
        f.write_str(core::str::from_utf8(&s).unwrap_or(""))
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_both_separators() {
        let m: Mac = "FA:16:3e:0A:bB:cc".parse().unwrap();
        assert_eq!(m.0, [0xfa, 0x16, 0x3e, 0x0a, 0xbb, 0xcc]);
        assert_eq!(std::format!("{m}"), "fa:16:3e:0a:bb:cc");
        assert_eq!("fa-16-3e-0a-bb-cc".parse::<Mac>(), Ok(m));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "fa:16:3e:0a:bb",
            "fa:16:3e:0a:bb:cc:dd",
            "fa:16:3e:0a:bb:zz",
            "fa:16-3e:0a:bb:cc",
            "fa.16.3e.0a.bb.cc",
            "xx:xx:xx:xx:xx:00",
            "fa:16:3e:0a:bb:c",
        ] {
            assert_eq!(bad.parse::<Mac>(), Err(InvalidMac), "{bad}");
        }
    }
}
