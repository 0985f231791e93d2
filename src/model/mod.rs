//! The network configuration every input format produces and every output reads.
//!
//! Flat, fixed-capacity tables that refer to each other by index: links (physical NICs,
//! bonds, VLANs), networks (an address or a DHCP/SLAAC declaration on a link), routes (on a
//! network), DNS servers and search domains (global or per link), and the hostname.
//! [`Config::finish`] checks the cross-references and derives what the inputs leave implicit
//! (on-link gateways, route metrics for competing defaults).

pub mod bond;

use core::fmt;

use heapless::Vec;

use crate::limits::*;
use crate::net::{IpAddr, IpCidr, Mac, is_link_local_v6};
use crate::text::Text;

pub use bond::{BondMode, OptionValue};

/// Index of a link in [`Config::links`].
pub type LinkIdx = u16;
/// Index of a network in [`Config::networks`].
pub type NetIdx = u16;
/// Index of a route in [`Config::routes`].
pub type RouteIdx = u16;

/// An interface name: at most IFNAMSIZ - 1 = 15 bytes.
pub type IfName = Text<15>;
/// A link or network id from the drive.
pub type Id = Text<MAX_ID_BYTES>;
pub type Hostname = Text<MAX_HOSTNAME_BYTES>;
pub type Domain = Text<MAX_DOMAIN_BYTES>;

/// Checks an interface name the way the kernel's `dev_valid_name()` does.
pub fn valid_ifname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s != "."
        && s != ".."
        && !s
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace() || b == 0)
}

