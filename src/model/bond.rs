//! Bonding modes and options: one table maps each option to its kernel name, its netlink
//! attribute and the names the output formats use, so the parser, rtnetlink and every
//! renderer agree on what an option means.

use core::fmt;

use crate::net::{Ipv4Addr, Mac};

/// The bonding mode (kernel numbering, `BOND_MODE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BondMode {
    BalanceRr = 0,
    ActiveBackup = 1,
    BalanceXor = 2,
    Broadcast = 3,
    Lacp = 4,
    BalanceTlb = 5,
    BalanceAlb = 6,
}

impl BondMode {
    pub const ALL: [BondMode; 7] = [
        BondMode::BalanceRr,
        BondMode::ActiveBackup,
        BondMode::BalanceXor,
        BondMode::Broadcast,
        BondMode::Lacp,
        BondMode::BalanceTlb,
        BondMode::BalanceAlb,
    ];

    /// The kernel's name ("802.3ad", "active-backup", ...), which every format uses.
    pub fn name(self) -> &'static str {
        MODE_NAMES[self as usize]
    }

    /// A mode by kernel name or number ("4", as Ironic sends it).
    pub fn parse(s: &str) -> Option<BondMode> {
        BondMode::ALL.get(lookup(MODE_NAMES, s)?).copied()
    }
}

impl fmt::Display for BondMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const MODE_NAMES: &[&str] = &[
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

/// How an option's value is written and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionType {
    /// An unsigned number within `0..=max`.
    Number { max: u32 },
    /// 0/1, also spelled true/false, on/off, yes/no.
    Bool,
    /// One of the kernel's names (index = kernel value); a number picks by value.
    Choice(&'static [&'static str]),
    /// A MAC address (`ad_actor_system`).
    Mac,
    /// Up to 16 IPv4 addresses, comma- or space-separated (`arp_ip_target`).
    Ipv4List,
    /// An interface name (`primary`), resolved against the bond's members when applied.
    Interface,
}

/// One bonding option: the kernel's name (as in /sys/class/net/<bond>/bonding/ and in
/// network_data.json `bond_<name>`), its IFLA_BOND_* attribute, and its names in the output
/// formats (None: the format has no such setting).
#[derive(Debug)]
pub struct OptionDef {
    pub kernel: &'static str,
    pub ty: OptionType,
    /// `IFLA_BOND_*` attribute number (include/uapi/linux/if_link.h).
    pub ifla: u16,
    /// Width in bytes of the attribute's integer payload (1, 2 or 4); 0 for the MAC,
    /// address-list and interface options, which have their own encodings.
    pub nl_width: u8,
    /// systemd.netdev(5) `[Bond]` key.
    pub networkd: Option<&'static str>,
    /// netplan `parameters:` key.
    pub netplan: Option<&'static str>,
}

const XMIT_HASH: &[&str] = &[
    "layer2",
    "layer3+4",
    "layer2+3",
    "encap2+3",
    "encap3+4",
    "vlan+srcmac",
];
const LACP_RATE: &[&str] = &["slow", "fast"];
const AD_SELECT: &[&str] = &["stable", "bandwidth", "count"];
const ARP_VALIDATE: &[&str] = &[
    "none",
    "active",
    "backup",
    "all",
    "filter",
    "filter_active",
    "filter_backup",
];
const ARP_ALL_TARGETS: &[&str] = &["any", "all"];
const PRIMARY_RESELECT: &[&str] = &["always", "better", "failure"];
const FAIL_OVER_MAC: &[&str] = &["none", "active", "follow"];
const LACP_ACTIVE: &[&str] = &["off", "on"];

