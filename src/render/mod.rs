//! Configuration for the real root's network stack, rendered from the model.
//!
//! One small writer per format ([`networkd`], [`nm`], [`eni`], [`netplan`], [`ifcfg`]), each
//! reading only the model and the interface names, writing through [`Cx`] which adds the
//! marker line and writes safely under the root ([`crate::write`]). README "Rendering for
//! the real root" documents paths, policies and the `auto` order ([`detect`]).
//!
//! Policies shared by every format:
//! - DNS: the real root's `/etc/resolv.conf` is left to its resolver (systemd-resolved,
//!   NetworkManager, resolvconf); servers and search domains go into each format's own
//!   per-interface settings: the link's own, then the global ones, on every link with L3
//!   configuration.
//! - Only static networks get addresses and routes; DHCP/SLAAC networks get the matching
//!   method. Routes keep their metric and on-link flag.
//! - The hostname goes to `etc/hostname` (not with `--runtime`: /etc is not touched then).

pub mod detect;
pub mod eni;
pub mod ifcfg;
pub mod netplan;
pub mod networkd;
pub mod nm;

use core::fmt::{self, Write};

use heapless::Vec;
use rustix::fd::OwnedFd;
use rustix::io::Errno;

use crate::limits::{MAX_RENDERED_FILE_BYTES, MAX_RENDERED_FILES};
use crate::model::{Config, LinkIdx, NetKind, Route};
use crate::naming::Names;
use crate::net::IpCidr;
use crate::sys::ErrnoName;
use crate::text::{SliceWriter, Text};
use crate::write::{self, MARKER, Root, Wrote};

/// Format bits for [`Options::formats`].
pub const NETWORKD: u8 = 1;
pub const NM: u8 = 2;
pub const ENI: u8 = 4;
pub const NETPLAN: u8 = 8;
pub const IFCFG: u8 = 16;
/// Detect the format from what the root has installed and enabled.
pub const AUTO: u8 = 128;

/// The `--format` names, in bit order.
pub const FORMAT_NAMES: [&str; 5] = ["networkd", "nm", "eni", "netplan", "ifcfg"];

/// Parses `--format LIST` (`auto`, or comma-separated [`FORMAT_NAMES`]).
pub fn parse_formats(s: &str) -> Option<u8> {
    if s == "auto" {
        return Some(AUTO);
    }
    let mut bits = 0;
    for part in s.split(',') {
        let i = FORMAT_NAMES.iter().position(|n| *n == part)?;
        bits |= 1 << i;
    }
    Some(bits)
}

/// What to render where.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The root to write under (e.g. `/sysroot`).
    pub root: &'a str,
    /// Format bits, or [`AUTO`].
    pub formats: u8,
    /// Write under `run/` (read by networkd, NetworkManager and netplan) instead of `etc/`.
    pub runtime: bool,
}

/// What a render did; README "Rendering" says how each is reported.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub written: u16,
    /// Files left alone because they are not ours (no marker, or a symlink).
    pub kept: u16,
    /// Stale generated files of an earlier run, removed.
    pub removed: u16,
    /// Files or directories that could not be written (logged), formats that could not be
    /// used, a missing `source` of interfaces.d.
    pub failed: u16,
}

impl Summary {
    /// True when everything asked for was written.
    pub fn complete(&self) -> bool {
        self.kept == 0 && self.failed == 0
    }
}

/// The directory a format writes to (`etc` form; the runtime form swaps `etc` for `run`),
/// the file-name prefix that marks its files for the stale sweep, and whether it has a
/// runtime form at all.
pub(crate) struct Place {
    pub etc: &'static str,
    pub prefix: &'static str,
    pub runtime: bool,
}

const PLACES: [Place; 6] = [
    Place {
        etc: "etc/systemd/network",
        prefix: "10-configdrive-",
        runtime: true,
    },
    Place {
        etc: "etc/NetworkManager/system-connections",
        prefix: "configdrive-",
        runtime: true,
    },
    Place {
        etc: "etc/network/interfaces.d",
        prefix: "configdrive",
        runtime: false,
    },
    Place {
        etc: "etc/netplan",
        prefix: "50-configdrive",
        runtime: true,
    },
    Place {
        etc: "etc/sysconfig/network-scripts",
        prefix: "",
        runtime: false,
    },
    // The hostname file (its directory is the sweep's business only for `hostname`).
    Place {
        etc: "etc",
        prefix: "hostname",
        runtime: false,
    },
];