/// How a physical link finds its NIC on the running system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicMatch {
    /// By MAC address: the permanent one where the kernel reports it, else the current one.
    Mac(Mac),
    /// By kernel interface name (a link with a `name` and no MAC).
    Name(IfName),
    /// The n-th physical NIC in bus order (legacy `ethN` without `hwaddress`, or a link with
    /// neither MAC nor name). Fragile, so always logged.
    Ordinal(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkKind {
    Physical {
        nic: NicMatch,
    },
    Bond {
        mode: BondMode,
        mac: Option<Mac>,
    },
    Vlan {
        parent: LinkIdx,
        vid: u16,
        mac: Option<Mac>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The id the drive gave it (for messages and references).
    pub id: Id,
    /// An explicit interface name from the drive (`name`), when it is a valid one.
    pub name: Option<IfName>,
    pub mtu: Option<u32>,
    pub kind: LinkKind,
    /// The bond this link is a member of.
    pub master: Option<LinkIdx>,
}

impl Link {
    pub fn is_physical(&self) -> bool {
        matches!(self.kind, LinkKind::Physical { .. })
    }
    pub fn is_bond(&self) -> bool {
        matches!(self.kind, LinkKind::Bond { .. })
    }
    pub fn is_vlan(&self) -> bool {
        matches!(self.kind, LinkKind::Vlan { .. })
    }
    /// The MAC the configuration asks this link to carry, if any.
    pub fn configured_mac(&self) -> Option<Mac> {
        match &self.kind {
            LinkKind::Physical {
                nic: NicMatch::Mac(m),
            } => Some(*m),
            LinkKind::Physical { .. } => None,
            LinkKind::Bond { mac, .. } | LinkKind::Vlan { mac, .. } => *mac,
        }
    }
}

/// What a network asks of its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetKind {
    /// A static address (`ipv4`, `ipv6`, `static`, `static6`).
    Static,
    /// DHCPv4 (`ipv4_dhcp`): not run in the initramfs; handed to the rendered configuration.
    Dhcp4,
    /// DHCPv6 (`ipv6_dhcp`).
    Dhcp6,
    /// Router advertisements with SLAAC (`ipv6_slaac`).
    Slaac,
    /// SLAAC addresses plus DHCPv6 for other information (`ipv6_dhcpv6-stateless`).
    Dhcpv6Stateless,
    /// Addresses from DHCPv6, routes from RAs (`ipv6_dhcpv6-stateful`).
    Dhcpv6Stateful,
}

impl NetKind {
    /// The network_data.json spelling.
    pub fn name(self) -> &'static str {
        match self {
            NetKind::Static => "static",
            NetKind::Dhcp4 => "ipv4_dhcp",
            NetKind::Dhcp6 => "ipv6_dhcp",
            NetKind::Slaac => "ipv6_slaac",
            NetKind::Dhcpv6Stateless => "ipv6_dhcpv6-stateless",
            NetKind::Dhcpv6Stateful => "ipv6_dhcpv6-stateful",
        }
    }
    /// True for the kinds that need router advertisements accepted.
    pub fn wants_ra(self) -> bool {
        matches!(
            self,
            NetKind::Dhcp6 | NetKind::Slaac | NetKind::Dhcpv6Stateless | NetKind::Dhcpv6Stateful
        )
    }
    pub fn is_ipv6(self) -> bool {
        self.wants_ra()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub id: Id,
    pub link: LinkIdx,
    pub kind: NetKind,
    /// The address with its prefix (host bits kept). Required for `Static`; DHCP and SLAAC
    /// networks sometimes carry one too (kept for the renderers, not applied).
    pub address: Option<IpCidr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub network: NetIdx,
    /// The link of `network`, repeated for convenience.
    pub link: LinkIdx,
    /// Destination with host bits cleared; prefix 0 is the default route.
    pub dest: IpCidr,
    pub gateway: Option<IpAddr>,
    /// From the drive, or assigned by [`Config::finish`] to a route that would otherwise
    /// collide with an earlier one (same destination, same metric).
    pub metric: Option<u32>,
    /// The gateway lies outside every subnet of the link, or is IPv6 link-local.
    pub on_link: bool,
}

impl Route {
    /// The metric the kernel will use: the configured one, else its default (0 for IPv4,
    /// 1024 for IPv6).
    pub fn effective_metric(&self) -> u32 {
        self.metric
            .unwrap_or(if self.dest.is_ipv4() { 0 } else { 1024 })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsServer {
    pub addr: IpAddr,
    /// The link whose network listed it; None for the global list.
    pub link: Option<LinkIdx>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDomain {
    pub name: Domain,
    pub link: Option<LinkIdx>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BondOption {
    pub bond: LinkIdx,
    /// Index into [`bond::OPTIONS`].
    pub def: u8,
    pub value: OptionValue,
}

impl BondOption {
    pub fn def(&self) -> &'static bond::OptionDef {
        &bond::OPTIONS[self.def as usize]
    }
}

/// Which document the network configuration came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// No network configuration was found (hostname and DNS may still be present).
    #[default]
    None,
    NetworkData,
    /// The legacy Debian interfaces file nova injects (`network_config.content_path`).
    LegacyInterfaces,
}

/// The whole configuration read from a drive.
#[derive(Debug, Default)]
pub struct Config {
    pub links: Vec<Link, MAX_LINKS>,
    pub networks: Vec<Network, MAX_NETWORKS>,
    pub routes: Vec<Route, MAX_ROUTES>,
    pub bond_options: Vec<BondOption, MAX_BOND_OPTIONS>,
    pub dns_servers: Vec<DnsServer, MAX_DNS_SERVERS>,
    pub dns_search: Vec<SearchDomain, MAX_SEARCH_DOMAINS>,
    pub hostname: Option<Hostname>,
    /// meta_data.json `uuid`.
    pub instance_id: Option<Text<MAX_UUID_BYTES>>,
    pub source: Source,
}

/// A capacity was exceeded: the bound's name and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full {
    pub bound: &'static str,
    pub max: usize,
}

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "more than {} items ({})", self.max, self.bound)
    }
}

impl Config {
    pub const fn new() -> Config {
        Config {
            links: Vec::new(),
            networks: Vec::new(),
            routes: Vec::new(),
            bond_options: Vec::new(),
            dns_servers: Vec::new(),
            dns_search: Vec::new(),
            hostname: None,
            instance_id: None,
            source: Source::None,
        }
    }

    /// Empties the configuration for reuse (the binary keeps one in static storage).
    pub fn clear(&mut self) {
        self.links.clear();
        self.networks.clear();
        self.routes.clear();
        self.bond_options.clear();
        self.dns_servers.clear();
        self.dns_search.clear();
        self.hostname = None;
        self.instance_id = None;
        self.source = Source::None;
    }

    /// True when there is nothing to configure on any interface.
    pub fn has_network(&self) -> bool {
        !self.links.is_empty()
    }