/// The options a bond can carry besides its mode (kernel Documentation/networking/bonding.rst).
pub static OPTIONS: &[OptionDef] = &[
    OptionDef {
        kernel: "miimon",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 3,
        nl_width: 4,
        networkd: Some("MIIMonitorSec"),
        netplan: Some("mii-monitor-interval"),
    },
    OptionDef {
        kernel: "updelay",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 4,
        nl_width: 4,
        networkd: Some("UpDelaySec"),
        netplan: Some("up-delay"),
    },
    OptionDef {
        kernel: "downdelay",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 5,
        nl_width: 4,
        networkd: Some("DownDelaySec"),
        netplan: Some("down-delay"),
    },
    OptionDef {
        kernel: "use_carrier",
        ty: OptionType::Bool,
        ifla: 6,
        nl_width: 1,
        networkd: None,
        netplan: None,
    },
    OptionDef {
        kernel: "arp_interval",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 7,
        nl_width: 4,
        networkd: Some("ARPIntervalSec"),
        netplan: Some("arp-interval"),
    },
    OptionDef {
        kernel: "arp_ip_target",
        ty: OptionType::Ipv4List,
        ifla: 8,
        nl_width: 0,
        networkd: Some("ARPIPTargets"),
        netplan: Some("arp-ip-targets"),
    },
    OptionDef {
        kernel: "arp_validate",
        ty: OptionType::Choice(ARP_VALIDATE),
        ifla: 9,
        nl_width: 4,
        networkd: Some("ARPValidate"),
        netplan: Some("arp-validate"),
    },
    OptionDef {
        kernel: "arp_all_targets",
        ty: OptionType::Choice(ARP_ALL_TARGETS),
        ifla: 10,
        nl_width: 4,
        networkd: Some("ARPAllTargets"),
        netplan: Some("arp-all-targets"),
    },
    OptionDef {
        kernel: "primary",
        ty: OptionType::Interface,
        ifla: 11,
        nl_width: 0,
        networkd: None,
        netplan: Some("primary"),
    },
    OptionDef {
        kernel: "primary_reselect",
        ty: OptionType::Choice(PRIMARY_RESELECT),
        ifla: 12,
        nl_width: 1,
        networkd: Some("PrimaryReselectPolicy"),
        netplan: Some("primary-reselect-policy"),
    },
    OptionDef {
        kernel: "fail_over_mac",
        ty: OptionType::Choice(FAIL_OVER_MAC),
        ifla: 13,
        nl_width: 1,
        networkd: Some("FailOverMACPolicy"),
        netplan: Some("fail-over-mac-policy"),
    },
    OptionDef {
        kernel: "xmit_hash_policy",
        ty: OptionType::Choice(XMIT_HASH),
        ifla: 14,
        nl_width: 1,
        networkd: Some("TransmitHashPolicy"),
        netplan: Some("transmit-hash-policy"),
    },
    OptionDef {
        kernel: "resend_igmp",
        ty: OptionType::Number { max: 255 },
        ifla: 15,
        nl_width: 4,
        networkd: Some("ResendIGMP"),
        netplan: None,
    },
    OptionDef {
        kernel: "num_grat_arp",
        ty: OptionType::Number { max: 255 },
        ifla: 16,
        nl_width: 1,
        networkd: Some("GratuitousARP"),
        netplan: Some("gratuitous-arp"),
    },
    OptionDef {
        kernel: "all_slaves_active",
        ty: OptionType::Bool,
        ifla: 17,
        nl_width: 1,
        networkd: Some("AllSlavesActive"),
        netplan: None,
    },
    OptionDef {
        kernel: "min_links",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 18,
        nl_width: 4,
        networkd: Some("MinLinks"),
        netplan: Some("min-links"),
    },
    OptionDef {
        kernel: "lp_interval",
        ty: OptionType::Number { max: 0x7fff_ffff },
        ifla: 19,
        nl_width: 4,
        networkd: Some("LearnPacketIntervalSec"),
        netplan: Some("learn-packet-interval"),
    },
    OptionDef {
        kernel: "packets_per_slave",
        ty: OptionType::Number { max: 65535 },
        ifla: 20,
        nl_width: 4,
        networkd: Some("PacketsPerSlave"),
        netplan: Some("packets-per-slave"),
    },
    OptionDef {
        kernel: "lacp_rate",
        ty: OptionType::Choice(LACP_RATE),
        ifla: 21,
        nl_width: 1,
        networkd: Some("LACPTransmitRate"),
        netplan: Some("lacp-rate"),
    },
    OptionDef {
        kernel: "ad_select",
        ty: OptionType::Choice(AD_SELECT),
        ifla: 22,
        nl_width: 1,
        networkd: Some("AdSelect"),
        netplan: Some("ad-select"),
    },
    OptionDef {
        kernel: "ad_actor_sys_prio",
        ty: OptionType::Number { max: 65535 },
        ifla: 24,
        nl_width: 2,
        networkd: Some("AdActorSystemPriority"),
        netplan: None,
    },
    OptionDef {
        kernel: "ad_user_port_key",
        ty: OptionType::Number { max: 1023 },
        ifla: 25,
        nl_width: 2,
        networkd: Some("AdUserPortKey"),
        netplan: None,
    },
    OptionDef {
        kernel: "ad_actor_system",
        ty: OptionType::Mac,
        ifla: 26,
        nl_width: 0,
        networkd: Some("AdActorSystem"),
        netplan: None,
    },
    OptionDef {
        kernel: "tlb_dynamic_lb",
        ty: OptionType::Bool,
        ifla: 27,
        nl_width: 1,
        networkd: Some("DynamicTransmitLoadBalancing"),
        netplan: None,
    },
    OptionDef {
        kernel: "peer_notif_delay",
        ty: OptionType::Number {
            max: i32::MAX as u32,
        },
        ifla: 28,
        nl_width: 4,
        networkd: None,
        netplan: None,
    },
    OptionDef {
        kernel: "lacp_active",
        ty: OptionType::Choice(LACP_ACTIVE),
        ifla: 29,
        nl_width: 1,
        networkd: None,
        netplan: None,
    },
];

