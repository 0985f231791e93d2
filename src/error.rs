//! Errors about the drive's contents: which file, which field, which value, what is wrong.
//!
//! Every rejection of input is one of these, so an operator reading `dmesg` sees e.g.
//! `openstack/latest/network_data.json: links[2].ethernet_mac_address: "fa:16:3e:zz": not a
//! MAC address`.

use core::fmt;

use crate::text::{Quoted, Text};

/// Bytes kept of the file name, the field path and the offending value.
pub const MAX_FILE_LABEL_BYTES: usize = 96;
pub const MAX_FIELD_PATH_BYTES: usize = 96;
pub const MAX_VALUE_SNIPPET_BYTES: usize = 96;

/// What is wrong with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The JSON text itself is malformed (at line:column).
    JsonSyntax {
        line: u32,
        column: u32,
        what: &'static str,
    },
    /// The value has the wrong JSON type (e.g. an object where a string belongs).
    WrongType {
        expected: &'static str,
    },
    /// A required key is absent.
    Missing,
    /// A string is longer than its bound.
    TooLong {
        bound: &'static str,
        max: usize,
    },
    /// More items than a fixed capacity allows.
    Capacity {
        bound: &'static str,
        max: usize,
    },
    InvalidMac,
    InvalidAddress,
    InvalidNetmask,
    NonContiguousMask,
    /// The address family does not fit the network type or the other end of the route.
    FamilyMismatch,
    InvalidNumber,
    /// A number outside the range the kernel accepts.
    OutOfRange {
        min: u64,
        max: u64,
    },
    /// A reference (`link`, `vlan_link`, `bond_links`) to an id that no link has.
    DanglingReference,
    /// Two links share an id, or two interfaces would share a name.
    Duplicate,
    /// An interface name the kernel would refuse (empty, over 15 bytes, `/`, `:`, space).
    InvalidInterfaceName,
    InvalidHostname,
    /// A network type, bond mode or option value that is not known.
    UnknownValue,
    /// A link that is a member of two bonds, or a bond/VLAN loop.
    InvalidTopology,
    /// A path that leaves the drive or is otherwise not acceptable.
    InvalidPath,
    /// The document is not the format expected (e.g. not an interfaces file).
    WrongFormat,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::JsonSyntax { line, column, what } => {
                let (line, column) = (u64::from(line), u64::from(column));
                write!(f, "malformed JSON at line {line}, column {column}: {what}")
            }
            Problem::WrongType { expected } => write!(f, "expected {expected}"),
            Problem::Missing => f.write_str("required but missing"),
            Problem::TooLong { bound, max } => write!(f, "longer than {max} bytes ({bound})"),
            Problem::Capacity { bound, max } => write!(f, "more than {max} items ({bound})"),
            Problem::InvalidMac => f.write_str("not a MAC address"),
            Problem::InvalidAddress => f.write_str("not an IP address"),
            Problem::InvalidNetmask => f.write_str("not a netmask or prefix length"),
            Problem::NonContiguousMask => f.write_str("non-contiguous netmask"),
            Problem::FamilyMismatch => f.write_str("address family does not match"),
            Problem::InvalidNumber => f.write_str("not a number"),
            Problem::OutOfRange { min, max } => write!(f, "out of range {min}..={max}"),
            Problem::DanglingReference => f.write_str("refers to a link id that does not exist"),
            Problem::Duplicate => f.write_str("duplicate"),
            Problem::InvalidInterfaceName => {
                f.write_str("not a valid interface name (1-15 bytes, no '/', ':' or space)")
            }
            Problem::InvalidHostname => f.write_str("not a valid hostname"),
            Problem::UnknownValue => f.write_str("unknown value"),
            Problem::InvalidTopology => f.write_str("invalid bond/VLAN topology"),
            Problem::InvalidPath => f.write_str("not an acceptable path inside the drive"),
            Problem::WrongFormat => f.write_str("not in the expected format"),
        }
    }
}

/// An invalid document: the file, the field path within it, the offending value, the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    pub file: Text<MAX_FILE_LABEL_BYTES>,
    pub path: Text<MAX_FIELD_PATH_BYTES>,
    pub value: Option<Text<MAX_VALUE_SNIPPET_BYTES>>,
    pub problem: Problem,
}

impl DataError {
    /// Builds an error; the file, path and value are shortened to their bounds for display
    /// (the message is about the input, it is not a copy of it).
    pub fn new(file: &str, path: &str, value: Option<&str>, problem: Problem) -> Self {
        DataError {
            file: shortened(file),
            path: shortened(path),
            value: value.map(shortened),
            problem,
        }
    }
}

fn shortened<const N: usize>(s: &str) -> Text<N> {
    let mut t = Text::new();
    for c in s.chars() {
        if t.len() + c.len_utf8() > N - 3 {
            let _ = t.push('…');
            break;
        }
        let _ = t.push(c);
    }
    t
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if !self.path.is_empty() {
            f.write_str(": ")?;
            f.write_str(&self.path)?;
        }
        if let Some(v) = &self.value {
            f.write_str(": ")?;
            fmt::Display::fmt(&Quoted(v), f)?;
        }
        f.write_str(": ")?;
        fmt::Display::fmt(&self.problem, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_file_field_value_and_problem() {
        let e = DataError::new(
            "openstack/latest/network_data.json",
            "links[2].ethernet_mac_address",
            Some("fa:16:3e:zz"),
            Problem::InvalidMac,
        );
        assert_eq!(
            std::format!("{e}"),
            "openstack/latest/network_data.json: links[2].ethernet_mac_address: \"fa:16:3e:zz\": not a MAC address"
        );
    }

    #[test]
    fn long_values_are_shortened_for_display() {
        let long = "a".repeat(500);
        let e = DataError::new("f", "p", Some(&long), Problem::InvalidAddress);
        assert!(e.value.as_ref().unwrap().ends_with('…'));
    }
}