    pub fn link(&self, i: LinkIdx) -> &Link {
        &self.links[i as usize]
    }
    pub fn network(&self, i: NetIdx) -> &Network {
        &self.networks[i as usize]
    }

    pub fn link_by_id(&self, id: &str) -> Option<LinkIdx> {
        self.links
            .iter()
            .position(|l| l.id == id)
            .map(|i| i as LinkIdx)
    }

    pub fn push_link(&mut self, l: Link) -> Result<LinkIdx, Full> {
        let i = self.links.len();
        self.links.push(l).map_err(|_| Full {
            bound: "MAX_LINKS",
            max: MAX_LINKS,
        })?;
        Ok(i as LinkIdx)
    }
    pub fn push_network(&mut self, n: Network) -> Result<NetIdx, Full> {
        let i = self.networks.len();
        self.networks.push(n).map_err(|_| Full {
            bound: "MAX_NETWORKS",
            max: MAX_NETWORKS,
        })?;
        Ok(i as NetIdx)
    }
    /// Adds a route unless the same one (link, destination, gateway) is already there:
    /// a network-level `gateway` and a default route in `routes` often say the same thing.
    pub fn push_route(&mut self, r: Route) -> Result<(), Full> {
        let dup = self.routes.iter().any(|o| {
            o.link == r.link && o.dest == r.dest && o.gateway == r.gateway && o.metric == r.metric
        });
        if !dup {
            self.routes.push(r).map_err(|_| Full {
                bound: "MAX_ROUTES",
                max: MAX_ROUTES,
            })?;
        }
        Ok(())
    }
    pub fn push_bond_option(&mut self, o: BondOption) -> Result<(), Full> {
        if let Some(old) = self
            .bond_options
            .iter_mut()
            .find(|x| x.bond == o.bond && x.def == o.def)
        {
            *old = o;
            return Ok(());
        }
        self.bond_options.push(o).map_err(|_| Full {
            bound: "MAX_BOND_OPTIONS",
            max: MAX_BOND_OPTIONS,
        })
    }
    /// Adds a DNS server unless it is already listed for the same scope.
    pub fn push_dns_server(&mut self, s: DnsServer) -> Result<(), Full> {
        if self.dns_servers.contains(&s) {
            return Ok(());
        }
        self.dns_servers.push(s).map_err(|_| Full {
            bound: "MAX_DNS_SERVERS",
            max: MAX_DNS_SERVERS,
        })
    }
    pub fn push_search(&mut self, d: SearchDomain) -> Result<(), Full> {
        if self.dns_search.contains(&d) {
            return Ok(());
        }
        self.dns_search.push(d).map_err(|_| Full {
            bound: "MAX_SEARCH_DOMAINS",
            max: MAX_SEARCH_DOMAINS,
        })
    }