/// Finds an option by kernel name; network_data.json spells it `bond_<name>`, and some
/// producers write dashes (`xmit-hash-policy`), which are accepted too.
pub fn find_option(name: &str) -> Option<usize> {
    OPTIONS
        .iter()
        .position(|o| {
            o.kernel.len() == name.len()
                && o.kernel
                    .bytes()
                    .zip(name.bytes())
                    .all(|(k, n)| k == n || (k == b'_' && n == b'-'))
        })
        .or(match name {
            // Aliases the kernel itself accepts in sysfs and ifenslave-era configs use.
            "num_unsol_na" => OPTIONS.iter().position(|o| o.kernel == "num_grat_arp"),
            _ => None,
        })
}

/// A checked option value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValue {
    Number(u32),
    Bool(bool),
    /// Index into the option's choice list, which is also the kernel's value.
    Choice(u8),
    Mac(Mac),
    Ipv4List {
        addrs: [Ipv4Addr; crate::limits::MAX_ARP_TARGETS],
        len: u8,
    },
    /// Index of the link (a member of the bond) named by `primary`.
    Interface(crate::model::LinkIdx),
}

/// Why an option value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueError {
    Invalid,
    OutOfRange { max: u32 },
    TooMany,
}

/// Parses the text of an option's value. `Interface` options are resolved by the caller.
pub fn parse_value(ty: OptionType, s: &str) -> Result<OptionValue, ValueError> {
    let s = crate::text::trim(s);
    match ty {
        OptionType::Number { max } => {
            let n: u64 = parse_decimal(s).ok_or(ValueError::Invalid)?;
            if n > u64::from(max) {
                return Err(ValueError::OutOfRange { max });
            }
            Ok(OptionValue::Number(n as u32))
        }
        OptionType::Bool => match s {
            "1" | "true" | "True" | "on" | "yes" => Ok(OptionValue::Bool(true)),
            "0" | "false" | "False" | "off" | "no" => Ok(OptionValue::Bool(false)),
            _ => Err(ValueError::Invalid),
        },
        OptionType::Choice(names) => {
            let i = lookup(names, s).ok_or(ValueError::Invalid)?;
            Ok(OptionValue::Choice(i as u8))
        }
        OptionType::Mac => s
            .parse()
            .map(OptionValue::Mac)
            .map_err(|_| ValueError::Invalid),
        OptionType::Ipv4List => {
            let mut addrs = [Ipv4Addr::UNSPECIFIED; crate::limits::MAX_ARP_TARGETS];
            let mut len = 0usize;
            for part in s.split([',', ' ']).filter(|p| !p.is_empty()) {
                let a = crate::net::parse_ipv4(part).ok_or(ValueError::Invalid)?;
                *addrs.get_mut(len).ok_or(ValueError::TooMany)? = a;
                len += 1;
            }
            if len == 0 {
                return Err(ValueError::Invalid);
            }
            Ok(OptionValue::Ipv4List {
                addrs,
                len: len as u8,
            })
        }
        OptionType::Interface => Err(ValueError::Invalid),
    }
}

