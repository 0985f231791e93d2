//! Facts from what peer tools recorded as their result: cloud-init's network-config v1 and
//! rendered sysconfig/NetworkManager/resolv.conf files, glean's `### Write` blocks (ENI,
//! ifcfg, systemd-networkd), afterburn's dracut kernel arguments, Talos's platform network
//! config. Each reader states only what its format can express; the tests pick which kinds
//! of facts to compare for each format.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use json::JsonValue as Value;
use yaml_rust2::Yaml;

use super::facts::{Fact, Facts, bond_mode, cidr, mac, mask_prefix, route, unspecified};

fn ip(s: &str) -> IpAddr {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .unwrap_or_else(|_| panic!("not an address: {s:?}"))
}

fn mac_fact(name: &str, m: &str) -> Fact {
    Fact::Mac {
        name: name.into(),
        mac: mac(m).unwrap_or_else(|| panic!("not a MAC: {m:?}")),
    }
}

fn link(name: &str, kind: &str) -> Fact {
    Fact::Link {
        name: name.into(),
        kind: kind.into(),
    }
}

fn method(name: &str, m: &str) -> Fact {
    Fact::Method {
        name: name.into(),
        method: m.into(),
    }
}

/// An address with its prefix from `ADDR/N`, else the netmask, else the default.
fn addr(name: &str, address: &str, netmask: Option<&str>, default: Option<u8>) -> Fact {
    let (a, p) = match address.split_once('/') {
        Some((a, p)) => {
            let a = ip(a);
            (a, mask_prefix(p, a.is_ipv4()))
        }
        None => {
            let a = ip(address);
            let p = match netmask.map(str::trim).filter(|m| !m.is_empty()) {
                Some(m) => mask_prefix(m, a.is_ipv4()),
                None => {
                    default.unwrap_or_else(|| panic!("{address}: no prefix and no default for it"))
                }
            };
            (a, p)
        }
    };
    Fact::Addr {
        name: name.into(),
        addr: a,
        prefix: p,
    }
}

fn default_route(name: &str, gw: &str) -> Fact {
    let g = ip(gw);
    route(name, unspecified(g.is_ipv4()), 0, Some(g))
}

fn str_of(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => v.dump(),
    }
}

/// A list of strings, or one string of space-separated items; absent or null is empty.
fn strings(v: &Value) -> Vec<String> {
    if v.is_null() {
        vec![]
    } else if v.is_array() {
        v.members().map(str_of).collect()
    } else if let Some(s) = v.as_str() {
        s.split_whitespace().map(String::from).collect()
    } else {
        panic!("expected a list: {}", v.dump())
    }
}

// --- cloud-init network-config v1 --------------------------------------------------------------

/// The facts of a cloud-init network-config v1 document (`{"version": 1, "config": [...]}`).
pub fn cloud_init_v1(doc: &Value) -> Facts {
    assert_eq!(doc["version"].as_u64(), Some(1), "network-config version");
    let mut out = Facts::new();
    assert!(doc["config"].is_array(), "config list");
    for e in doc["config"].members() {
        let ty = e["type"].as_str().expect("type");
        if ty == "nameserver" {
            for a in strings(&e["address"]) {
                out.insert(Fact::Dns {
                    scope: None,
                    addr: ip(&a),
                });
            }
            for d in strings(&e["search"]) {
                out.insert(Fact::Search {
                    scope: None,
                    domain: d,
                });
            }
            continue;
        }
        let name = e["name"].as_str().expect("name");
        let kind = match ty {
            "physical" => "physical",
            "bond" => "bond",
            "vlan" => "vlan",
            other => panic!("config type {other}"),
        };
        out.insert(link(name, kind));
        if let Some(m) = e["mac_address"].as_str() {
            out.insert(mac_fact(name, m));
        }
        if let Some(m) = e["mtu"].as_u64() {
            out.insert(Fact::Mtu {
                name: name.into(),
                mtu: m as u32,
            });
        }
        if let Some(ra) = e["accept-ra"].as_bool() {
            out.insert(Fact::AcceptRa {
                name: name.into(),
                on: ra,
            });
        }
        for m in strings(&e["bond_interfaces"]) {
            out.insert(Fact::Member {
                bond: name.into(),
                member: m,
            });
        }
        if e["params"].is_object() {
            for (k, v) in e["params"].entries() {
                let key = k.strip_prefix("bond-").expect("bond- parameter");
                if key == "mode" {
                    out.insert(Fact::BondMode {
                        bond: name.into(),
                        mode: bond_mode(&str_of(v)).expect("bond mode").into(),
                    });
                } else {
                    out.insert(Fact::BondOpt {
                        bond: name.into(),
                        key: key.replace('-', "_"),
                        value: str_of(v),
                    });
                }
            }
        }
        if kind == "vlan" {
            out.insert(Fact::Vlan {
                name: name.into(),
                parent: e["vlan_link"].as_str().expect("vlan_link").into(),
                vid: e["vlan_id"].as_u64().expect("vlan_id") as u16,
            });
        }
        for s in e["subnets"].members() {
            cloud_init_subnet(name, s, &mut out);
        }
    }
    out
}