/// The rendering context: model, names, the file being built, and the safe writer.
pub struct Cx<'a> {
    pub cfg: &'a Config,
    pub names: &'a Names,
    pub runtime: bool,
    root: Root,
    root_path: &'a str,
    out: SliceWriter<'a>,
    /// Directory of the current format: its path under the root and, once opened, its fd.
    rel: Text<48>,
    dir: Option<OwnedFd>,
    /// The directory could not be opened (reported once).
    dir_failed: bool,
    /// Hashes of the paths written in this run, so the sweep keeps them.
    written: Vec<u32, MAX_RENDERED_FILES>,
    pub sum: Summary,
    /// The root is read-only: nothing more is attempted.
    rofs: bool,
}

impl Write for Cx<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.write_str(s)
    }
}

/// `w!(cx, "fmt", args)`: one line into the file being built.
macro_rules! w {
    ($cx:expr, $($t:tt)*) => { { let _ = writeln!($cx, $($t)*); } };
}
pub(crate) use w;

fn fnv(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for p in parts {
        for b in p.bytes().chain(core::iter::once(b'/')) {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    h
}

impl<'a> Cx<'a> {
    pub fn name(&self, l: LinkIdx) -> &'a str {
        self.names.name(l)
    }

    /// Selects the directory of the place `p` for the files that follow.
    fn place(&mut self, p: usize) {
        self.dir = None;
        self.dir_failed = false;
        self.rel.clear();
        let etc = PLACES[p].etc;
        if self.runtime && PLACES[p].runtime {
            let _ = self.rel.push_str("run");
            let _ = self.rel.push_str(&etc[3..]);
        } else {
            let _ = self.rel.push_str(etc);
        }
    }

    /// Starts a new file: the marker line first.
    pub fn begin(&mut self) {
        self.out.clear();
        w!(self, "{MARKER}");
    }

    /// Writes the file built since [`Cx::begin`] as `name` in the current directory.
    #[inline(never)]
    pub fn commit(&mut self, name: fmt::Arguments<'_>, mode: u32) {
        let mut file: Text<64> = Text::new();
        let _ = file.write_fmt(name);
        if self.rofs || self.dir_failed {
            return;
        }
        let _ = self.written.push(fnv(&[&self.rel, &file]));
        if self.out.overflowed() {
            crate::error!(
                "{}/{}/{file}: longer than {MAX_RENDERED_FILE_BYTES} bytes (MAX_RENDERED_FILE_BYTES); not written",
                self.root_path,
                self.rel
            );
            self.sum.failed += 1;
            return;
        }
        if self.dir.is_none() {
            match self.root.dir(&self.rel, true) {
                Ok(fd) => self.dir = Some(fd),
                Err(e) => {
                    self.dir_failed = true;
                    return self.fail(e, "");
                }
            }
        }
        let Some(dir) = &self.dir else { return };
        match write::write_file(dir, &file, self.out.as_bytes(), mode) {
            Ok(Wrote::Written) => {
                self.sum.written += 1;
                crate::debug!("wrote {}/{}/{file}", self.root_path, self.rel);
            }
            Ok(Wrote::NotOurs) => {
                self.sum.kept += 1;
                crate::warn!(
                    "{}/{}/{file}: not written by configdrive-net (no marker line, or a symlink); left alone",
                    self.root_path,
                    self.rel
                );
            }
            Err(e) => self.fail(e, &file),
        }
    }

    #[cold]
    fn fail(&mut self, e: Errno, file: &str) {
        self.sum.failed += 1;
        if e == Errno::ROFS {
            self.rofs = true;
            crate::error!(
                "{}: read-only file system; cannot write the network configuration",
                self.root_path
            );
        } else if file.is_empty() {
            // Symlinks are refused on the way (ELOOP, or ENOTDIR for one to a directory).
            crate::error!(
                "{}/{}: cannot open or create this directory ({}); a symbolic link on the path is refused",
                self.root_path,
                self.rel,
                ErrnoName(e)
            );
        } else {
            crate::error!(
                "{}/{}/{file}: cannot write: {}",
                self.root_path,
                self.rel,
                ErrnoName(e)
            );
        }
    }

    /// Removes generated files of the place `p` that this run did not write.
    fn sweep(&mut self, p: usize) {
        self.place(p);
        let Ok(dir) = self.root.dir(&self.rel, false) else {
            return;
        };
        let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 2048];
        let mut it = rustix::fs::RawDir::new(&dir, &mut buf);
        while let Some(Ok(e)) = it.next() {
            let Ok(name) = e.file_name().to_str() else {
                continue;
            };
            let prefix = PLACES[p].prefix;
            let ifcfg = p == 4
                && (name.starts_with("ifcfg-")
                    || name.starts_with("route-")
                    || name.starts_with("route6-"));
            if !(ifcfg || (!prefix.is_empty() && name.starts_with(prefix)))
                || self.written.contains(&fnv(&[&self.rel, name]))
            {
                continue;
            }
            match write::remove_if_ours(&dir, name) {
                Ok(true) => {
                    self.sum.removed += 1;
                    crate::info!("removed stale {}/{}/{name}", self.root_path, self.rel);
                }
                Ok(false) => {}
                Err(e) => self.fail(e, name),
            }
        }
    }
}

