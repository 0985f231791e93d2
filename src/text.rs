//! Fixed-capacity text: the string types of the model and a formatter into byte buffers.
//!
//! Size note: core compiles a formatter per integer type, so numbers in messages are shown
//! as `u64` (`u64::from(n)`), whose formatter the binary has anyway, and hex with
//! [`hex_byte`] rather than `{:x}`; and `write!` into a `Text<N>` goes through
//! `as_mut_view()`, so the `fmt::Write` glue is compiled once, not once per capacity.

use core::fmt::{self, Write};

/// A string of at most `N` bytes, stored inline.
pub type Text<const N: usize> = heapless::String<N>;

/// The input did not fit the capacity it was meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong;

/// Copies `s` into a `Text<N>`, or reports that it does not fit.
pub fn text<const N: usize>(s: &str) -> Result<Text<N>, TooLong> {
    let mut t = Text::new();
    t.push_str(s).map_err(|_| TooLong)?;
    Ok(t)
}

/// Formats into a `Text<N>`; `Err` when the result would not fit.
pub fn format<const N: usize>(args: fmt::Arguments<'_>) -> Result<Text<N>, TooLong> {
    let mut t = Text::new();
    t.as_mut_view().write_fmt(args).map_err(|_| TooLong)?;
    Ok(t)
}

/// A `fmt::Write` into a byte slice that records whether anything was cut off.
pub struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
    overflow: bool,
}

impl<'a> SliceWriter<'a> {
    pub fn new(buf: &'a mut [u8]) -> Self {
        SliceWriter {
            buf,
            len: 0,
            overflow: false,
        }
    }
    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        // (`get` rather than indexing here and below: a panic site costs code and a location.)
        self.buf.get(..self.len).unwrap_or_default()
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Forgets what was written, to reuse the buffer.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflow = false;
    }
    /// True when some output did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
    /// Appends raw bytes, keeping what fits.
    pub fn push_bytes(&mut self, b: &[u8]) {
        let room = self.buf.get_mut(self.len..).unwrap_or_default();
        let n = b.len().min(room.len());
        room.iter_mut().zip(b).for_each(|(d, s)| *d = *s);
        self.len += n;
        if n < b.len() {
            self.overflow = true;
        }
    }
    /// Removes bytes from the end until at most `len` remain, keeping UTF-8 whole.
    pub fn truncate_to_char_boundary(&mut self, len: usize) {
        let mut l = len.min(self.len);
        while l > 0 && l < self.len && self.buf.get(l).is_some_and(|b| (b & 0xC0) == 0x80) {
            l -= 1;
        }
        self.len = l;
    }
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_bytes(s.as_bytes());
        if self.overflow {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// Displays a value from the input for a message: quoted, control characters escaped, and
/// cut after 64 characters with `…` (a message is not a place for a whole document).
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for (i, c) in self.0.chars().enumerate() {
            if i == 64 {
                f.write_str("…")?;
                break;
            }
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let [hi, lo] = hex_byte(c as u8);
                    f.write_str("\\x")?;
                    f.write_char(hi as char)?;
                    f.write_char(lo as char)?
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
}

/// A byte as two lower-case hex digits (core's `{:02x}` is a formatter of its own per type).
pub fn hex_byte(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

/// An unsigned decimal number up to `max`, read as `str::parse` reads unsigned integers (an
/// optional `+`, then one or more ASCII digits): one routine instead of one per type.
pub fn parse_dec(s: &str, max: u64) -> Option<u64> {
    let digits = match s.as_bytes() {
        [b'+', rest @ ..] => rest,
        all => all,
    };
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    (n <= max).then_some(n)
}

/// Unicode White_Space, the set `char::is_whitespace` tests (through a 256-byte table).
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `str::trim`, with [`is_space`].
pub fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// ASCII case-insensitive equality, byte by byte (core's `eq_ignore_ascii_case` is unrolled
/// into 400 bytes of code).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x.eq_ignore_ascii_case(&y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reports_overflow() {
        assert_eq!(text::<3>("abc").unwrap().as_str(), "abc");
        assert_eq!(text::<3>("abcd"), Err(TooLong));
    }

    #[test]
    fn slice_writer_keeps_what_fits_and_flags_the_rest() {
        let mut buf = [0u8; 4];
        let mut w = SliceWriter::new(&mut buf);
        assert!(write!(w, "ab").is_ok());
        assert!(write!(w, "cde").is_err());
        assert_eq!(w.as_bytes(), b"abcd");
        assert!(w.overflowed());
    }

    #[test]
    fn decimals_parse_as_core_does() {
        for s in [
            "",
            "+",
            "-",
            "0",
            "007",
            "+5",
            "++5",
            "-5",
            "5-",
            " 5",
            "5 ",
            "1a",
            "255",
            "256",
            "65535",
            "65536",
            "4294967295",
            "4294967296",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "١٢",
            "+0",
        ] {
            let max = |m: u64| parse_dec(s, m);
            assert_eq!(
                max(u8::MAX.into()),
                s.parse::<u8>().ok().map(u64::from),
                "{s:?}"
            );
            assert_eq!(
                max(u16::MAX.into()),
                s.parse::<u16>().ok().map(u64::from),
                "{s:?}"
            );
            assert_eq!(
                max(u32::MAX.into()),
                s.parse::<u32>().ok().map(u64::from),
                "{s:?}"
            );
            assert_eq!(max(u64::MAX), s.parse::<u64>().ok(), "{s:?}");
        }
    }

    #[test]
    fn case_insensitive_as_core() {
        let words = [
            "",
            "a",
            "A",
            "balance-RR",
            "Balance-rr",
            "balance-rr ",
            "é",
            "É",
            "802.3AD",
        ];
        for a in words {
            for b in words {
                assert_eq!(eq_ignore_case(a, b), a.eq_ignore_ascii_case(b), "{a} {b}");
            }
        }
    }

    #[test]
    fn space_is_unicode_white_space() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            assert_eq!(is_space(c), c.is_whitespace(), "{:x}", c as u32);
        }
        for s in [" a b ", "\u{a0}x\u{3000}", "", " \t\n", "é", "\u{200b}x"] {
            assert_eq!(trim(s), s.trim());
        }
    }

    #[test]
    fn quoted_escapes_and_shortens() {
        assert_eq!(std::format!("{}", Quoted("a\"b\n")), "\"a\\\"b\\x0a\"");
        let long = "x".repeat(100);
        let shown = std::format!("{}", Quoted(&long));
        assert!(shown.ends_with("…\""));
        assert_eq!(shown.chars().filter(|&c| c == 'x').count(), 64);
    }
}