fn cloud_init_subnet(name: &str, s: &Value, out: &mut Facts) {
    let ty = s["type"].as_str().expect("subnet type");
    match ty {
        // cloud-init defaults a missing prefix to /24 (v4) and /64 (v6), and takes an IPv6
        // netmask as a hex mask or a prefix length (network_state._normalize_net_keys).
        "static" | "static6" => {
            let a = s["address"].as_str().expect("address");
            let default = if ip(a.split('/').next().unwrap_or(a)).is_ipv4() {
                24
            } else {
                64
            };
            let p = s["prefix"].as_u64().map(|p| p.to_string());
            let mask = p.as_deref().or(s["netmask"].as_str());
            out.insert(addr(name, a, mask, Some(default)));
        }
        "dhcp" | "dhcp4" => {
            out.insert(method(name, "dhcp4"));
        }
        "dhcp6" => {
            out.insert(method(name, "dhcp6"));
        }
        "ipv6_slaac" => {
            out.insert(method(name, "slaac"));
        }
        "ipv6_dhcpv6-stateless" => {
            out.insert(method(name, "dhcpv6-stateless"));
        }
        "ipv6_dhcpv6-stateful" => {
            out.insert(method(name, "dhcpv6-stateful"));
        }
        other => panic!("subnet type {other}"),
    }
    if let Some(g) = s["gateway"].as_str() {
        out.insert(default_route(name, g));
    }
    // Route netmasks: cloud-init once wrote IPv6 hex masks verbatim into route6 files
    // (LP#1959148, cloud-init#3941); as data a hex mask is just its prefix length.
    for r in s["routes"].members() {
        let dest = r["network"].as_str().expect("route network");
        let (d, p) = match dest.split_once('/') {
            Some((d, p)) => (ip(d), mask_prefix(p, ip(d).is_ipv4())),
            None => {
                let d = ip(dest);
                let p = match (r["prefix"].is_null(), r["netmask"].as_str()) {
                    (false, _) => mask_prefix(&str_of(&r["prefix"]), d.is_ipv4()),
                    (true, Some(m)) => mask_prefix(m, d.is_ipv4()),
                    (true, None) => panic!("route without netmask"),
                };
                (d, p)
            }
        };
        let via = r["gateway"].as_str().map(ip);
        out.insert(route(name, d, p, via));
    }
    for a in strings(&s["dns_nameservers"]) {
        out.insert(Fact::Dns {
            scope: Some(name.into()),
            addr: ip(&a),
        });
    }
    for d in strings(&s["dns_search"]) {
        out.insert(Fact::Search {
            scope: Some(name.into()),
            domain: d,
        });
    }
}

// --- glean's "### Write <path>" blocks ----------------------------------------------------------

/// The `(path, content)` blocks of a glean `*.network.out` file, `%NM_CONTROLLED%` lines
/// dropped (they stand for NM_CONTROLLED=yes|no, which is no network fact).
pub fn write_blocks(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("### Write ") {
            out.push((p.trim().into(), String::new()));
        } else if line != "%NM_CONTROLLED%" {
            let (_, c) = out.last_mut().expect("content before the first ### Write");
            c.push_str(line);
            c.push('\n');
        }
    }
    out
}

/// What a rendered output says: its facts, and the interfaces it describes.
#[derive(Default, Debug)]
pub struct Rendered {
    pub facts: Facts,
    pub ifaces: BTreeSet<String>,
}

