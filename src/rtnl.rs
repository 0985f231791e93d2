//! The NETLINK_ROUTE socket (rtnetlink(7)): requests queued into one datagram and each
//! acknowledged (NLM_F_ACK), dumps, and link notifications (RTNLGRP_LINK) for NICs that
//! appear late. The system's interfaces are read into a [`NicTable`] with one RTM_GETLINK
//! dump, with what apply compares against ([`LinkState`]) alongside.

use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;

use heapless::Vec;
use rustix::fd::{AsFd, OwnedFd};
use rustix::io::Errno;
use rustix::net::netlink::SocketAddrNetlink;
use rustix::net::sockopt::Timeout;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::limits::MAX_NICS;
use crate::naming::{Nic, NicTable};
use crate::wire::netlink::*;
// The wire module has its own `Result`; here errors are errnos.
use core::result::Result;

/// Requests per datagram. Each acknowledgement takes about 1 KiB of the socket's receive
/// buffer (about 208 KiB by default), so a batch's replies always fit.
pub const MAX_BATCH: usize = 64;
const TX_BYTES: usize = 16 * 1024;
/// Room kept for one request: a bond with every option and 16 ARP targets takes ~450 bytes.
const MAX_REQUEST_BYTES: usize = 1024;
/// The kernel sizes dump datagrams to the reader's buffer, up to 32 KiB.
const RX_BYTES: usize = 32 * 1024;
/// The longest wait for a reply; the kernel answers at once unless something is badly wrong.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// RTMGRP_LINK: the multicast group of link notifications.
const RTMGRP_LINK: u32 = 1;

/// What the kernel says about an interface that apply compares the configuration with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkState {
    pub mtu: u32,
    pub flags: u32,
    /// The master's ifindex (0: none).
    pub master: u32,
    /// The lower device's ifindex, a VLAN's parent (0: none).
    pub link: u32,
    pub kind: Kind,
    pub vid: u16,
}

/// The link kinds apply creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Other,
    Bond,
    Vlan,
}

/// A request body.
pub enum Body<'a> {
    Link(LinkRepr<'a>),
    Addr(AddrRepr),
    Route(RouteRepr),
}

struct Io {
    tx: [u8; TX_BYTES],
    rx: [u8; RX_BYTES],
    /// Parallel to the [`NicTable`] filled by [`Rtnl::read_links`].
    state: Vec<LinkState, MAX_NICS>,
}

static mut IO: Io = Io {
    tx: [0; TX_BYTES],
    rx: [0; RX_BYTES],
    state: Vec::new(),
};
static IO_TAKEN: AtomicBool = AtomicBool::new(false);

/// An open NETLINK_ROUTE socket with its (static) buffers; one per process.
pub struct Rtnl {
    fd: OwnedFd,
    io: &'static mut Io,
    seq: u32,
    /// The sequence number of the first queued request.
    first: u32,
    queued: usize,
    tx_len: usize,
}

