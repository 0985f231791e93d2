//! Kernel uevents (`NETLINK_KOBJECT_UEVENT`): the drive wait wakes when a block device
//! appears or changes (a disk attached, a CD inserted, a loop device bound) instead of
//! polling on a timer.

use core::time::Duration;

use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::netlink::{self, SocketAddrNetlink};
use rustix::net::sockopt::{self, Timeout};
use rustix::net::{AddressFamily, RecvFlags, SocketFlags, SocketType};
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};

/// The kernel's multicast group for uevents (udev re-broadcasts on group 2).
const KERNEL_GROUP: u32 = 1;
/// Bytes of one uevent message: the kernel builds them in 2048 (`UEVENT_BUFFER_SIZE`).
const UEVENT_BYTES: usize = 2048 + 512;
/// Messages drained after a wake-up, so a burst (a disk and its partitions) costs one pass.
const DRAIN_MAX: usize = 64;

/// A socket that receives the kernel's uevents.
pub struct UeventSocket {
    fd: OwnedFd,
}

impl UeventSocket {
    /// `socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)` bound to the kernel group.
    pub fn open() -> Result<UeventSocket, Errno> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC,
            Some(netlink::KOBJECT_UEVENT),
        )?;
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, KERNEL_GROUP))?;
        Ok(UeventSocket { fd })
    }

    /// Waits until a uevent about a block device arrives (true) or `deadline` passes
    /// (false). The wait is the socket's receive timeout (`setsockopt(SO_RCVTIMEO)`, then
    /// `recv(2)`) set to what is left; nothing sleeps on a fixed period.
    pub fn wait_block(&self, deadline: &Deadline) -> Result<bool, Errno> {
        let mut buf = [0u8; UEVENT_BYTES];
        loop {
            let Some(left) = deadline.left()? else {
                return Ok(false);
            };
            sockopt::set_socket_timeout(&self.fd, Timeout::Recv, Some(left))?;
            match rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::empty()) {
                Ok((n, _)) if is_block_event(&buf[..n.min(UEVENT_BYTES)]) => {
                    for _ in 0..DRAIN_MAX {
                        if rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::DONTWAIT).is_err() {
                            break;
                        }
                    }
                    return Ok(true);
                }
                Ok(_) | Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// True for a uevent message (`ACTION@DEVPATH`, then `KEY=VALUE` fields, NUL-separated)
/// about a block device.
pub fn is_block_event(msg: &[u8]) -> bool {
    msg.split(|&b| b == 0).any(|f| f == b"SUBSYSTEM=block")
}

/// A point in time on the monotonic clock: a one-shot timer (`timerfd_create(2)`,
/// `timerfd_settime(2)`) whose remaining time is read back with `timerfd_gettime(2)`.
pub struct Deadline {
    fd: OwnedFd,
}

impl Deadline {
    /// `secs` seconds from now (0: already passed).
    pub fn after(secs: u32) -> Result<Deadline, Errno> {
        let fd = rustix::time::timerfd_create(TimerfdClockId::Monotonic, TimerfdFlags::CLOEXEC)?;
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let value = Itimerspec {
            it_interval: zero,
            // A zero value would disarm the timer, so "now" is one nanosecond away.
            it_value: Timespec {
                tv_sec: secs as _,
                tv_nsec: (secs == 0) as _,
            },
        };
        rustix::time::timerfd_settime(&fd, TimerfdTimerFlags::empty(), &value)?;
        Ok(Deadline { fd })
    }

    /// The time left, or None once it has passed.
    pub fn left(&self) -> Result<Option<Duration>, Errno> {
        let v = rustix::time::timerfd_gettime(&self.fd)?.it_value;
        // SO_RCVTIMEO counts in microseconds; less than one is as good as passed.
        let left = Duration::new(v.tv_sec as u64, v.tv_nsec as u32);
        Ok((left.as_micros() > 0).then_some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_counts_down_and_passes() {
        let d = Deadline::after(5).unwrap();
        let left = d.left().unwrap().unwrap();
        assert!(left <= Duration::from_secs(5) && left > Duration::from_secs(4));
        let now = Deadline::after(0).unwrap();
        assert_eq!(now.left().unwrap(), None);
    }

    #[test]
    fn block_events_are_recognised() {
        let add = b"add@/devices/virtual/block/loop3\0ACTION=add\0DEVPATH=/devices/virtual/block/loop3\0SUBSYSTEM=block\0DEVNAME=loop3\0";
        assert!(is_block_event(add));
        let net = b"add@/devices/virtual/net/veth0\0ACTION=add\0SUBSYSTEM=net\0INTERFACE=veth0\0";
        assert!(!is_block_event(net));
        // A field that merely starts with the text does not count.
        assert!(!is_block_event(b"x\0SUBSYSTEM=blockish\0"));
    }
}