impl Rendered {
    pub fn from_blocks(blocks: &[(String, String)]) -> Rendered {
        let mut r = Rendered::default();
        let mut networkd = Networkd::default();
        for (path, content) in blocks {
            let file = path.rsplit('/').next().unwrap_or(path);
            if path == "/etc/resolv.conf" {
                r.facts.extend(resolv_conf(content));
            } else if path == "/etc/network/interfaces" {
                // Only `lo` and the `source` line; nothing about our interfaces.
                assert!(content.contains("iface lo inet loopback"), "{content}");
            } else if path.starts_with("/etc/network/interfaces.d/") {
                eni(content, &mut r);
            } else if let Some(dev) = file.strip_prefix("ifcfg-") {
                ifcfg(dev, content, &mut r);
            } else if let Some(dev) = file.strip_prefix("route-") {
                ifcfg_routes(dev, content, &mut r);
            } else if let Some(dev) = file.strip_prefix("route6-") {
                route6_lines(dev, content, &mut r);
            } else if let Some(dev) = file.strip_prefix("ifroute6-") {
                route6_lines(dev, content, &mut r);
            } else if let Some(dev) = file.strip_prefix("ifroute-") {
                suse_routes(dev, content, &mut r);
            } else if path.starts_with("/etc/systemd/") {
                networkd.add(file, content);
            } else {
                panic!("no reader for {path}");
            }
        }
        networkd.finish(&mut r);
        r
    }
}

/// `nameserver` and `search` lines of resolv.conf, as global facts.
pub fn resolv_conf(text: &str) -> Facts {
    let mut out = Facts::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => {
                out.insert(Fact::Dns {
                    scope: None,
                    addr: ip(w.next().expect("nameserver address")),
                });
            }
            Some("search") | Some("domain") => {
                for d in w {
                    out.insert(Fact::Search {
                        scope: None,
                        domain: d.into(),
                    });
                }
            }
            Some(c) if c.starts_with([';', '#']) => {}
            None => {}
            Some(other) => panic!("resolv.conf: {other}"),
        }
    }
    out
}

/// One `/etc/network/interfaces.d/<if>.cfg` as glean writes it.
fn eni(text: &str, r: &mut Rendered) {
    struct Stanza {
        name: String,
        static_: bool,
        address: Option<String>,
        netmask: Option<String>,
    }
    fn end(s: Option<Stanza>, r: &mut Rendered) {
        if let Some(s) = s.filter(|s| s.static_) {
            let a = s.address.expect("a static stanza has an address");
            r.facts
                .insert(addr(&s.name, &a, s.netmask.as_deref(), None));
        }
    }
    let mut cur: Option<Stanza> = None;
    let mut kinds: BTreeMap<String, &str> = BTreeMap::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let Some(&first) = w.first() else { continue };
        let name = || {
            cur.as_ref()
                .expect("a directive outside a stanza")
                .name
                .clone()
        };
        match first {
            "auto" => {
                r.ifaces.insert(w[1].into());
            }
            "iface" => {
                end(cur.take(), r);
                let (n, family, how) = (w[1], w[2], w[3]);
                r.ifaces.insert(n.into());
                kinds.entry(n.into()).or_insert("physical");
                match (family, how) {
                    ("inet", "dhcp") => {
                        r.facts.insert(method(n, "dhcp4"));
                    }
                    ("inet6", "dhcp") => {
                        r.facts.insert(method(n, "dhcp6"));
                    }
                    ("inet6", "auto") => {
                        r.facts.insert(method(n, "slaac"));
                    }
                    (_, "static" | "manual") => {}
                    other => panic!("iface {other:?}"),
                }
                cur = Some(Stanza {
                    name: n.into(),
                    static_: how == "static",
                    address: None,
                    netmask: None,
                });
            }
            "address" => cur.as_mut().expect("stanza").address = Some(w[1].into()),
            "netmask" => cur.as_mut().expect("stanza").netmask = Some(w[1].into()),
            "gateway" => {
                r.facts.insert(default_route(&name(), w[1]));
            }
            "hwaddress" | "hw-mac-address" => {
                r.facts.insert(mac_fact(&name(), w[w.len() - 1]));
            }
            "vlan-raw-device" => {
                let n = name();
                let vid = n.rsplit('.').next().and_then(|v| v.parse().ok());
                kinds.insert(n.clone(), "vlan");
                r.facts.insert(Fact::Vlan {
                    name: n,
                    parent: w[1].into(),
                    vid: vid.expect("VLAN interface named <parent>.<vid>"),
                });
            }
            "bond-mode" => {
                kinds.insert(name(), "bond");
                r.facts.insert(Fact::BondMode {
                    bond: name(),
                    mode: bond_mode(w[1]).expect("bond mode").into(),
                });
            }
            k if k.starts_with("bond-")
                && !matches!(k, "bond-master" | "bond-slaves" | "bond-mode") =>
            {
                r.facts.insert(Fact::BondOpt {
                    bond: name(),
                    key: k["bond-".len()..].replace('-', "_"),
                    value: w[1].into(),
                });
            }
            "bond-master" => {
                r.facts.insert(Fact::Member {
                    bond: w[1].into(),
                    member: name(),
                });
            }
            "bond-slaves" => {
                for m in w[1..].iter().filter(|m| **m != "none") {
                    r.facts.insert(Fact::Member {
                        bond: name(),
                        member: (*m).into(),
                    });
                }
            }
            "post-up" if w.get(1) == Some(&"ifenslave") => {
                for m in &w[3..] {
                    r.facts.insert(Fact::Member {
                        bond: w[2].into(),
                        member: (*m).into(),
                    });
                }
            }
            "up" => {
                let cmd: Vec<&str> = w[1..].iter().take_while(|x| **x != "||").copied().collect();
                match cmd.as_slice() {
                    ["route", "add", "-net", net, "netmask", mask, "gw", gw] => {
                        let d = ip(net);
                        r.facts
                            .insert(route(&name(), d, mask_prefix(mask, true), Some(ip(gw))));
                    }
                    ["ip", "-6", "route", "add", dest, "via", gw, "dev", dev] => {
                        let (d, p) = cidr(dest).expect("destination");
                        assert_eq!(*dev, name(), "route for another device");
                        r.facts.insert(route(dev, d, p, Some(ip(gw))));
                    }
                    other => panic!("ENI up command {other:?}"),
                }
            }
            // The undo halves of `up`/`post-up`.
            "down" | "pre-down" => {}
            other => panic!("ENI directive {other:?} in {line:?}"),
        }
    }
    end(cur, r);
    for (n, k) in kinds {
        r.facts.insert(link(&n, k));
    }
}

