//! Unit tests for network_data.json: each accepted spelling and each rejection.

use std::boxed::Box;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::*;
use crate::json::{Scratch, normalize};
use crate::log::{Level, capture};

fn parse_doc(src: &str) -> Result<Box<Config>, DataError> {
    // SAFETY: Scratch is plain byte arrays, valid when zeroed (and too big for a test stack).
    let mut scratch: Box<Scratch> = unsafe { Box::new_zeroed().assume_init() };
    let doc = normalize(src.as_bytes(), &mut scratch.normalized)
        .map_err(|e| DataError::new("network_data.json", "", None, e.problem()))?;
    let doc = doc.to_vec();
    let mut cfg = Box::new(Config::new());
    parse(
        &doc,
        &mut scratch.unescape,
        None,
        "network_data.json",
        &mut cfg,
    )?;
    cfg.finish();
    Ok(cfg)
}

fn err(src: &str) -> DataError {
    match parse_doc(src) {
        Ok(_) => panic!("accepted: {src}"),
        Err(e) => e,
    }
}

const LINK: &str = r#"{"id": "l0", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"}"#;

/// A document with one physical link and the given networks.
fn with_networks(networks: &str) -> String {
    format!(r#"{{"links": [{LINK}], "networks": [{networks}]}}"#)
}

fn net(extra: &str) -> String {
    with_networks(&format!(r#"{{"id": "n0", "link": "l0", {extra}}}"#))
}

fn addr(c: &Config) -> String {
    c.networks[0]
        .address
        .map(|a| a.to_string())
        .unwrap_or_default()
}

fn routes(c: &Config) -> Vec<String> {
    c.routes
        .iter()
        .map(|r| {
            let mut s = r.dest.to_string();
            if let Some(g) = r.gateway {
                s += &format!(" via {g}");
            }
            if let Some(m) = r.metric {
                s += &format!(" metric {m}");
            }
            if r.on_link {
                s += " onlink";
            }
            s
        })
        .collect()
}

#[test]
fn ipv6_netmask_in_every_spelling() {
    for (ip, mask, want) in [
        (
            "2001:db8::5",
            r#""netmask": "ffff:ffff:ffff:ffff::","#,
            "2001:db8::5/64",
        ),
        (
            "2001:db8::5",
            r#""netmask": "FFFF:FFFF:FFFF:FFC0::","#,
            "2001:db8::5/58",
        ),
        ("2001:db8::5", r#""netmask": "48","#, "2001:db8::5/48"),
        ("2001:db8::5", r#""netmask": 56,"#, "2001:db8::5/56"),
        ("2001:db8::5/60", "", "2001:db8::5/60"),
        ("2001:db8::5", "", "2001:db8::5/64"),
        ("2001:db8::5", r#""netmask": "","#, "2001:db8::5/64"),
        ("2001:DB8::5", r#""netmask": null,"#, "2001:db8::5/64"),
    ] {
        let c = parse_doc(&net(&format!(
            r#"{mask} "type": "ipv6", "ip_address": "{ip}""#
        )))
        .unwrap();
        assert_eq!(addr(&c), want, "{ip} {mask}");
    }
}

#[test]
fn ipv4_netmask_forms() {
    let c = parse_doc(&net(
        r#""type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.240.0""#,
    ))
    .unwrap();
    assert_eq!(addr(&c), "10.0.0.5/20");
    let c = parse_doc(&net(r#""type": "ipv4", "ip_address": "10.0.0.5/28""#)).unwrap();
    assert_eq!(addr(&c), "10.0.0.5/28");
    // Absent: cloud-init's /24, with a warning.
    let c = parse_doc(&net(r#""type": "ipv4", "ip_address": "10.0.0.5""#)).unwrap();
    assert_eq!(addr(&c), "10.0.0.5/24");
    assert!(capture::logged(Level::Warning, "no netmask"));
}

#[test]
fn numbers_or_strings() {
    let doc = r#"{"links": [
        {"id": "a", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 9000},
        {"id": "b", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02", "mtu": "1500"},
        {"id": "bond0", "type": "bond", "bond_links": ["a", "b"], "bond_mode": 4, "bond_miimon": "100",
         "bond_updelay": 200, "bond_use_carrier": true, "bond_lacp_rate": "fast"},
        {"id": "v", "type": "vlan", "vlan_link": "bond0", "vlan_id": "602", "vlan_mac_address": null}
    ]}"#;
    let c = parse_doc(doc).unwrap();
    assert_eq!(c.links[0].mtu, Some(9000));
    assert_eq!(c.links[1].mtu, Some(1500));
    assert_eq!(
        c.links[2].kind,
        LinkKind::Bond {
            mode: BondMode::Lacp,
            mac: None
        }
    );
    let opts: Vec<(&str, OptionValue)> =
        c.options_of(2).map(|o| (o.def().kernel, o.value)).collect();
    assert_eq!(
        opts,
        [
            ("miimon", OptionValue::Number(100)),
            ("updelay", OptionValue::Number(200)),
            ("use_carrier", OptionValue::Bool(true)),
            ("lacp_rate", OptionValue::Choice(1)),
        ]
    );
    assert_eq!(c.links[0].master, Some(2));
    assert_eq!(c.links[1].master, Some(2));
    assert_eq!(
        c.links[3].kind,
        LinkKind::Vlan {
            parent: 2,
            vid: 602,
            mac: None
        }
    );
    // mtu 0 means "not set".
    let c = parse_doc(r#"{"links": [{"id": "a", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 0}]}"#).unwrap();
    assert_eq!(c.links[0].mtu, None);
}

#[test]
fn default_route_spellings() {
    for (dest, mask) in [
        ("0.0.0.0", "0.0.0.0"),
        ("0.0.0.0/0", ""),
        ("::", "::"),
        ("::0", "::0"),
        ("::/0", ""),
    ] {
        let v6 = dest.contains(':');
        let (ip, gw) = if v6 {
            ("2001:db8::5", "2001:db8::1")
        } else {
            ("10.0.0.5", "10.0.0.1")
        };
        let ty = if v6 { "ipv6" } else { "ipv4" };
        let maskf = if mask.is_empty() {
            String::new()
        } else {
            format!(r#", "netmask": "{mask}""#)
        };
        let doc = net(&format!(
            r#""type": "{ty}", "ip_address": "{ip}", "netmask": "{}", "routes": [{{"network": "{dest}"{maskf}, "gateway": "{gw}"}}]"#,
            if v6 { "64" } else { "255.255.255.0" }
        ));
        let c = parse_doc(&doc).unwrap();
        let want = if v6 {
            "::/0 via 2001:db8::1"
        } else {
            "0.0.0.0/0 via 10.0.0.1"
        };
        assert_eq!(routes(&c), [want], "{dest} {mask}");
        assert!(c.routes[0].dest.is_default());
    }
}

#[test]
fn route_host_bits_are_cleared_and_link_local_gateways_are_on_link() {
    let doc = net(
        r#""type": "ipv6", "ip_address": "2001:db8::5", "netmask": "64", "routes": [
        {"network": "::", "netmask": "ffff:ffff:ffff::", "gateway": "fe80::def"},
        {"network": "fd30::1234", "netmask": "ffff:ffff:ffff::", "gateway": "2001:db8::1"},
        {"network": "fd31::", "netmask": "48", "gateway": "2001:db9::1", "metric": 7}]"#,
    );
    let c = parse_doc(&doc).unwrap();
    assert_eq!(
        routes(&c),
        [
            "::/48 via fe80::def onlink",
            "fd30::/48 via 2001:db8::1",
            "fd31::/48 via 2001:db9::1 metric 7 onlink"
        ]
    );
}

#[test]
fn network_level_gateway_and_dns() {
    let doc = r#"{"links": [{"id": "l0", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"}],
      "networks": [{"id": "n", "link": "l0", "type": "ipv6", "ip_address": "2000:0:100::/56",
        "gateway": "fe80::1", "dns_nameservers": ["2000:0:100::1"], "dns_search": "a.example b.example",
        "services": [{"type": "dns", "address": "10.0.0.53"}],
        "routes": [{"network": "fd00::", "netmask": "8", "gateway": "fe80::1",
                    "services": [{"type": "dns", "address": "10.0.0.54"}]}]}],
      "services": [{"type": "dns", "address": "8.8.8.8", "search": ["c.example"]}, {"type": "ntp", "address": "1.2.3.4"}]}"#;
    let c = parse_doc(doc).unwrap();
    assert_eq!(
        routes(&c),
        ["::/0 via fe80::1 onlink", "fd00::/8 via fe80::1 onlink"]
    );
    let dns: Vec<String> = c.all_dns_servers().map(|a| a.to_string()).collect();
    assert_eq!(dns, ["8.8.8.8", "2000:0:100::1", "10.0.0.53", "10.0.0.54"]);
    assert_eq!(
        c.dns_servers.iter().filter(|s| s.link == Some(0)).count(),
        3
    );
    let search: Vec<&str> = c.all_search_domains().collect();
    assert_eq!(search, ["c.example", "a.example", "b.example"]);
}

#[test]
fn link_types_and_names() {
    let doc = r#"{"links": [
        {"id": "a", "type": null, "ethernet_mac_address": "FA:16:3E:00:00:0A"},
        {"id": "b", "type": "ovs", "ethernet_mac_address": "fa:16:3e:00:00:0b", "name": "nic0"},
        {"id": "c", "type": "weird-new-type", "ethernet_mac_address": "fa:16:3e:00:00:0c"},
        {"id": "d", "type": "phy", "name": "ens9"},
        {"id": "e", "type": "phy"},
        {"id": "f", "type": "phy"}
    ]}"#;
    let c = parse_doc(doc).unwrap();
    assert!(c.links.iter().all(|l| l.is_physical()));
    assert_eq!(
        c.links[0].kind,
        LinkKind::Physical {
            nic: NicMatch::Mac("fa:16:3e:00:00:0a".parse().unwrap())
        }
    );
    assert_eq!(c.links[1].name.as_deref(), Some("nic0"));
    assert!(capture::logged(
        Level::Warning,
        "\"weird-new-type\": unknown link type"
    ));
    assert_eq!(
        c.links[3].kind,
        LinkKind::Physical {
            nic: NicMatch::Name(text("ens9").unwrap())
        }
    );
    assert_eq!(
        c.links[4].kind,
        LinkKind::Physical {
            nic: NicMatch::Ordinal(0)
        }
    );
    assert_eq!(
        c.links[5].kind,
        LinkKind::Physical {
            nic: NicMatch::Ordinal(1)
        }
    );
    let e = err(r#"{"links": [{"id": "b", "type": "bond", "name": "this-name-is-too-long"}]}"#);
    assert_eq!(
        (e.path.as_str(), e.value.as_deref(), e.problem),
        (
            "links[0].name",
            Some("this-name-is-too-long"),
            Problem::InvalidInterfaceName
        )
    );
}

#[test]
fn all_network_types_and_aliases() {
    for (ty, ip, kind) in [
        ("ipv4", Some("10.0.0.5"), NetKind::Static),
        ("static", Some("10.0.0.5"), NetKind::Static),
        ("ipv6", Some("2001:db8::5"), NetKind::Static),
        ("static6", Some("2001:db8::5"), NetKind::Static),
        ("ipv4_dhcp", None, NetKind::Dhcp4),
        ("ipv4_dhcp", Some("10.0.0.5"), NetKind::Dhcp4),
        ("ipv6_dhcp", None, NetKind::Dhcp6),
        ("ipv6_slaac", Some("2001:db8::5"), NetKind::Slaac),
        ("ipv6_dhcpv6-stateless", None, NetKind::Dhcpv6Stateless),
        ("ipv6_dhcpv6-stateful", None, NetKind::Dhcpv6Stateful),
    ] {
        let ipf = ip
            .map(|i| format!(r#", "ip_address": "{i}""#))
            .unwrap_or_default();
        let c = parse_doc(&net(&format!(r#""type": "{ty}"{ipf}"#))).unwrap();
        assert_eq!(c.networks[0].kind, kind, "{ty}");
        assert_eq!(c.networks[0].address.is_some(), ip.is_some());
    }
}

#[test]
fn strings_are_unescaped_and_unknown_keys_ignored() {
    let doc = r#"{"links": [{"id": "l\u0030", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01",
        "extra": {"deep": [1, {"x": [true, null]}]}, "vif_id": "\ud83d\ude00"}],
      "networks": [{"id": "n\/0", "link": "l0", "type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.255.0", "meta": {}}],
      "unknown": [[], {}]}"#;
    let c = parse_doc(doc).unwrap();
    assert_eq!(c.links[0].id, "l0");
    assert_eq!(c.networks[0].id, "n/0");
}

#[test]
fn links_and_networks_may_come_in_any_key_order() {
    let doc = r#"{"networks": [{"routes": [{"gateway": "10.0.0.1", "netmask": "0.0.0.0", "network": "0.0.0.0"}],
        "ip_address": "10.0.0.5", "netmask": "255.255.255.0", "type": "ipv4", "link": "v", "id": "n"}],
      "links": [{"vlan_id": 5, "vlan_link": "b", "type": "vlan", "id": "v"},
                {"bond_links": ["p"], "type": "bond", "id": "b", "bond_mode": "active-backup"},
                {"id": "p", "ethernet_mac_address": "fa:16:3e:00:00:01"}]}"#;
    let c = parse_doc(doc).unwrap();
    assert_eq!(c.networks[0].link, 0);
    assert_eq!(
        c.links[0].kind,
        LinkKind::Vlan {
            parent: 1,
            vid: 5,
            mac: None
        }
    );
    assert_eq!(c.links[2].master, Some(1));
    assert_eq!(routes(&c), ["0.0.0.0/0 via 10.0.0.1"]);
}

#[test]
fn competing_defaults_get_metrics_in_document_order() {
    let doc = r#"{"links": [{"id": "a", "ethernet_mac_address": "fa:16:3e:00:00:01"}, {"id": "b", "ethernet_mac_address": "fa:16:3e:00:00:02"}],
      "networks": [
        {"id": "na", "link": "a", "type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1"},
        {"id": "nb", "link": "b", "type": "ipv4", "ip_address": "10.1.0.5", "netmask": "255.255.255.0",
         "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.1.0.1"}]}]}"#;
    let c = parse_doc(doc).unwrap();
    assert_eq!(
        routes(&c),
        ["0.0.0.0/0 via 10.0.0.1", "0.0.0.0/0 via 10.1.0.1 metric 1"]
    );
}

/// Each rejection: (document, field path, value, problem).
#[test]
fn rejections_name_field_value_and_problem() {
    let l = |extra: &str| format!(r#"{{"links": [{{"id": "l0", "type": "phy", {extra}}}]}}"#);
    let cases: Vec<(String, &str, Option<&str>, Problem)> = vec![
        (l(r#""ethernet_mac_address": "fa:16:3e:zz:00:01""#), "links[0].ethernet_mac_address", Some("fa:16:3e:zz:00:01"), Problem::InvalidMac),
        (l(r#""ethernet_mac_address": "xx:xx:xx:xx:xx:00""#), "links[0].ethernet_mac_address", Some("xx:xx:xx:xx:xx:00"), Problem::InvalidMac),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.300""#), "networks[0].ip_address", Some("10.0.0.300"), Problem::InvalidAddress),
        (net(r#""type": "ipv4", "ip_address": "x.x.x.x""#), "networks[0].ip_address", Some("x.x.x.x"), Problem::InvalidAddress),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.5", "netmask": "255.0.255.0""#), "networks[0].netmask", Some("255.0.255.0"), Problem::NonContiguousMask),
        (net(r#""type": "ipv6", "ip_address": "2001:db8::5", "netmask": "ffff::ffff""#), "networks[0].netmask", Some("ffff::ffff"), Problem::NonContiguousMask),
        (net(r#""type": "ipv6", "ip_address": "2001:db8::5/129""#), "networks[0].ip_address", Some("129"), Problem::InvalidNetmask),
        (net(r#""type": "ipv4", "ip_address": "2001:db8::5""#), "networks[0].ip_address", Some("2001:db8::5"), Problem::FamilyMismatch),
        (net(r#""type": "ipv4""#), "networks[0].ip_address", None, Problem::Missing),
        (net(r#""type": "ipv9", "ip_address": "10.0.0.5""#), "networks[0].type", Some("ipv9"), Problem::UnknownValue),
        (with_networks(r#"{"id": "n", "link": "nope", "type": "ipv4_dhcp"}"#), "networks[0].link", Some("nope"), Problem::DanglingReference),
        (r#"{"links": [{"id": "v", "type": "vlan", "vlan_id": 5, "vlan_link": "nope"}]}"#.into(), "links[0].vlan_link", Some("nope"), Problem::DanglingReference),
        (r#"{"links": [{"id": "b", "type": "bond", "bond_links": ["a", "ghost"]}, {"id": "a", "ethernet_mac_address": "fa:16:3e:00:00:01"}]}"#.into(),
            "links[0].bond_links[1]", Some("ghost"), Problem::DanglingReference),
        (r#"{"links": [{"id": "v", "type": "vlan", "vlan_id": 4095, "vlan_link": "v"}]}"#.into(), "links[0].vlan_id", Some("4095"), Problem::OutOfRange { min: 1, max: 4094 }),
        (r#"{"links": [{"id": "v", "type": "vlan", "vlan_id": 0, "vlan_link": "v"}]}"#.into(), "links[0].vlan_id", Some("0"), Problem::OutOfRange { min: 1, max: 4094 }),
        (r#"{"links": [{"id": "v", "type": "vlan", "vlan_link": "v"}]}"#.into(), "links[0].vlan_id", None, Problem::Missing),
        (r#"{"links": [{"id": "v", "type": "vlan", "vlan_id": 7, "vlan_link": "v"}]}"#.into(), "links[0].vlan_link", Some("v"), Problem::InvalidTopology),
        (l(r#""ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": "jumbo""#), "links[0].mtu", Some("jumbo"), Problem::InvalidNumber),
        (l(r#""ethernet_mac_address": "fa:16:3e:00:00:01", "mtu": 70000"#), "links[0].mtu", Some("70000"), Problem::OutOfRange { min: 0, max: 65535 }),
        (l(r#""ethernet_mac_address": {"a": 1}"#), "links[0].ethernet_mac_address", None, Problem::WrongType { expected: "a string or number" }),
        (r#"{"links": [{"type": "phy"}]}"#.into(), "links[0].id", None, Problem::Missing),
        (r#"{"links": [{"id": "a", "ethernet_mac_address": "fa:16:3e:00:00:01"}, {"id": "a", "ethernet_mac_address": "fa:16:3e:00:00:02"}]}"#.into(),
            "links[1].id", Some("a"), Problem::Duplicate),
        (r#"{"links": [{"id": "b", "type": "bond", "bond_mode": "lacp-ish"}]}"#.into(), "links[0].bond_mode", Some("lacp-ish"), Problem::UnknownValue),
        (r#"{"links": [{"id": "b", "type": "bond", "bond_xmit_hash_policy": "layer9"}]}"#.into(), "links[0].bond_xmit_hash_policy", Some("layer9"), Problem::UnknownValue),
        (r#"{"links": {"id": "a"}}"#.into(), "links", None, Problem::WrongType { expected: "an array" }),
        (r#"{"links": ["a"]}"#.into(), "links[0]", None, Problem::WrongType { expected: "an object" }),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.5", "routes": [{"network": "10.1.0.0", "gateway": "10.0.0.1"}]"#), "networks[0].routes[0].netmask", None, Problem::Missing),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.5", "routes": [{"network": "10.1.0.0", "netmask": "255.255.0.0", "gateway": "2001:db8::1"}]"#),
            "networks[0].routes[0].gateway", Some("2001:db8::1"), Problem::FamilyMismatch),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.5", "dns_nameservers": ["8.8.8.8", "dns.example"]"#), "networks[0].dns_nameservers[1]", Some("dns.example"), Problem::InvalidAddress),
        (net(r#""type": "ipv4", "ip_address": "10.0.0.5", "dns_search": ["bad domain!"]"#), "networks[0].dns_search[0]", Some("domain!"), Problem::InvalidHostname),
    ];
    for (doc, path, value, problem) in cases {
        let e = err(&doc);
        assert_eq!(
            (e.path.as_str(), e.value.as_deref(), e.problem),
            (path, value, problem),
            "{doc}"
        );
        assert_eq!(e.file.as_str(), "network_data.json");
    }
}

#[test]
fn capacity_exceeded_names_the_bound() {
    let links: Vec<String> = (0..=MAX_LINKS)
        .map(|i| {
            format!(
                r#"{{"id": "l{i}", "ethernet_mac_address": "fa:16:3e:00:{:02x}:{:02x}"}}"#,
                i / 256,
                i % 256
            )
        })
        .collect();
    let e = err(&format!(r#"{{"links": [{}]}}"#, links.join(",")));
    assert_eq!(
        e.problem,
        Problem::Capacity {
            bound: "MAX_LINKS",
            max: MAX_LINKS
        }
    );
    assert_eq!(e.path.as_str(), format!("links[{MAX_LINKS}]"));
    let dns: Vec<String> = (0..=MAX_DNS_SERVERS)
        .map(|i| {
            format!(
                r#"{{"type": "dns", "address": "10.0.{}.{}"}}"#,
                i / 200,
                i % 200
            )
        })
        .collect();
    let e = err(&format!(
        r#"{{"links": [{LINK}], "services": [{}]}}"#,
        dns.join(",")
    ));
    assert_eq!(
        e.problem,
        Problem::Capacity {
            bound: "MAX_DNS_SERVERS",
            max: MAX_DNS_SERVERS
        }
    );
}

#[test]
fn a_long_string_is_reported_not_cut() {
    let long = "a".repeat(MAX_ID_BYTES + 1);
    let e = err(&format!(
        r#"{{"links": [{{"id": "{long}", "ethernet_mac_address": "fa:16:3e:00:00:01"}}]}}"#
    ));
    assert_eq!(
        e.problem,
        Problem::TooLong {
            bound: "MAX_ID_BYTES",
            max: MAX_ID_BYTES
        }
    );
    assert_eq!(e.path.as_str(), "links[0].id");
}

#[test]
fn a_bond_member_in_two_bonds_is_refused() {
    let doc = r#"{"links": [{"id": "p", "ethernet_mac_address": "fa:16:3e:00:00:01"},
        {"id": "b1", "type": "bond", "bond_links": ["p"]}, {"id": "b2", "type": "bond", "bond_links": ["p"]}]}"#;
    let e = err(doc);
    assert_eq!(
        (e.path.as_str(), e.problem),
        ("links[2].bond_links[0]", Problem::InvalidTopology)
    );
}

#[test]
fn empty_document_has_no_links() {
    let c = parse_doc("{}").unwrap();
    assert!(c.links.is_empty() && c.networks.is_empty());
    assert_eq!(
        err("[]").problem,
        Problem::WrongType {
            expected: "a JSON object"
        }
    );
}