/// `setsockopt(fd, SOL_NETLINK, opt, &1, 4)`: turns on a netlink socket flag. rustix has no
/// netlink options; failure (kernels before 4.12 lack NETLINK_EXT_ACK) only costs detail.
fn set_netlink_flag(fd: &OwnedFd, opt: u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use rustix::fd::AsRawFd;
        let one: u32 = 1;
        // SAFETY: setsockopt(2) reads 4 bytes at `&one`, which lives across the call.
        unsafe {
            core::arch::asm!("syscall", inlateout("rax") 54usize => _,
                in("rdi") fd.as_raw_fd() as usize, in("rsi") 270usize, in("rdx") opt as usize,
                in("r10") &one as *const u32, in("r8") 4usize,
                lateout("rcx") _, lateout("r11") _, options(nostack));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (fd, opt);
}

/// `socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)`, bound to `groups`.
fn socket(groups: u32) -> Result<OwnedFd, Errno> {
    let fd = rustix::net::socket_with(
        AddressFamily::NETLINK,
        SocketType::RAW,
        SocketFlags::CLOEXEC,
        None,
    )?;
    rustix::net::bind(&fd, &SocketAddrNetlink::new(0, groups))?;
    Ok(fd)
}

/// `recv(2)` of one datagram into `buf`, retried on EINTR. An empty datagram is an error,
/// so no reader can spin on one.
fn recv(fd: &OwnedFd, buf: &mut [u8]) -> Result<usize, Errno> {
    loop {
        match rustix::net::recv(fd, &mut *buf, RecvFlags::empty()) {
            Err(Errno::INTR) => {}
            Ok((0, _)) => return Err(Errno::NODATA),
            r => return r.map(|(n, _)| n),
        }
    }
}

/// Sets SO_RCVTIMEO (at least 1 ms: zero would mean forever).
fn set_timeout(fd: &OwnedFd, t: Duration) -> Result<(), Errno> {
    rustix::net::sockopt::set_socket_timeout(
        fd,
        Timeout::Recv,
        Some(t.max(Duration::from_millis(1))),
    )
}

/// A socket that receives link notifications. Opened before the link dump, so a NIC that
/// appears after the dump is never missed.
pub struct Monitor(OwnedFd);

impl Monitor {
    pub fn open() -> Result<Monitor, Errno> {
        socket(RTMGRP_LINK).map(Monitor)
    }
}

impl Rtnl {
    /// Opens the socket, asking for the kernel's error messages (NETLINK_EXT_ACK) and for
    /// errors without a copy of the request (NETLINK_CAP_ACK). Fails with EBUSY if called
    /// twice in a process (the buffers are static).
    pub fn open() -> Result<Rtnl, Errno> {
        let fd = socket(0)?;
        set_netlink_flag(&fd, 10);
        set_netlink_flag(&fd, 11);
        set_timeout(&fd, REPLY_TIMEOUT)?;
        if IO_TAKEN.swap(true, Ordering::Relaxed) {
            return Err(Errno::BUSY);
        }
        // SAFETY: IO_TAKEN hands the buffers out once, so this is the only reference.
        #[allow(clippy::deref_addrof)]
        let io = unsafe { &mut *(&raw mut IO) };
        Ok(Rtnl {
            fd,
            io,
            seq: 1,
            first: 1,
            queued: 0,
            tx_len: 0,
        })
    }

    /// The kernel's view of the NIC at `j` in the table [`Rtnl::read_links`] filled.
    pub fn state(&self, j: usize) -> LinkState {
        self.io.state.get(j).copied().unwrap_or_default()
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Reads every interface into `nics` (and its state alongside) with one RTM_GETLINK dump.
    pub fn read_links(&mut self, nics: &mut NicTable) -> Result<(), Errno> {
        let seq = self.next_seq();
        let Io { rx, state, .. } = &mut *self.io;
        nics.nics.clear();
        state.clear();
        transact(
            &self.fd,
            rx,
            RTM_GETLINK,
            NLM_F_DUMP,
            seq,
            &skip_stats(None),
            &mut |p| upsert(nics, state, p),
        )
    }

    /// Reads one interface by name into `nics` (RTM_GETLINK with IFLA_IFNAME): how apply
    /// learns the index of a link it has just created.
    pub fn read_link(&mut self, nics: &mut NicTable, name: &str) -> Result<(), Errno> {
        let seq = self.next_seq();
        let Io { rx, state, .. } = &mut *self.io;
        transact(
            &self.fd,
            rx,
            RTM_GETLINK,
            NLM_F_ACK,
            seq,
            &skip_stats(Some(name)),
            &mut |p| upsert(nics, state, p),
        )
    }

    /// Dumps addresses (RTM_GETADDR) or routes (RTM_GETROUTE) of every family, passing each
    /// message's payload to `f`.
    pub fn dump(&mut self, kind: u16, f: &mut dyn FnMut(&[u8])) -> Result<(), Errno> {
        let seq = self.next_seq();
        let body = if kind == RTM_GETADDR {
            Body::Addr(AddrRepr::default())
        } else {
            Body::Route(RouteRepr::default())
        };
        transact(
            &self.fd,
            &mut self.io.rx,
            kind,
            NLM_F_DUMP,
            seq,
            &body,
            &mut |p| {
                // The replies are RTM_NEWADDR / RTM_NEWROUTE, two below the request types.
                if p.kind() == kind - 2 {
                    f(p.payload())
                }
            },
        )
    }

    /// Waits up to `timeout` for link notifications on `mon` and applies them to `nics`.
    /// Returns false when the time ran out with nothing received.
    pub fn wait_links(
        &mut self,
        mon: &Monitor,
        nics: &mut NicTable,
        timeout: Duration,
    ) -> Result<bool, Errno> {
        set_timeout(&mon.0, timeout)?;
        let Io { rx, state, .. } = &mut *self.io;
        match recv(&mon.0, rx) {
            Ok(n) => {
                for p in Messages::new(rx.get(..n).unwrap_or_default()).map_while(|m| m.ok()) {
                    upsert(nics, state, &p);
                }
                Ok(true)
            }
            Err(Errno::AGAIN) => Ok(false),
            // Notifications were dropped: read the whole table again.
            Err(Errno::NOBUFS) => self.read_links(nics).map(|_| true),
            Err(e) => Err(e),
        }
    }

    /// Queues a request, acknowledged (NLM_F_ACK); sent by [`Rtnl::flush`]. Check
    /// [`Rtnl::full`] first. Fails with EMSGSIZE if the request does not fit.
    pub fn queue(&mut self, kind: u16, flags: u16, body: &Body) -> Result<(), Errno> {
        let seq = self.seq.wrapping_add(1);
        let mut e = Emitter::new(self.io.tx.get_mut(self.tx_len..).unwrap_or_default());
        emit(&mut e, kind, NLM_F_REQUEST | NLM_F_ACK | flags, seq, body);
        if e.overflowed() {
            return Err(Errno::MSGSIZE);
        }
        if self.queued == 0 {
            self.first = seq;
        }
        self.seq = seq;
        self.tx_len += e.len();
        self.queued += 1;
        Ok(())
    }

    /// True when another request may not fit the batch.
    pub fn full(&self) -> bool {
        self.queued >= MAX_BATCH || TX_BYTES - self.tx_len < MAX_REQUEST_BYTES
    }

    /// Sends the queued requests in one datagram and reads their acknowledgements. Calls
    /// `failed(i, errno, kernel_message)` for each request (by queue position) the kernel
    /// refused, or that got no answer.
    pub fn flush(&mut self, failed: &mut dyn FnMut(usize, Errno, Option<&str>)) {
        let n = self.queued;
        if n == 0 {
            return;
        }
        let mut done = [false; MAX_BATCH];
        let mut left = n;
        // (`get` rather than indexing: each panic site costs code and a location record.)
        let mut r = send(&self.fd, self.io.tx.get(..self.tx_len).unwrap_or_default());
        while r.is_ok() && left > 0 {
            r = recv(&self.fd, &mut self.io.rx).map(|len| {
                let rx = self.io.rx.get(..len).unwrap_or_default();
                for p in Messages::new(rx).map_while(|m| m.ok()) {
                    let i = p.seq().wrapping_sub(self.first) as usize;
                    match done.get_mut(i) {
                        Some(d) if p.kind() == NLMSG_ERROR && i < n && !*d => *d = true,
                        _ => continue,
                    }
                    left -= 1;
                    match ErrorRepr::parse(p.flags(), p.payload()) {
                        Ok(e) if e.error == 0 => {}
                        Ok(e) => failed(i, Errno::from_raw_os_error(-e.error), e.message),
                        Err(_) => failed(i, Errno::PROTO, None),
                    }
                }
            });
        }
        if let Err(e) = r {
            for (i, _) in done.iter().take(n).enumerate().filter(|(_, d)| !**d) {
                failed(i, e, None);
            }
        }
        self.queued = 0;
        self.tx_len = 0;
    }
}

/// A link request body that leaves statistics out of the reply.
fn skip_stats(name: Option<&str>) -> Body<'_> {
    Body::Link(LinkRepr {
        name,
        ext_mask: Some(RTEXT_FILTER_SKIP_STATS),
        ..LinkRepr::default()
    })
}

fn emit(e: &mut Emitter, kind: u16, flags: u16, seq: u32, body: &Body) {
    e.begin(kind, flags, seq);
    match body {
        Body::Link(l) => l.emit(e),
        Body::Addr(a) => a.emit(e),
        Body::Route(r) => r.emit(e),
    }
    e.end();
}

/// `send(2)` of one datagram to the kernel.
fn send(fd: &OwnedFd, b: &[u8]) -> Result<(), Errno> {
    rustix::net::send(fd.as_fd(), b, SendFlags::empty()).map(|_| ())
}

/// Sends one request (built in `buf`, which then receives the replies) and reads replies up
/// to NLMSG_DONE or the acknowledgement, passing every other message of ours to `f`.
/// A dump the kernel marks inconsistent (NLM_F_DUMP_INTR: the table changed meanwhile) is
/// used as it is: links that appear later come through the monitor, and an address or
/// route missed here is at worst added again and refused with EEXIST, which is reported.
fn transact(
    fd: &OwnedFd,
    buf: &mut [u8],
    kind: u16,
    flags: u16,
    seq: u32,
    body: &Body,
    f: &mut dyn FnMut(&Packet<&[u8]>),
) -> Result<(), Errno> {
    let mut e = Emitter::new(buf);
    emit(&mut e, kind, NLM_F_REQUEST | flags, seq, body);
    let n = e.len();
    send(fd, buf.get(..n).unwrap_or_default())?;
    loop {
        let n = recv(fd, buf)?;
        for m in Messages::new(buf.get(..n).unwrap_or_default()) {
            let p = m.map_err(|_| Errno::PROTO)?;
            if p.seq() != seq {
                continue;
            }
            match p.kind() {
                NLMSG_DONE => return Ok(()),
                NLMSG_ERROR => {
                    let e = ErrorRepr::parse(p.flags(), p.payload()).map_err(|_| Errno::PROTO)?;
                    return match e.error {
                        0 => Ok(()),
                        x => Err(Errno::from_raw_os_error(-x)),
                    };
                }
                _ => f(&p),
            }
        }
    }
}

/// Adds, or replaces by index, the interface a link message describes.
fn upsert(nics: &mut NicTable, state: &mut Vec<LinkState, MAX_NICS>, p: &Packet<&[u8]>) {
    if p.kind() != RTM_NEWLINK {
        return;
    }
    let Ok(l) = LinkRepr::parse(p.payload()) else {
        return;
    };
    let Some(name) = l.name.and_then(|n| crate::text::text(n).ok()) else {
        return;
    };
    let mac = l.mac.unwrap_or_default();
    let nic = Nic {
        ifindex: l.index,
        name,
        mac,
        perm_mac: l.perm_mac.filter(|m| !m.is_zero()),
        // Hardware NICs have no kind; veth counts too, so namespaces can stand in for
        // hardware. A port with a master of no kind is a net_failover standby or primary:
        // the failover master is the interface to configure.
        physical: l.arp_type == ARPHRD_ETHER
            && matches!(l.kind, None | Some("veth"))
            && (l.master.is_none() || l.slave_kind.is_some())
            && !mac.is_zero(),
        bus: l
            .parent
            .and_then(|b| crate::text::text(b).ok())
            .unwrap_or_default(),
    };
    let st = LinkState {
        mtu: l.mtu.unwrap_or(0),
        flags: l.flags,
        master: l.master.unwrap_or(0),
        link: l.link.unwrap_or(0),
        kind: match l.kind {
            Some("bond") => Kind::Bond,
            Some("vlan") => Kind::Vlan,
            _ => Kind::Other,
        },
        vid: l.vlan_id().unwrap_or(0),
    };
    match nics.nics.iter().position(|n| n.ifindex == l.index) {
        Some(j) => {
            nics.nics[j] = nic;
            if let Some(s) = state.get_mut(j) {
                *s = st;
            }
        }
        None => {
            if nics.nics.push(nic).is_ok() {
                let _ = state.push(st);
            } else {
                crate::warn!(
                    "more than {MAX_NICS} interfaces (MAX_NICS); {} not considered",
                    u64::from(l.index)
                );
            }
        }
    }
}
