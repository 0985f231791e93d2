//! `configdrive-net apply`: configures the running system from the drive over rtnetlink,
//! running the operations of [`plan::ops`] in order.
//!
//! - NICs are matched by MAC ([`naming`]) against one link dump. A missing NIC is waited for
//!   through link notifications, up to the timeout; then it is skipped with everything that
//!   depends on it, the rest is configured, and the exit code is 1.
//! - Idempotent: what is already as configured (MTU, a bond or VLAN of the right kind, parent
//!   and id, membership, up, addresses, routes, sysctls, hostname, resolv.conf) is left
//!   alone, so a second run changes nothing. An interface that holds a bond's or VLAN's name
//!   but is something else is an error, never reused or removed.
//! - Requests are queued and sent many to a datagram; each is acknowledged, and a refusal is
//!   logged with the operation (naming the interface), the errno and the kernel's message.
//! - Only interfaces the configuration names are touched.

use core::fmt::Write;

use heapless::Vec;
use rustix::io::Errno;

use crate::cli::{self, Args, EXIT_INVALID, EXIT_OK, EXIT_PARTIAL, State};
use crate::limits::{MAX_LINKS, MAX_NETWORKS, MAX_ROUTES};
use crate::model::bond::OptionValue;
use crate::model::{Config, LinkIdx, LinkKind};
use crate::naming::{self, Names, NicTable};
use crate::net::IpAddr;
use crate::plan::{self, Op, Show, Sysctl};
use crate::rtnl::{Body, Kind, LinkState, MAX_BATCH, Monitor, Rtnl};
use crate::sys::ErrnoName;
use crate::text::SliceWriter;
use crate::wire::netlink::*;
use crate::{debug, error, info, notice, warn};
// The wire module has its own `Result`; here errors are errnos.
use core::result::Result;

/// The run: what apply has learnt and done so far.
struct Run<'a> {
    cfg: &'a Config,
    names: &'a Names,
    nics: &'a mut NicTable,
    nl: Rtnl,
    resolv_conf: &'a str,
    /// The operations of the queued requests, in queue order (for error messages).
    pending: Vec<Op, MAX_BATCH>,
    /// Links that are absent or could not be created: what depends on them is skipped.
    dead: [bool; MAX_LINKS],
    have_addr: [bool; MAX_NETWORKS],
    have_route: [bool; MAX_ROUTES],
    changed: u32,
    failed: u32,
    skipped: u32,
}