/// `KEY=value` lines (comments and blank lines skipped, quotes removed).
fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not KEY=value: {l}"));
            (k.trim().into(), v.trim().trim_matches('"').into())
        })
        .collect()
}

/// One `ifcfg-<dev>` file (RHEL initscripts; cloud-init's and glean's spelling).
pub fn ifcfg(dev: &str, text: &str, r: &mut Rendered) {
    let kv = key_values(text);
    let name = kv.get("DEVICE").map(String::as_str).unwrap_or(dev);
    assert_eq!(name, dev, "DEVICE differs from the file name");
    r.ifaces.insert(name.into());
    let get = |k: &str| kv.get(k).map(String::as_str);
    match get("BOOTPROTO") {
        Some("dhcp") => {
            r.facts.insert(method(name, "dhcp4"));
        }
        Some("static" | "none") | None => {}
        Some(other) => panic!("BOOTPROTO={other}"),
    }
    if let Some(m) = get("HWADDR").or(get("LLADDR")) {
        r.facts.insert(mac_fact(name, m));
    }
    for (k, v) in &kv {
        // IPADDR, IPADDR1.. with NETMASK, NETMASK1..; cloud-init's SUSE form too.
        if let Some(n) = k.strip_prefix("IPADDR") {
            if n.starts_with('6') {
                continue;
            }
            let mask = kv.get(&format!("NETMASK{n}")).map(String::as_str);
            let prefix = kv.get(&format!("PREFIX{n}")).map(String::as_str);
            r.facts.insert(addr(name, v, prefix.or(mask), None));
        }
    }
    // IPv6: RHEL's IPV6ADDR + IPV6ADDR_SECONDARIES, SUSE's IPADDR6, IPADDR6_1, ...
    for (k, v) in &kv {
        if k == "IPV6ADDR" || k == "IPV6ADDR_SECONDARIES" || k.starts_with("IPADDR6") {
            for a in v.split_whitespace() {
                r.facts.insert(addr(name, a, None, None));
            }
        }
    }
    if let Some(g) = get("GATEWAY") {
        r.facts.insert(default_route(name, g));
    }
    if let Some(g) = get("IPV6_DEFAULTGW") {
        r.facts.insert(default_route(name, g));
    }
    if get("IPV6_AUTOCONF") == Some("yes") {
        r.facts.insert(method(name, "slaac"));
    }
    for (k, v) in &kv {
        if k.starts_with("DNS") && k[3..].chars().all(|c| c.is_ascii_digit()) {
            r.facts.insert(Fact::Dns {
                scope: Some(name.into()),
                addr: ip(v),
            });
        }
    }
    if let Some(d) = get("DOMAIN") {
        for d in d.split_whitespace() {
            r.facts.insert(Fact::Search {
                scope: Some(name.into()),
                domain: d.into(),
            });
        }
    }
    if get("VLAN") == Some("yes") {
        let (parent, vid) = name.rsplit_once('.').expect("VLAN device <parent>.<vid>");
        r.facts.insert(Fact::Vlan {
            name: name.into(),
            parent: parent.into(),
            vid: vid.parse().expect("vid"),
        });
    }
    // SUSE: VLAN_ID + ETHERDEVICE, BONDING_SLAVE_<n>.
    if let (Some(vid), Some(parent)) = (get("VLAN_ID"), get("ETHERDEVICE")) {
        r.facts.insert(Fact::Vlan {
            name: name.into(),
            parent: parent.into(),
            vid: vid.parse().expect("VLAN_ID"),
        });
    }
    for (k, v) in &kv {
        if k.starts_with("BONDING_SLAVE") {
            r.facts.insert(Fact::Member {
                bond: name.into(),
                member: v.clone(),
            });
        }
    }
    if get("SLAVE") == Some("yes") {
        r.facts.insert(Fact::Member {
            bond: get("MASTER").expect("MASTER").into(),
            member: name.into(),
        });
    }
}