    /// The networks on link `l`, with their indices.
    pub fn networks_of(&self, l: LinkIdx) -> impl Iterator<Item = (NetIdx, &Network)> + '_ {
        self.networks
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.link == l)
            .map(|(i, n)| (i as NetIdx, n))
    }
    /// The routes on link `l`.
    pub fn routes_of(&self, l: LinkIdx) -> impl Iterator<Item = (RouteIdx, &Route)> + '_ {
        self.routes
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.link == l)
            .map(|(i, r)| (i as RouteIdx, r))
    }
    /// The members of bond `b`, in document order.
    pub fn slaves_of(&self, b: LinkIdx) -> impl Iterator<Item = (LinkIdx, &Link)> + '_ {
        self.links
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.master == Some(b))
            .map(|(i, l)| (i as LinkIdx, l))
    }
    /// The options of bond `b`.
    pub fn options_of(&self, b: LinkIdx) -> impl Iterator<Item = &BondOption> + '_ {
        self.bond_options.iter().filter(move |o| o.bond == b)
    }
    /// The unique DNS servers in order: global first, then per link (for resolv.conf).
    pub fn all_dns_servers(&self) -> impl Iterator<Item = &IpAddr> + '_ {
        let global = self.dns_servers.iter().filter(|s| s.link.is_none());
        let scoped = self.dns_servers.iter().filter(|s| s.link.is_some());
        global.chain(scoped).enumerate().filter_map(move |(i, s)| {
            let seen = self
                .dns_servers
                .iter()
                .filter(|o| o.link.is_none())
                .chain(self.dns_servers.iter().filter(|o| o.link.is_some()))
                .take(i)
                .any(|o| o.addr == s.addr);
            (!seen).then_some(&s.addr)
        })
    }
    /// The unique search domains in order: global first, then per link.
    pub fn all_search_domains(&self) -> impl Iterator<Item = &str> + '_ {
        let ordered = || {
            self.dns_search
                .iter()
                .filter(|s| s.link.is_none())
                .chain(self.dns_search.iter().filter(|s| s.link.is_some()))
        };
        ordered().enumerate().filter_map(move |(i, s)| {
            let seen = ordered().take(i).any(|o| o.name == s.name);
            (!seen).then_some(s.name.as_str())
        })
    }

    /// Derives what the inputs leave implicit, once every document has been read:
    /// - a route's gateway outside every subnet of its link (or IPv6 link-local) is on-link;
    /// - routes that would collide (same destination and metric on different links, e.g.
    ///   two default routes) get the next free metric, in document order: the first listed
    ///   wins and the others are fallbacks, instead of the second failing with EEXIST.
    ///   Routes on a bond member are never installed (its L3 configuration is ignored once
    ///   enslaved), so they take part in neither side of that.
    pub fn finish(&mut self) {
        let Config {
            links,
            networks,
            routes,
            ..
        } = self;
        for r in routes.iter_mut() {
            r.on_link = match r.gateway {
                None => false,
                Some(IpAddr::V6(g)) if is_link_local_v6(&g) => true,
                Some(g) => !networks
                    .iter()
                    .filter(|n| n.link == r.link)
                    .filter_map(|n| n.address)
                    .any(|a| a.contains(&g)),
            };
        }
        let enslaved = |l: LinkIdx| links.get(l as usize).is_some_and(|l| l.master.is_some());
        for i in 0..routes.len() {
            // (Split rather than indexed: each panic site costs code and a location.)
            let Some((earlier, [r, ..])) = routes.split_at_mut_checked(i) else {
                break;
            };
            let (dest, m) = (r.dest, r.effective_metric());
            if enslaved(r.link) {
                continue;
            }
            // One pass over the earlier routes: does one clash, and the highest metric.
            let (mut clash, mut highest) = (false, m);
            for o in earlier.iter() {
                if o.dest == dest && !enslaved(o.link) {
                    clash |= o.effective_metric() == m;
                    highest = highest.max(o.effective_metric());
                }
            }
            if clash {
                r.metric = Some(highest.saturating_add(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::text;

    fn phys(id: &str, mac: &str) -> Link {
        Link {
            id: text(id).unwrap(),
            name: None,
            mtu: None,
            kind: LinkKind::Physical {
                nic: NicMatch::Mac(mac.parse().unwrap()),
            },
            master: None,
        }
    }

    fn cidr(s: &str) -> IpCidr {
        let (a, p) = s.split_once('/').unwrap();
        IpCidr::new(a.parse().unwrap(), p.parse().unwrap()).unwrap()
    }

    fn route(c: &Config, link: LinkIdx, dest: &str, gw: &str) -> Route {
        let network = c.networks.iter().position(|n| n.link == link).unwrap() as NetIdx;
        Route {
            network,
            link,
            dest: cidr(dest).network(),
            gateway: Some(gw.parse().unwrap()),
            metric: None,
            on_link: false,
        }
    }

    fn two_links() -> Config {
        let mut c = Config::new();
        let a = c.push_link(phys("a", "fa:16:3e:00:00:01")).unwrap();
        let b = c.push_link(phys("b", "fa:16:3e:00:00:02")).unwrap();
        for (l, addr) in [(a, "10.0.0.5/24"), (b, "10.1.0.5/24")] {
            c.push_network(Network {
                id: text("n").unwrap(),
                link: l,
                kind: NetKind::Static,
                address: Some(cidr(addr)),
            })
            .unwrap();
        }
        c
    }

    #[test]
    fn on_link_when_gateway_outside_every_subnet_or_link_local() {
        let mut c = two_links();
        let r = route(&c, 0, "0.0.0.0/0", "10.0.0.1");
        c.push_route(r).unwrap();
        let r = route(&c, 0, "192.168.0.0/16", "172.16.0.1");
        c.push_route(r).unwrap();
        c.push_route(Route {
            network: 0,
            link: 0,
            dest: cidr("::/0"),
            gateway: Some("fe80::1".parse().unwrap()),
            metric: None,
            on_link: false,
        })
        .unwrap();
        c.finish();
        assert!(!c.routes[0].on_link);
        assert!(c.routes[1].on_link);
        assert!(c.routes[2].on_link);
    }

    #[test]
    fn competing_default_routes_get_increasing_metrics() {
        let mut c = two_links();
        let r0 = route(&c, 0, "0.0.0.0/0", "10.0.0.1");
        let r1 = route(&c, 1, "0.0.0.0/0", "10.1.0.1");
        c.push_route(r0).unwrap();
        c.push_route(r1).unwrap();
        c.finish();
        assert_eq!(c.routes[0].metric, None);
        assert_eq!(c.routes[1].metric, Some(1));
        assert_eq!(c.routes[0].effective_metric(), 0);
    }

    /// Ironic's sample network_data.json puts a default route on a bond member as well as on
    /// the VLAN above the bond: only the VLAN's is installed, so it keeps the default metric.
    #[test]
    fn routes_on_bond_members_do_not_compete() {
        let mut c = two_links();
        let bond = c
            .push_link(Link {
                id: text("bond0").unwrap(),
                name: None,
                mtu: None,
                kind: LinkKind::Bond {
                    mode: BondMode::Lacp,
                    mac: None,
                },
                master: None,
            })
            .unwrap();
        c.links[0].master = Some(bond);
        let r0 = route(&c, 0, "0.0.0.0/0", "10.0.0.1");
        let r1 = route(&c, 1, "0.0.0.0/0", "10.1.0.1");
        c.push_route(r0).unwrap();
        c.push_route(r1).unwrap();
        c.finish();
        assert_eq!(c.routes[1].metric, None);
        assert_eq!(c.routes[0].metric, None);
    }

    #[test]
    fn identical_routes_are_kept_once() {
        let mut c = two_links();
        let r = route(&c, 0, "0.0.0.0/0", "10.0.0.1");
        c.push_route(r.clone()).unwrap();
        c.push_route(r).unwrap();
        assert_eq!(c.routes.len(), 1);
    }

    #[test]
    fn dns_lists_are_unique_global_first() {
        let mut c = two_links();
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        c.push_dns_server(DnsServer {
            addr: a("10.0.0.53"),
            link: Some(0),
        })
        .unwrap();
        c.push_dns_server(DnsServer {
            addr: a("8.8.8.8"),
            link: None,
        })
        .unwrap();
        c.push_dns_server(DnsServer {
            addr: a("8.8.8.8"),
            link: Some(1),
        })
        .unwrap();
        c.push_dns_server(DnsServer {
            addr: a("8.8.8.8"),
            link: None,
        })
        .unwrap();
        let all: std::vec::Vec<_> = c.all_dns_servers().map(|a| std::format!("{a}")).collect();
        assert_eq!(all, ["8.8.8.8", "10.0.0.53"]);
    }

    #[test]
    fn interface_names_follow_the_kernel_rules() {
        assert!(valid_ifname("bond0"));
        assert!(valid_ifname("a23456789012345"));
        assert!(!valid_ifname("a234567890123456"));
        assert!(!valid_ifname(""));
        assert!(!valid_ifname("a/b"));
        assert!(!valid_ifname("a:b"));
        assert!(!valid_ifname("a b"));
        assert!(!valid_ifname(".."));
    }

    #[test]
    fn capacity_is_reported_with_the_bound() {
        let mut c = std::boxed::Box::new(Config::new());
        for i in 0..MAX_LINKS {
            c.push_link(phys(&std::format!("l{i}"), "fa:16:3e:00:00:01"))
                .unwrap();
        }
        assert_eq!(
            c.push_link(phys("x", "fa:16:3e:00:00:01")),
            Err(Full {
                bound: "MAX_LINKS",
                max: MAX_LINKS
            })
        );
    }
}