pub fn run(args: &Args, st: &mut State) -> i32 {
    crate::log::open_kmsg();
    let opts = cli::kernel_options(args);
    if opts.disabled {
        notice!("disabled by rd.configdrive=0");
        return EXIT_OK;
    }
    if opts.debug && !args.quiet {
        crate::log::set_stderr_level(crate::log::Level::Debug);
    }
    let timeout = args
        .timeout_secs
        .or(opts.timeout_secs)
        .unwrap_or(cli::DEFAULT_TIMEOUT_SECS);
    let mut drive = match cli::find_drive(args, &opts) {
        Ok(d) => d,
        Err(code) => return code,
    };
    if let Err(code) = cli::read_drive(&mut drive, st) {
        return code;
    }

    let mut nl = match Rtnl::open() {
        Ok(nl) => nl,
        Err(e) => {
            error!("cannot open rtnetlink: {}", ErrnoName(e));
            return EXIT_PARTIAL;
        }
    };
    // Subscribed before the dump, so a NIC appearing in between is not missed.
    let mon = Monitor::open();
    if let Err(e) = nl.read_links(&mut st.nics) {
        error!("cannot list network interfaces: {}", ErrnoName(e));
        return EXIT_PARTIAL;
    }
    st.names = match wait_for_nics(&st.cfg, &mut st.nics, &mut nl, mon.ok(), timeout) {
        Ok(n) => n,
        Err(code) => return code,
    };
    cli::report(&st.cfg, &st.names);

    let mut r = Run {
        cfg: &st.cfg,
        names: &st.names,
        nics: &mut st.nics,
        nl,
        resolv_conf: args.resolv_conf,
        pending: Vec::new(),
        dead: [false; MAX_LINKS],
        have_addr: [false; MAX_NETWORKS],
        have_route: [false; MAX_ROUTES],
        changed: 0,
        failed: 0,
        skipped: 0,
    };
    for (i, d) in r.dead.iter_mut().enumerate().take(r.cfg.links.len()) {
        *d = !r.names.present(i as LinkIdx);
    }
    r.read_existing();
    let cfg = r.cfg;
    // As `dyn`, like the plan printer's, so `plan::ops` is compiled once.
    let each: &mut dyn FnMut(Op) = &mut |op| r.exec(op);
    plan::ops(cfg, each);
    r.flush();
    if let Some(flavor) = args.handoff {
        let dead = &r.dead;
        let configured = |l: LinkIdx| !dead[l as usize];
        match crate::handoff::write(flavor, cfg, r.names, &configured, args.handoff_root) {
            Ok(()) => info!("hand-off files written for the initramfs"),
            // Logged with its path.
            Err(_) => r.failed += 1,
        }
    }
    notice!(
        "{} changes, {} failed, {} skipped",
        u64::from(r.changed),
        u64::from(r.failed),
        u64::from(r.skipped)
    );
    let partial = r.failed + r.skipped > 0;
    // The configuration for the real root, from the same model and names.
    let rendered = if args.root.is_some() {
        cli::render_root(args, st)
    } else {
        EXIT_OK
    };
    if partial || rendered != EXIT_OK {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    }
}

/// Resolves the links, waiting up to `timeout` seconds for absent NICs to appear.
fn wait_for_nics(
    cfg: &Config,
    nics: &mut NicTable,
    nl: &mut Rtnl,
    mon: Option<Monitor>,
    timeout: u32,
) -> Result<Names, i32> {
    let deadline = crate::sys::monotonic_ms() + u64::from(timeout) * 1000;
    let mut said = false;
    loop {
        let names = naming::resolve(cfg, nics).map_err(|e| {
            error!("{e}");
            EXIT_INVALID
        })?;
        let missing = (cfg.links.iter().enumerate())
            .filter(|(i, l)| l.is_physical() && !names.present(*i as LinkIdx))
            .count();
        let left = deadline.saturating_sub(crate::sys::monotonic_ms());
        let Some(mon) = mon.as_ref().filter(|_| missing > 0 && left > 0) else {
            return Ok(names);
        };
        if !said {
            let timeout = u64::from(timeout);
            notice!("waiting up to {timeout} s for {missing} network interface(s)");
            said = true;
        }
        let t = core::time::Duration::from_millis(left);
        if let Err(e) = nl.wait_links(mon, nics, t) {
            warn!("link notifications: {}", ErrnoName(e));
            return Ok(names);
        }
    }
}