/// `route-<dev>`: ADDRESSn / NETMASKn / GATEWAYn.
fn ifcfg_routes(dev: &str, text: &str, r: &mut Rendered) {
    let kv = key_values(text);
    for (k, v) in &kv {
        if let Some(n) = k.strip_prefix("ADDRESS") {
            let d = ip(v);
            let mask = &kv[&format!("NETMASK{n}")];
            let gw = kv.get(&format!("GATEWAY{n}")).map(|g| ip(g));
            r.facts.insert(route(dev, d, mask_prefix(mask, true), gw));
        }
    }
}

/// SUSE `ifroute-<dev>`: `default GW` or `DEST GW NETMASK` lines.
fn suse_routes(dev: &str, text: &str, r: &mut Rendered) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["default", gw] => {
                r.facts.insert(default_route(dev, gw));
            }
            [dest, gw, mask] => {
                let d = ip(dest);
                r.facts
                    .insert(route(dev, d, mask_prefix(mask, d.is_ipv4()), Some(ip(gw))));
            }
            other => panic!("ifroute line {other:?}"),
        }
    }
}

/// `route6-<dev>`: `DEST/PREFIX via GW` lines.
fn route6_lines(dev: &str, text: &str, r: &mut Rendered) {
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (d, p) = cidr(w[0]).expect("destination");
        assert_eq!(w[1], "via", "{line}");
        r.facts.insert(route(dev, d, p, Some(ip(w[2]))));
    }
}

/// systemd-networkd `.network`/`.netdev` files and resolved.conf, gathered then resolved
/// (a VLAN's parent is named in the parent's `.network`).
#[derive(Default)]
struct Networkd {
    /// `.network` and `.netdev` files by interface name: sections of key/value pairs.
    network: BTreeMap<String, Vec<(String, String, String)>>,
    netdev: BTreeMap<String, Vec<(String, String, String)>>,
    global_dns: Vec<String>,
}