/// Renders the configuration for `opts.formats` under `opts.root`, then removes stale
/// generated files. `buf` holds one file at a time (the binary passes static storage of
/// [`MAX_RENDERED_FILE_BYTES`]). Errors are logged; the summary counts them.
pub fn render(cfg: &Config, names: &Names, opts: &Options<'_>, buf: &mut [u8]) -> Summary {
    let root = match Root::open(opts.root) {
        Ok(r) => r,
        Err(e) => {
            crate::error!("--root {}: {}", opts.root, ErrnoName(e));
            return Summary {
                failed: 1,
                ..Summary::default()
            };
        }
    };
    let mut cx = Cx {
        cfg,
        names,
        runtime: opts.runtime,
        root,
        root_path: opts.root,
        out: SliceWriter::new(buf),
        rel: Text::new(),
        dir: None,
        dir_failed: false,
        written: Vec::new(),
        sum: Summary::default(),
        rofs: false,
    };
    let mut formats = opts.formats;
    if formats & AUTO != 0 {
        formats = detect::detect(&cx.root, opts.root);
        if formats == 0 {
            cx.sum.failed += 1;
            return cx.sum;
        }
    }
    let renderers: [fn(&mut Cx); 5] = [
        networkd::render,
        nm::render,
        eni::render,
        netplan::render,
        ifcfg::render,
    ];
    for (i, r) in renderers.iter().enumerate() {
        if formats & (1 << i) == 0 {
            continue;
        }
        if opts.runtime && !PLACES[i].runtime {
            crate::error!(
                "{}: has no runtime directory; render it without --runtime",
                FORMAT_NAMES[i]
            );
            cx.sum.failed += 1;
            continue;
        }
        cx.place(i);
        r(&mut cx);
    }
    if let (Some(h), false) = (&cfg.hostname, opts.runtime) {
        cx.place(5);
        cx.begin();
        w!(cx, "{h}");
        cx.commit(format_args!("hostname"), 0o644);
    }
    if cx.written.is_full() {
        crate::warn!(
            "more than {MAX_RENDERED_FILES} files (MAX_RENDERED_FILES): stale files are not removed"
        );
    } else if !cx.rofs {
        for (p, place) in PLACES.iter().enumerate() {
            if !opts.runtime || place.runtime {
                cx.sweep(p);
            }
        }
    }
    cx.sum
}

// ---- What every format needs from the model ----

/// The L3 facts of one link.
#[derive(Debug, Default, Clone, Copy)]
pub struct L3 {
    pub any: bool,
    pub v4: bool,
    pub v6: bool,
    pub dhcp4: bool,
    /// DHCPv6 for addresses (`ipv6_dhcp`, `ipv6_dhcpv6-stateful`).
    pub dhcp6: bool,
    /// Router advertisements accepted (every IPv6 kind but static).
    pub ra: bool,
    /// SLAAC addresses (`ipv6_slaac`, `ipv6_dhcpv6-stateless`).
    pub slaac: bool,
    /// DHCPv6 for other information only (`ipv6_dhcpv6-stateless`).
    pub stateless: bool,
}

pub fn l3(cfg: &Config, l: LinkIdx) -> L3 {
    let mut f = L3::default();
    for (_, n) in cfg.networks_of(l) {
        f.any = true;
        match n.kind {
            NetKind::Static => match n.address {
                Some(a) if a.is_ipv4() => f.v4 = true,
                Some(_) => f.v6 = true,
                None => {}
            },
            NetKind::Dhcp4 => f.dhcp4 = true,
            NetKind::Dhcp6 | NetKind::Dhcpv6Stateful => f.dhcp6 = true,
            NetKind::Slaac => f.slaac = true,
            NetKind::Dhcpv6Stateless => {
                f.slaac = true;
                f.stateless = true
            }
        }
        f.ra |= n.kind.wants_ra();
    }
    f
}