/// The IFLA_INFO_DATA and the RTM_NEWLINK body that create bond or VLAN `link` as `name`.
/// `index` gives the ifindex of another link (a VLAN's parent, a bond's `primary`).
pub fn create_request<'a>(
    cfg: &Config,
    link: LinkIdx,
    name: &'a str,
    index: &dyn Fn(LinkIdx) -> u32,
    data: &'a mut [u8],
) -> LinkRepr<'a> {
    let mut e = Emitter::new(data);
    let l = cfg.link(link);
    let (kind, parent) = match l.kind {
        LinkKind::Vlan { parent, vid, .. } => {
            e.attr(IFLA_VLAN_ID, &vid.to_ne_bytes());
            ("vlan", Some(index(parent)))
        }
        LinkKind::Bond { mode, .. } => {
            e.attr(IFLA_BOND_MODE, &[mode as u8]);
            for o in cfg.options_of(link) {
                let (d, v) = (o.def(), o.value);
                let n = match v {
                    OptionValue::Number(n) => n,
                    OptionValue::Bool(b) => b as u32,
                    OptionValue::Choice(c) => c as u32,
                    OptionValue::Interface(l) => index(l),
                    OptionValue::Mac(m) => {
                        e.attr(d.ifla, &m.0);
                        continue;
                    }
                    OptionValue::Ipv4List { addrs, len } => {
                        // Nested, one be32 address per attribute, numbered from 0.
                        let at = e.nest(d.ifla);
                        for (i, a) in addrs.iter().take(len as usize).enumerate() {
                            e.attr(i as u16, &a.octets());
                        }
                        e.end_nest(at);
                        continue;
                    }
                };
                // The kernel's policy fixes each option's width (OptionDef::nl_width).
                let (b1, b2, b4) = ([n as u8], (n as u16).to_ne_bytes(), n.to_ne_bytes());
                let v: &[u8] = match d.nl_width {
                    1 => &b1,
                    2 => &b2,
                    _ => &b4,
                };
                e.attr(d.ifla, v);
            }
            ("bond", None)
        }
        LinkKind::Physical { .. } => ("", None),
    };
    let n = if e.overflowed() { 0 } else { e.len() };
    LinkRepr {
        name: Some(name),
        mac: l.configured_mac(),
        link: parent,
        kind: Some(kind),
        info_data: data.get(..n),
        ..LinkRepr::default()
    }
}