impl Networkd {
    fn add(&mut self, file: &str, text: &str) {
        let mut section = String::new();
        let mut entries = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                section = s.into();
                continue;
            }
            let (k, v) = line.split_once('=').expect("key=value");
            entries.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
        if file == "resolved.conf" {
            for (_, k, v) in entries {
                assert_eq!(k, "DNS");
                self.global_dns
                    .extend(v.split_whitespace().map(String::from));
            }
            return;
        }
        let name = entries
            .iter()
            .find(|(s, k, _)| (s == "Match" || s == "NetDev") && k == "Name")
            .map(|(_, _, v)| v.clone())
            .expect("Name=");
        if file.ends_with(".network") {
            self.network.insert(name, entries);
        } else if file.ends_with(".netdev") {
            self.netdev.insert(name, entries);
        } else {
            panic!("networkd file {file}");
        }
    }

    fn finish(self, r: &mut Rendered) {
        for a in &self.global_dns {
            r.facts.insert(Fact::Dns {
                scope: None,
                addr: ip(a),
            });
        }
        for (name, entries) in &self.network {
            r.ifaces.insert(name.clone());
            let kind = self
                .netdev
                .get(name)
                .and_then(|d| d.iter().find(|(_, k, _)| k == "Kind"))
                .map(|(_, _, v)| v.as_str())
                .unwrap_or("physical");
            r.facts.insert(link(name, kind));
            let mut route_dest: Option<String> = None;
            let flush = |dest: &mut Option<String>, gw: Option<&str>, r: &mut Rendered| {
                if let Some(d) = dest.take() {
                    let (a, p) = cidr(&d).expect("Destination=");
                    r.facts.insert(route(name, a, p, gw.map(ip)));
                }
            };
            for (s, k, v) in entries {
                match (s.as_str(), k.as_str()) {
                    ("Match", "Name") => {}
                    ("Match", "MACAddress") => {
                        r.facts.insert(mac_fact(name, v));
                    }
                    ("Network", "DHCP") => match v.as_str() {
                        "ipv4" => {
                            r.facts.insert(method(name, "dhcp4"));
                        }
                        "ipv6" => {
                            r.facts.insert(method(name, "dhcp6"));
                        }
                        "yes" => {
                            r.facts.insert(method(name, "dhcp4"));
                            r.facts.insert(method(name, "dhcp6"));
                        }
                        other => panic!("DHCP={other}"),
                    },
                    ("Network", "IPv6AcceptRA") => {
                        r.facts.insert(Fact::AcceptRa {
                            name: name.clone(),
                            on: v == "yes",
                        });
                    }
                    ("Network", "DNS") => {
                        r.facts.insert(Fact::Dns {
                            scope: Some(name.clone()),
                            addr: ip(v),
                        });
                    }
                    ("Network", "Bond") => {
                        r.facts.insert(Fact::Member {
                            bond: v.clone(),
                            member: name.clone(),
                        });
                    }
                    // `VLAN=` names a VLAN carried by this link; glean also lists each VLAN
                    // in its own .network, which says nothing about a parent.
                    ("Network", "VLAN") if v != name => {
                        let vid = self.netdev[v]
                            .iter()
                            .find(|(s, k, _)| s == "VLAN" && k == "Id")
                            .map(|(_, _, id)| id.parse().expect("Id"))
                            .expect("[VLAN] Id=");
                        r.facts.insert(Fact::Vlan {
                            name: v.clone(),
                            parent: name.clone(),
                            vid,
                        });
                    }
                    ("Network", "VLAN") => {}
                    ("Address", "Address") => {
                        r.facts.insert(addr(name, v, None, None));
                    }
                    ("Route", "Destination") => {
                        flush(&mut route_dest, None, r);
                        route_dest = Some(v.clone());
                    }
                    ("Route", "Gateway") => flush(&mut route_dest, Some(v), r),
                    other => panic!("networkd {other:?}"),
                }
            }
            flush(&mut route_dest, None, r);
        }
        for (name, entries) in &self.netdev {
            for (s, k, v) in entries {
                match (s.as_str(), k.as_str()) {
                    ("NetDev", "Name" | "Kind") | ("VLAN", "Id") => {}
                    ("NetDev", "MACAddress") => {
                        r.facts.insert(mac_fact(name, v));
                    }
                    ("Bond", "Mode") => {
                        r.facts.insert(Fact::BondMode {
                            bond: name.clone(),
                            mode: bond_mode(v).expect("Mode").into(),
                        });
                    }
                    ("Bond", key) => {
                        let (key, value) = networkd_bond_option(key, v);
                        r.facts.insert(Fact::BondOpt {
                            bond: name.clone(),
                            key: key.into(),
                            value,
                        });
                    }
                    other => panic!("netdev {other:?}"),
                }
            }
        }
    }
}

/// A systemd.netdev(5) `[Bond]` setting as the kernel option it sets, with the value as the
/// kernel takes it. Time spans follow systemd.time(7): a bare number is seconds.
fn networkd_bond_option(key: &str, v: &str) -> (&'static str, String) {
    let ms = |v: &str| -> String {
        let (n, unit) = v
            .find(|c: char| !c.is_ascii_digit())
            .map_or((v, ""), |i| (&v[..i], v[i..].trim()));
        let n: u64 = n.parse().expect("time span");
        let factor = match unit {
            "" | "s" | "sec" => 1000,
            "ms" | "msec" => 1,
            other => panic!("time unit {other}"),
        };
        (n * factor).to_string()
    };
    match key {
        "MIIMonitorSec" => ("miimon", ms(v)),
        "UpDelaySec" => ("updelay", ms(v)),
        "DownDelaySec" => ("downdelay", ms(v)),
        "TransmitHashPolicy" => ("xmit_hash_policy", v.into()),
        "LACPTransmitRate" => ("lacp_rate", v.into()),
        other => panic!("[Bond] {other}"),
    }
}

