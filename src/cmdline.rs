//! The kernel command line options this program reads (`/proc/cmdline`).
//!
//! - `rd.configdrive=0` (or `no`, `off`, `false`): do nothing;
//! - `rd.configdrive.timeout=SECS`: the longest wait for the drive and for each NIC;
//! - `rd.configdrive.label=LABEL`: the filesystem label to look for instead of `config-2`;
//! - `rd.configdrive.persist=LIST|0`: formats to write into the real root (`0`: none);
//! - `rd.configdrive.debug`: detailed logging.
//!
//! As dracut does, the last occurrence of an option wins and a bare `rd.configdrive.debug`
//! means `=1`. Values may be double-quoted.

use crate::text::Text;

/// Bytes of a label (an ISO9660 volume id is 32 bytes).
pub const MAX_LABEL_BYTES: usize = 32;
/// Bytes of the persist list.
pub const MAX_PERSIST_BYTES: usize = 64;
/// The longest timeout accepted, in seconds (one day).
pub const MAX_TIMEOUT_SECS: u32 = 86_400;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// `rd.configdrive=0`.
    pub disabled: bool,
    pub timeout_secs: Option<u32>,
    pub label: Option<Text<MAX_LABEL_BYTES>>,
    /// `Some("")` for `rd.configdrive.persist=0`.
    pub persist: Option<Text<MAX_PERSIST_BYTES>>,
    pub debug: bool,
}

/// Splits a command line into words, honouring double quotes around values.
pub fn words(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = crate::text::trim(line);
    core::iter::from_fn(move || {
        // `rest` ends where the trimmed line ends: trimming both ends only trims its start.
        rest = crate::text::trim(rest);
        if rest.is_empty() {
            return None;
        }
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                crate::text::is_space(c) && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let (w, r) = rest.split_at(end);
        rest = r;
        Some(w)
    })
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

/// dracut's boolean reading: `0`, `no`, `off`, `false` are false; anything else is true.
fn truthy(v: &str) -> bool {
    !matches!(v, "0" | "no" | "off" | "false")
}

/// Reads our options from a command line. Invalid values are reported and ignored.
pub fn parse(line: &str) -> Options {
    let mut o = Options::default();
    for w in words(line) {
        let (key, value) = match w.split_once('=') {
            Some((k, v)) => (k, Some(unquote(v))),
            None => (w, None),
        };
        match (key, value) {
            ("rd.configdrive", v) => o.disabled = !truthy(v.unwrap_or("1")),
            ("rd.configdrive.debug", v) => o.debug = truthy(v.unwrap_or("1")),
            ("rd.configdrive.timeout", Some(v)) => {
                match crate::text::parse_dec(v, MAX_TIMEOUT_SECS.into()) {
                    Some(s) => o.timeout_secs = Some(s as u32),
                    _ => crate::warn!(
                        "rd.configdrive.timeout={v}: not a number of seconds up to {MAX_TIMEOUT_SECS}, ignored"
                    ),
                }
            }
            ("rd.configdrive.label", Some(v)) => match crate::text::text(v) {
                Ok(l) if !v.is_empty() => o.label = Some(l),
                _ => crate::warn!(
                    "rd.configdrive.label={v}: empty or longer than {MAX_LABEL_BYTES} bytes, ignored"
                ),
            },
            ("rd.configdrive.persist", Some(v)) => {
                let v = if v == "0" { "" } else { v };
                match crate::text::text(v) {
                    Ok(l) => o.persist = Some(l),
                    Err(_) => crate::warn!(
                        "rd.configdrive.persist: longer than {MAX_PERSIST_BYTES} bytes, ignored"
                    ),
                }
            }
            _ => {}
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_last_wins_and_bools() {
        let o = parse(
            "BOOT_IMAGE=/vmlinuz root=/dev/vda1 rd.configdrive.timeout=5 quiet rd.configdrive.timeout=7 rd.configdrive.debug",
        );
        assert_eq!(o.timeout_secs, Some(7));
        assert!(o.debug);
        assert!(!o.disabled);
        assert!(parse("rd.configdrive=0").disabled);
        assert!(parse("rd.configdrive=off").disabled);
        assert!(!parse("rd.configdrive=0 rd.configdrive=1").disabled);
        assert!(!parse("rd.configdrive").disabled);
    }

    #[test]
    fn label_persist_and_quotes() {
        let o = parse(r#"rd.configdrive.label="MY DRIVE" rd.configdrive.persist=networkd,nm"#);
        assert_eq!(o.label.as_deref(), Some("MY DRIVE"));
        assert_eq!(o.persist.as_deref(), Some("networkd,nm"));
        assert_eq!(
            parse("rd.configdrive.persist=0").persist.as_deref(),
            Some("")
        );
    }

    #[test]
    fn bad_values_are_ignored() {
        let o = parse(
            "rd.configdrive.timeout=abc rd.configdrive.timeout=99999999 rd.configdrive.label=",
        );
        assert_eq!(o.timeout_secs, None);
        assert_eq!(o.label, None);
        let long = std::format!("rd.configdrive.label={}", "x".repeat(33));
        assert_eq!(parse(&long).label, None);
    }

    #[test]
    fn words_keep_quoted_spaces() {
        let w: std::vec::Vec<_> = words(r#" a b="c d"  e "#).collect();
        assert_eq!(w, ["a", "b=\"c d\"", "e"]);
    }
}