impl Run<'_> {
    /// Where link `l` is in the NIC table: its matched NIC, or for a bond or VLAN the
    /// interface with its name, if there is one.
    fn nic(&self, l: LinkIdx) -> Option<usize> {
        let named = self.names.links.get(l as usize)?;
        match named.nic {
            Some(j) => Some(j as usize),
            None if !self.cfg.link(l).is_physical() => {
                self.nics.nics.iter().position(|n| n.name == named.name)
            }
            None => None,
        }
    }
    fn index(&self, l: LinkIdx) -> u32 {
        let nic = self.nic(l).and_then(|j| self.nics.nics.get(j));
        nic.map_or(0, |n| n.ifindex)
    }
    fn state(&self, l: LinkIdx) -> Option<LinkState> {
        self.nic(l).map(|j| self.nl.state(j))
    }

    /// Marks the addresses and routes that are already there (one dump of each, every family).
    /// Each dumped entry is compared only with the configured ones of its key (index.rs).
    fn read_existing(&mut self) {
        let mut idx = [0u32; MAX_LINKS];
        for (l, i) in idx.iter_mut().enumerate().take(self.cfg.links.len()) {
            *i = self.index(l as LinkIdx);
        }
        let cfg = self.cfg;
        let (have_addr, have_route) = (&mut self.have_addr, &mut self.have_route);
        let link_index = |l: LinkIdx| idx.get(l as usize).copied().unwrap_or(0);
        let mut ix = Index::new();
        for (i, n) in cfg.networks.iter().enumerate() {
            if let Some(c) = n.address {
                ix.insert(key(link_index(n.link), Some(c.addr), c.prefix), i);
            }
        }
        let r = self.nl.dump(RTM_GETADDR, &mut |b| {
            let Ok(a) = AddrRepr::parse(b) else { return };
            let addr = a.local.or(a.address);
            ix.candidates(key(a.index, addr, a.prefix_len), &mut |i| {
                let (Some(n), Some(have)) = (cfg.networks.get(i), have_addr.get_mut(i)) else {
                    return;
                };
                if let Some(c) = n.address
                    && link_index(n.link) == a.index
                    && c.prefix == a.prefix_len
                    && Some(c.addr) == addr
                {
                    *have = true;
                }
            });
        });
        let mut ix = Index::new();
        for (i, c) in cfg.routes.iter().enumerate() {
            let d = c.dest;
            let dst = (d.prefix > 0).then_some(d.addr);
            ix.insert(key(link_index(c.link), dst, d.prefix), i);
        }
        let r = r.and_then(|_| {
            self.nl.dump(RTM_GETROUTE, &mut |b| {
                let Ok(r) = RouteRepr::parse(b) else { return };
                let (Some(oif), true) = (r.oif, r.table == RT_TABLE_MAIN) else {
                    return;
                };
                let dst = if r.dst_len > 0 { r.dst } else { None };
                ix.candidates(key(oif, dst, r.dst_len), &mut |i| {
                    let (Some(c), Some(have)) = (cfg.routes.get(i), have_route.get_mut(i)) else {
                        return;
                    };
                    let d = c.dest;
                    if oif == link_index(c.link)
                        && (r.family == AF_INET) == d.is_ipv4()
                        && r.dst_len == d.prefix
                        && (d.prefix == 0 || r.dst == Some(d.addr))
                        && r.gateway == c.gateway
                        && r.priority.unwrap_or(0) == c.effective_metric()
                    {
                        *have = true;
                    }
                });
            })
        });
        if let Err(e) = r {
            warn!("cannot read addresses and routes: {}", ErrnoName(e));
        }
    }

    fn is_dead(&self, l: LinkIdx) -> bool {
        flag(&self.dead, l)
    }

    fn show<'s>(&'s self, op: &'s Op) -> Show<'s> {
        Show {
            op,
            cfg: self.cfg,
            names: self.names,
        }
    }

    /// Runs one operation, or skips it when it depends on an absent or failed link.
    fn exec(&mut self, op: Op) {
        // A VLAN goes with its parent (the ops run parents first).
        if let Op::CreateVlan { link } = op
            && let LinkKind::Vlan { parent, .. } = self.cfg.link(link).kind
            && self.is_dead(parent)
        {
            kill(&mut self.dead, link);
        }
        if op
            .links(self.cfg)
            .iter()
            .flatten()
            .any(|&l| self.is_dead(l))
        {
            self.skipped += 1;
            warn!("skipped: {}", self.show(&op));
            return;
        }
        let cur = |r: &Self, l| r.state(l).unwrap_or_default();
        match op {
            Op::SetMtu { link, mtu } if cur(self, link).mtu != mtu => {
                self.set_link(op, link, 0, 0, Some(mtu), None)
            }
            Op::CreateBond { link } | Op::CreateVlan { link } => self.create(op, link),
            Op::Enslave { slave, bond } if cur(self, slave).master != self.index(bond) => {
                // The kernel enslaves only links that are down.
                let b = Some(self.index(bond));
                self.set_link(op, slave, 0, IFF_UP, None, None);
                self.set_link(op, slave, 0, 0, None, b);
                self.set_link(op, slave, IFF_UP, IFF_UP, None, None);
            }
            Op::Sysctl { link, key, value } => self.sysctl(op, link, key, value),
            Op::Up { link } if cur(self, link).flags & IFF_UP == 0 => {
                self.set_link(op, link, IFF_UP, IFF_UP, None, None)
            }
            Op::AddAddress { network } if !flag(&self.have_addr, network) => {
                let n = self.cfg.network(network);
                let Some(a) = n.address else { return };
                let req = AddrRepr {
                    family: if a.is_ipv4() { AF_INET } else { AF_INET6 },
                    prefix_len: a.prefix,
                    index: self.index(n.link),
                    address: Some(a.addr),
                    local: Some(a.addr),
                    broadcast: a.broadcast().map(IpAddr::V4),
                    ..AddrRepr::default()
                };
                self.send(op, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, Body::Addr(req));
            }
            Op::AddRoute { route } if !flag(&self.have_route, route) => {
                let Some(r) = self.cfg.routes.get(route as usize) else {
                    return;
                };
                let req = RouteRepr {
                    family: if r.dest.is_ipv4() { AF_INET } else { AF_INET6 },
                    dst_len: r.dest.prefix,
                    table: RT_TABLE_MAIN,
                    protocol: RTPROT_STATIC,
                    scope: if r.gateway.is_some() {
                        RT_SCOPE_UNIVERSE
                    } else {
                        RT_SCOPE_LINK
                    },
                    kind: RTN_UNICAST,
                    flags: if r.on_link { RTNH_F_ONLINK } else { 0 },
                    dst: (r.dest.prefix > 0).then_some(r.dest.addr),
                    gateway: r.gateway,
                    oif: Some(self.index(r.link)),
                    priority: r.metric,
                };
                self.send(
                    op,
                    RTM_NEWROUTE,
                    NLM_F_CREATE | NLM_F_EXCL,
                    Body::Route(req),
                );
            }
            Op::SetHostname => {
                // The kernel keeps at most 64 bytes: a longer FQDN gives its first label.
                let full = self.cfg.hostname.as_deref().unwrap_or("");
                let h = if full.len() > 64 {
                    full.split('.').next().unwrap_or(full)
                } else {
                    full
                };
                if rustix::system::uname().nodename().to_bytes() != h.as_bytes() {
                    self.done(&op, rustix::system::sethostname(h.as_bytes()));
                } else {
                    self.present(&op);
                }
            }
            Op::WriteResolvConf => match crate::resolv::write(self.resolv_conf, self.cfg) {
                Ok(crate::resolv::Outcome::Unchanged) => self.present(&op),
                Ok(crate::resolv::Outcome::NotOurs) => {
                    warn!(
                        "{}: not written by configdrive-net (no marker, or a link); left alone",
                        self.resolv_conf
                    );
                    self.skipped += 1;
                }
                r => self.done(&op, r.map(|_| ())),
            },
            _ => self.present(&op),
        }
    }

    #[cold]
    fn present(&self, op: &Op) {
        debug!("already in place: {}", self.show(op));
    }

    /// Logs an operation done at once (not over netlink) and its outcome.
    fn done(&mut self, op: &Op, r: Result<(), Errno>) {
        match r {
            Ok(()) => {
                self.changed += 1;
                info!("{}", self.show(op));
            }
            Err(e) => self.refused(*op, e, None),
        }
    }

    /// RTM_SETLINK: `flags` under the mask `change`, and the MTU or master if given.
    fn set_link(
        &mut self,
        op: Op,
        link: LinkIdx,
        flags: u32,
        change: u32,
        mtu: Option<u32>,
        master: Option<u32>,
    ) {
        let set = LinkRepr {
            index: self.index(link),
            flags,
            change,
            mtu,
            master,
            ..LinkRepr::default()
        };
        self.send(op, RTM_SETLINK, 0, Body::Link(set));
    }

    /// Queues a request for `op`, sending the batch first when it is full.
    fn send(&mut self, op: Op, kind: u16, flags: u16, body: Body) {
        if self.nl.full() {
            self.flush();
        }
        // An operation of several requests is logged once.
        if self.pending.last() != Some(&op) {
            self.changed += 1;
            info!("{}", self.show(&op));
        }
        match self.nl.queue(kind, flags, &body) {
            Ok(()) => {
                let _ = self.pending.push(op);
            }
            Err(e) => self.refused(op, e, None),
        }
    }

    /// Sends the queued requests and reports those the kernel refused.
    fn flush(&mut self) {
        let Run {
            cfg,
            names,
            nl,
            pending,
            dead,
            changed,
            failed,
            ..
        } = self;
        let mut last = None;
        nl.flush(&mut |i, e, msg| {
            if let Some(&op) = pending.get(i) {
                // Counted as a change when queued; refused, it is none (once per operation
                // of several requests).
                if last != Some(op) {
                    *changed = changed.saturating_sub(1);
                    last = Some(op);
                }
                refused(cfg, names, dead, failed, op, e, msg);
            }
        });
        self.pending.clear();
    }

    fn refused(&mut self, op: Op, e: Errno, msg: Option<&str>) {
        refused(
            self.cfg,
            self.names,
            &mut self.dead,
            &mut self.failed,
            op,
            e,
            msg,
        );
    }

    /// Creates a bond or VLAN, or accepts the interface of its name if it is one already.
    fn create(&mut self, op: Op, link: LinkIdx) {
        let (want, parent, vid) = match self.cfg.link(link).kind {
            LinkKind::Vlan { parent, vid, .. } => (Kind::Vlan, self.index(parent), vid),
            _ => (Kind::Bond, 0, 0),
        };
        let name = self.names.name(link);
        // Loading the bonding module creates a bond0 of its own (max_bonds=1, its default,
        // unless modprobe.d says otherwise as systemd's does): a bond of our name that is
        // down and has no slaves is set up as configured, not taken as it is.
        let bare = |r: &Self, s: LinkState| {
            let i = r.index(link);
            s.flags & IFF_UP == 0 && !(0..r.nics.nics.len()).any(|j| r.nl.state(j).master == i)
        };
        if let Some(s) = self.state(link) {
            let same = (s.kind, s.link, s.vid) == (want, parent, vid);
            if same && !(want == Kind::Bond && bare(self, s)) {
                return self.present(&op);
            }
            if !same {
                let what = "an interface of that name exists and is of another kind, parent or id";
                return self.refused(op, Errno::EXIST, Some(what));
            }
        }
        let mut data = [0u8; 512];
        let req = create_request(self.cfg, link, name, &|l| self.index(l), &mut data);
        // No NLM_F_EXCL for a bond: when this request loads the bonding module, the module
        // creates its bond0 first and the kernel then applies the request to it.
        let excl = if want == Kind::Bond { 0 } else { NLM_F_EXCL };
        self.send(op, RTM_NEWLINK, NLM_F_CREATE | excl, Body::Link(req));
        // What follows needs its index.
        self.flush();
        if !self.is_dead(link)
            && let Err(e) = self.nl.read_link(self.nics, name)
        {
            self.refused(op, e, None);
        }
    }

    /// Sets `/proc/sys/net/ipv6/conf/<link>/<key>` unless it already holds `value`.
    fn sysctl(&mut self, op: Op, link: LinkIdx, key: Sysctl, value: u8) {
        let mut p = [0u8; 64];
        let mut w = SliceWriter::new(&mut p);
        let _ = write!(
            w,
            "/proc/sys/net/ipv6/conf/{}/{}",
            self.names.name(link),
            key.name()
        );
        let Ok(path) = core::str::from_utf8(w.as_bytes()) else {
            return;
        };
        let want = [b'0' + value, b'\n'];
        let mut old = [0u8; 8];
        if crate::sys::read_file(path, &mut old).is_ok_and(|n| old.get(..n) == Some(&want[..])) {
            return self.present(&op);
        }
        let r = crate::sys::open(path, rustix::fs::OFlags::WRONLY)
            .and_then(|fd| rustix::io::write(&fd, &want))
            .map(|_| ());
        self.done(&op, r);
    }
}

/// Logs a failed operation (the operation names its interface) with the errno and the
/// kernel's message; counts it; a link that could not be created takes its dependents along.
#[cold]
fn refused(
    cfg: &Config,
    names: &Names,
    dead: &mut [bool; MAX_LINKS],
    failed: &mut u32,
    op: Op,
    e: Errno,
    msg: Option<&str>,
) {
    let (open, close) = if msg.is_some() { (" (", ")") } else { ("", "") };
    let show = Show {
        op: &op,
        cfg,
        names,
    };
    error!("{show}: {}{open}{}{close}", ErrnoName(e), msg.unwrap_or(""));
    *failed += 1;
    if let Op::CreateBond { link } | Op::CreateVlan { link } = op {
        kill(dead, link);
    }
}

/// Entry `i` of a table of flags (a link, network or route index; all are in range).
fn flag(t: &[bool], i: u16) -> bool {
    t.get(usize::from(i)).copied().unwrap_or(false)
}

/// Marks link `l` as absent or failed.
fn kill(dead: &mut [bool], l: LinkIdx) {
    if let Some(d) = dead.get_mut(usize::from(l)) {
        *d = true;
    }
}

mod index;
use index::{Index, key};

#[cfg(test)]
mod tests;