/// Calls `f` with each static address of link `l`.
pub fn each_addr(cfg: &Config, l: LinkIdx, f: &mut dyn FnMut(IpCidr)) {
    for n in cfg.networks.iter() {
        if let (true, NetKind::Static, Some(a)) = (n.link == l, n.kind, n.address) {
            f(a)
        }
    }
}

/// Calls `f` with each route of link `l`. Routes of DHCP and SLAAC networks are written too:
/// the real root's manager adds them once the lease or advertisement has configured the link
/// (the initramfs, which runs no DHCP client, leaves them out).
pub fn each_route<'c>(cfg: &'c Config, l: LinkIdx, f: &mut dyn FnMut(&'c Route)) {
    for r in cfg.routes.iter() {
        if r.link == l {
            f(r)
        }
    }
}

/// Item bits for [`each_name`] and [`list`].
pub const DNS4: u8 = 1;
pub const DNS6: u8 = 2;
pub const SEARCH: u8 = 4;

/// Calls `f` with the DNS servers (of the families in `what`) or the search domains of link
/// `l`: its own, then the global ones, without repeats; none for a link without L3.
pub fn each_name(cfg: &Config, l: LinkIdx, what: u8, f: &mut dyn FnMut(&dyn fmt::Display)) {
    if cfg.link(l).master.is_some() || !cfg.networks.iter().any(|n| n.link == l) {
        return;
    }
    for scope in [Some(l), None] {
        if what & SEARCH != 0 {
            let all = &cfg.dns_search;
            for (i, d) in all.iter().enumerate() {
                let before = |o: &crate::model::SearchDomain| o.name == d.name;
                if d.link == scope
                    && !all[..i].iter().any(|o| o.link == scope && before(o))
                    && !(scope.is_none() && all.iter().any(|o| o.link == Some(l) && before(o)))
                {
                    f(&d.name)
                }
            }
        } else {
            let all = &cfg.dns_servers;
            for (i, d) in all.iter().enumerate() {
                let fam = if d.addr.is_ipv4() { DNS4 } else { DNS6 };
                let same = |o: &crate::model::DnsServer| o.addr == d.addr;
                if d.link == scope
                    && what & fam != 0
                    && !all[..i].iter().any(|o| o.link == scope && same(o))
                    && !(scope.is_none() && all.iter().any(|o| o.link == Some(l) && same(o)))
                {
                    f(&d.addr)
                }
            }
        }
    }
}

/// Writes `head`, the items of [`each_name`] separated by `sep`, then `tail`; nothing when
/// there are none. Returns whether anything was written.
pub fn list(cx: &mut Cx, l: LinkIdx, what: u8, head: &str, sep: &str, tail: &str) -> bool {
    let cfg = cx.cfg;
    let mut n = 0;
    each_name(cfg, l, what, &mut |x| {
        let _ = cx.write_str(if n == 0 { head } else { sep });
        let _ = write!(cx, "{x}");
        n += 1;
    });
    if n > 0 {
        let _ = cx.write_str(tail);
    }
    n > 0
}

/// Writes a bond option's value: kernel spelling, lists joined with `sep`, and the four
/// millisecond options suffixed with `ms` when `ms` is set (networkd's `…Sec=` keys read a
/// bare number as seconds).
pub fn bond_value(cx: &mut Cx, o: &crate::model::BondOption, sep: &str, ms: bool) {
    use crate::model::OptionValue as V;
    let def = o.def();
    match &o.value {
        V::Ipv4List { addrs, len } => {
            for (i, a) in addrs.iter().take(*len as usize).enumerate() {
                let _ = write!(cx, "{}{a}", if i > 0 { sep } else { "" });
            }
        }
        V::Interface(l) => {
            let n = cx.name(*l);
            let _ = cx.write_str(n);
        }
        v => {
            let lookup = |_| "";
            let _ = write!(
                cx,
                "{}",
                crate::model::bond::KernelValue {
                    def,
                    value: v,
                    link_name: &lookup
                }
            );
            if ms
                && matches!(
                    def.kernel,
                    "miimon" | "updelay" | "downdelay" | "arp_interval"
                )
            {
                let _ = cx.write_str("ms");
            }
        }
    }
}

#[cold]
pub fn unsupported(format: &str, what: &str, link: &str) {
    crate::warn!("{format}: {link}: {what} cannot be expressed; left out");
}