// --- NetworkManager keyfiles (cloud-init's) ----------------------------------------------------

/// One keyfile for interface `name`: MAC, addresses, routes, per-connection DNS and search.
pub fn nm_keyfile(name: &str, text: &str, r: &mut Rendered) {
    r.ifaces.insert(name.into());
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.into();
            continue;
        }
        let (k, v) = line.split_once('=').expect("key=value");
        let list = || v.split(';').filter(|x| !x.is_empty());
        match (section.as_str(), k) {
            ("ethernet" | "802-3-ethernet", "mac-address" | "mac_address") => {
                r.facts.insert(mac_fact(name, v));
            }
            ("ipv4" | "ipv6", "method") => match v {
                "manual" | "disabled" | "ignore" => {}
                "auto" if section == "ipv4" => {
                    r.facts.insert(method(name, "dhcp4"));
                }
                other => panic!("{section}.method={other}"),
            },
            ("ipv4" | "ipv6", k) if k.starts_with("address") => {
                let a = v.split(',').next().expect("address");
                r.facts.insert(addr(name, a, None, None));
            }
            ("ipv4" | "ipv6", "gateway") => {
                r.facts.insert(default_route(name, v));
            }
            ("ipv4" | "ipv6", k) if k.starts_with("route") => {
                let mut parts = v.split(',');
                let (d, p) = cidr(parts.next().expect("route")).expect("destination");
                let gw = parts.next().filter(|g| !g.is_empty()).map(ip);
                r.facts.insert(route(name, d, p, gw));
            }
            ("ipv4" | "ipv6", "dns") => {
                for a in list() {
                    r.facts.insert(Fact::Dns {
                        scope: Some(name.into()),
                        addr: ip(a),
                    });
                }
            }
            ("ipv4" | "ipv6", "dns-search") => {
                for d in list() {
                    r.facts.insert(Fact::Search {
                        scope: Some(name.into()),
                        domain: d.into(),
                    });
                }
            }
            // Not network facts: naming, NM's own bookkeeping, failure policy.
            ("connection", _) | ("user", _) | ("ipv4" | "ipv6", "may-fail") => {}
            other => panic!("keyfile {other:?}"),
        }
    }
}

/// A udev rule `ATTR{address}=="MAC", NAME="NAME"` (cloud-init's persistent-net rules).
pub fn udev_rename(text: &str) -> Facts {
    let mut out = Facts::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let field = |key: &str| -> String {
            let at = line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
            line[at..].split('"').nth(1).expect("quoted value").into()
        };
        out.insert(mac_fact(&field("NAME="), &field("ATTR{address}==")));
    }
    out
}

// --- afterburn's dracut kernel arguments -------------------------------------------------------