/// A name from `names` (case-insensitive), or its index written as a number.
fn lookup(names: &[&str], s: &str) -> Option<usize> {
    if let Some(i) = names.iter().position(|n| crate::text::eq_ignore_case(n, s)) {
        return Some(i);
    }
    let n = parse_decimal(s)?;
    (n < names.len() as u64).then_some(n as usize)
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::text::parse_dec(s, u64::MAX)
}

/// Displays a value the way the kernel's sysfs (and ifupdown, NM, ifcfg) spell it.
pub struct KernelValue<'a> {
    pub def: &'a OptionDef,
    pub value: &'a OptionValue,
    /// Names of links, for `primary`.
    pub link_name: &'a dyn Fn(crate::model::LinkIdx) -> &'a str,
}

impl fmt::Display for KernelValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.def.ty, self.value) {
            (_, OptionValue::Number(n)) => write!(f, "{}", u64::from(*n)),
            (_, OptionValue::Bool(b)) => f.write_str(if *b { "1" } else { "0" }),
            (OptionType::Choice(names), OptionValue::Choice(i)) => {
                f.write_str(names.get(*i as usize).copied().unwrap_or("?"))
            }
            (_, OptionValue::Choice(i)) => write!(f, "{}", u64::from(*i)),
            (_, OptionValue::Mac(m)) => write!(f, "{m}"),
            (_, OptionValue::Ipv4List { addrs, len }) => {
                for (i, a) in addrs.iter().take(*len as usize).enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}", crate::net::Ip::from(*a))?;
                }
                Ok(())
            }
            (_, OptionValue::Interface(l)) => f.write_str((self.link_name)(*l)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_by_name_or_number() {
        assert_eq!(BondMode::parse("802.3ad"), Some(BondMode::Lacp));
        assert_eq!(BondMode::parse("4"), Some(BondMode::Lacp));
        assert_eq!(
            BondMode::parse("Active-Backup"),
            Some(BondMode::ActiveBackup)
        );
        assert_eq!(BondMode::parse("7"), None);
        assert_eq!(BondMode::parse("lacp"), None);
    }

    #[test]
    fn option_names_and_values() {
        let x = find_option("xmit_hash_policy").unwrap();
        assert_eq!(find_option("xmit-hash-policy"), Some(x));
        assert_eq!(
            parse_value(OPTIONS[x].ty, "layer3+4"),
            Ok(OptionValue::Choice(1))
        );
        assert_eq!(parse_value(OPTIONS[x].ty, "2"), Ok(OptionValue::Choice(2)));
        assert_eq!(
            parse_value(OPTIONS[x].ty, "layer9"),
            Err(ValueError::Invalid)
        );
        let m = find_option("miimon").unwrap();
        assert_eq!(
            parse_value(OPTIONS[m].ty, "100"),
            Ok(OptionValue::Number(100))
        );
        assert_eq!(parse_value(OPTIONS[m].ty, "-1"), Err(ValueError::Invalid));
        let r = find_option("resend_igmp").unwrap();
        assert_eq!(
            parse_value(OPTIONS[r].ty, "256"),
            Err(ValueError::OutOfRange { max: 255 })
        );
        let c = find_option("use_carrier").unwrap();
        assert_eq!(
            parse_value(OPTIONS[c].ty, "true"),
            Ok(OptionValue::Bool(true))
        );
        assert_eq!(find_option("links"), None);
        let t = find_option("arp_ip_target").unwrap();
        match parse_value(OPTIONS[t].ty, "10.0.0.1,10.0.0.2") {
            Ok(OptionValue::Ipv4List { len, .. }) => assert_eq!(len, 2),
            other => panic!("{other:?}"),
        }
        let many = ["1.1.1.1"; 17].join(",");
        assert_eq!(parse_value(OPTIONS[t].ty, &many), Err(ValueError::TooMany));
    }

    #[test]
    fn ifla_numbers_are_distinct() {
        for (i, a) in OPTIONS.iter().enumerate() {
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.ifla, b.ifla, "{} {}", a.kernel, b.kernel);
            }
        }
    }
}