/// Splits a dracut argument value at `:`, keeping `[...]` (IPv6) together.
fn colon_fields(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => {
                out.push(String::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().expect("field").push(c);
    }
    out
}

/// dracut `ip=`, `rd.route=` and `nameserver=` arguments (dracut.cmdline(7)). A route without
/// an interface is a fact about interface `*` (any).
pub fn dracut_kargs(text: &str) -> Facts {
    let mut out = Facts::new();
    for arg in text.split_whitespace() {
        let (k, v) = arg.split_once('=').expect("key=value");
        match k {
            "ip" => {
                let f = colon_fields(v);
                if f.len() == 2 {
                    // ip=<interface>:<method>[,<method>...]
                    for m in f[1].split(',') {
                        let m = match m {
                            "dhcp" => "dhcp4",
                            "dhcp6" => "dhcp6",
                            "auto6" => "slaac",
                            other => panic!("ip= method {other}"),
                        };
                        out.insert(method(&f[0], m));
                    }
                } else {
                    // ip=<client-IP>:[<peer>]:<gateway-IP>:<netmask>:<hostname>:<interface>:<method>
                    assert!(f.len() >= 7, "ip={v}");
                    assert_eq!(f[6], "static", "ip={v}");
                    let iface = &f[5];
                    out.insert(addr(iface, &f[0], Some(&f[3]), None));
                    if !f[2].is_empty() {
                        out.insert(default_route(iface, &f[2]));
                    }
                }
            }
            "rd.route" => {
                // rd.route=<net>/<netmask>:<gateway>[:<interface>]
                let f = colon_fields(v);
                let net = f[0].trim_start_matches('[').trim_end_matches(']');
                let (d, p) = net.split_once('/').expect("net/mask");
                let d = ip(d);
                let via = Some(ip(&f[1]));
                let iface = f.get(2).map_or("*", String::as_str);
                out.insert(route(iface, d, mask_prefix(p, d.is_ipv4()), via));
            }
            "nameserver" => {
                out.insert(Fact::Dns {
                    scope: None,
                    addr: ip(v),
                });
            }
            other => panic!("karg {other}"),
        }
    }
    out
}

// --- Talos platform network config -------------------------------------------------------------

fn snake(camel: &str) -> String {
    let mut s = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            s.push('_');
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn yaml_str(v: &Yaml) -> String {
    match v {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(n) => n.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => panic!("scalar expected: {other:?}"),
    }
}

/// Talos's `PlatformNetworkConfig` (addresses, links, routes, hostnames, resolvers, DHCP
/// operators). Bond settings are stated as Talos names them, in snake case.
pub fn talos(doc: &Yaml) -> Facts {
    let mut out = Facts::new();
    let seq = |k: &str| doc[k].as_vec().cloned().unwrap_or_default();
    let s = |v: &Yaml, k: &str| v[k].as_str().unwrap_or("").to_string();
    for a in seq("addresses") {
        out.insert(addr(&s(&a, "linkName"), &s(&a, "address"), None, None));
    }
    for l in seq("links") {
        let name = s(&l, "name");
        let kind = match s(&l, "kind").as_str() {
            "" => "physical",
            "bond" => "bond",
            "vlan" => "vlan",
            other => panic!("link kind {other}"),
        };
        out.insert(link(&name, kind));
        if let Some(m) = l["mtu"].as_i64().filter(|m| *m != 0) {
            out.insert(Fact::Mtu {
                name: name.clone(),
                mtu: m as u32,
            });
        }
        if let Some(m) = l["hardwareAddr"].as_str() {
            out.insert(mac_fact(&name, m));
        }
        if let Some(b) = l["masterName"].as_str() {
            out.insert(Fact::Member {
                bond: b.into(),
                member: name.clone(),
            });
        }
        if let Some(p) = l["parentName"].as_str() {
            out.insert(Fact::Vlan {
                name: name.clone(),
                parent: p.into(),
                vid: l["vlan"]["vlanID"].as_i64().expect("vlanID") as u16,
            });
        }
        if let Some(b) = l["bondMaster"].as_hash() {
            for (k, v) in b {
                let k = k.as_str().expect("key");
                if k == "mode" {
                    out.insert(Fact::BondMode {
                        bond: name.clone(),
                        mode: bond_mode(&yaml_str(v)).expect("mode").into(),
                    });
                } else {
                    out.insert(Fact::BondOpt {
                        bond: name.clone(),
                        key: snake(k),
                        value: yaml_str(v),
                    });
                }
            }
        }
    }
    for r in seq("routes") {
        let gw = s(&r, "gateway");
        let via = (!gw.is_empty()).then(|| ip(&gw));
        let dst = s(&r, "dst");
        let (d, p) = if dst.is_empty() {
            (unspecified(s(&r, "family") == "inet4"), 0)
        } else {
            cidr(&dst).expect("dst")
        };
        out.insert(route(&s(&r, "outLinkName"), d, p, via));
    }
    for h in seq("hostnames") {
        out.insert(Fact::Hostname(s(&h, "hostname")));
    }
    for r in seq("resolvers") {
        for a in r["dnsServers"].as_vec().cloned().unwrap_or_default() {
            out.insert(Fact::Dns {
                scope: None,
                addr: ip(&yaml_str(&a)),
            });
        }
    }
    for o in seq("operators") {
        let m = match s(&o, "operator").as_str() {
            "dhcp4" => "dhcp4",
            "dhcp6" => "dhcp6",
            other => panic!("operator {other}"),
        };
        out.insert(method(&s(&o, "linkName"), m));
    }
    out
}
