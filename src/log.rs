//! Logging to stderr and to the kernel log.
//!
//! In early boot stderr is the console (initramfs-tools) or the journal (systemd), and
//! `/dev/kmsg` puts the line in `dmesg` and the journal. Each message is formatted into one
//! buffer first and written with one `write(2)`: /dev/kmsg turns every write into a record.
//! The kernel rate-limits /dev/kmsg writers (10 lines a burst by default), so only notices,
//! warnings and errors go there; details stay on stderr.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicI32, AtomicU8, Ordering};

use crate::limits::MAX_LOG_LINE_BYTES;
use crate::text::SliceWriter;

/// Severity, numbered as syslog priorities (the `<N>` prefix of /dev/kmsg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Error => "error: ",
            Level::Warning => "warning: ",
            Level::Notice | Level::Info => "",
            Level::Debug => "debug: ",
        }
    }
}

/// The /dev/kmsg descriptor, or -1 when the kernel log is not used.
static KMSG_FD: AtomicI32 = AtomicI32::new(-1);
/// The most detailed level written to stderr.
static STDERR_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);
/// The most detailed level written to /dev/kmsg.
#[cfg_attr(test, allow(dead_code))]
const KMSG_LEVEL: Level = Level::Notice;

/// Opens /dev/kmsg for writing; without it (no devtmpfs, no permission) logging goes to stderr
/// only. The descriptor stays open for the life of the process.
pub fn open_kmsg() {
    use rustix::fs::{Mode, OFlags, open};
    if let Ok(fd) = open(
        c"/dev/kmsg",
        OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    ) {
        let raw = rustix::fd::IntoRawFd::into_raw_fd(fd);
        KMSG_FD.store(raw, Ordering::Relaxed);
    }
}

/// Sets how much goes to stderr: `Level::Debug` for `--verbose`, `Level::Warning` for `--quiet`.
pub fn set_stderr_level(level: Level) {
    STDERR_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Writes one message at `level`.
pub fn log(level: Level, args: fmt::Arguments<'_>) {
    let mut buf = [0u8; MAX_LOG_LINE_BYTES + 16];
    let mut w = SliceWriter::new(&mut buf);
    // The kmsg priority prefix is written first and skipped for stderr.
    w.push_bytes(&[b'<', b'0' + level as u8, b'>']);
    let prefix = w.len();
    w.push_bytes(b"configdrive-net: ");
    w.push_bytes(level.label().as_bytes());
    let _ = w.write_fmt(args);
    if w.overflowed() || w.len() > MAX_LOG_LINE_BYTES {
        w.truncate_to_char_boundary(MAX_LOG_LINE_BYTES - 4);
        w.push_bytes("…".as_bytes());
    }
    w.push_bytes(b"\n");
    let line = w.as_bytes();

    #[cfg(test)]
    {
        let _ = prefix;
        capture::push(
            level,
            core::str::from_utf8(line).unwrap_or("<invalid utf-8>"),
        );
    }
    #[cfg(not(test))]
    {
        if level as u8 <= STDERR_LEVEL.load(Ordering::Relaxed) {
            // SAFETY: fd 2 is only borrowed for this write; closing it is not our business.
            let stderr = unsafe { rustix::stdio::stderr() };
            write_all(stderr, line.get(prefix..).unwrap_or_default());
        }
        let kmsg = KMSG_FD.load(Ordering::Relaxed);
        if kmsg >= 0 && level <= KMSG_LEVEL {
            // SAFETY: the descriptor was opened by open_kmsg and is never closed.
            let fd = unsafe { rustix::fd::BorrowedFd::borrow_raw(kmsg) };
            write_all(fd, line);
        }
    }
}

/// Writes all of `bytes`, retrying short writes and EINTR; other errors are dropped (there is
/// nowhere left to report them).
pub fn write_all(fd: rustix::fd::BorrowedFd<'_>, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(0) => return,
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

pub fn error(args: fmt::Arguments<'_>) {
    log(Level::Error, args)
}
pub fn warn(args: fmt::Arguments<'_>) {
    log(Level::Warning, args)
}
pub fn notice(args: fmt::Arguments<'_>) {
    log(Level::Notice, args)
}
pub fn info(args: fmt::Arguments<'_>) {
    log(Level::Info, args)
}
pub fn debug(args: fmt::Arguments<'_>) {
    log(Level::Debug, args)
}

/// `error!`, `warn!`, `notice!`, `info!`, `debug!`: format-style logging.
#[macro_export]
macro_rules! error { ($($t:tt)*) => { $crate::log::error(format_args!($($t)*)) } }
#[macro_export]
macro_rules! warn { ($($t:tt)*) => { $crate::log::warn(format_args!($($t)*)) } }
#[macro_export]
macro_rules! notice { ($($t:tt)*) => { $crate::log::notice(format_args!($($t)*)) } }
#[macro_export]
macro_rules! info { ($($t:tt)*) => { $crate::log::info(format_args!($($t)*)) } }
#[macro_export]
macro_rules! debug { ($($t:tt)*) => { $crate::log::debug(format_args!($($t)*)) } }

/// Unit tests read what was logged on their own thread instead of seeing it on stderr.
#[cfg(test)]
pub mod capture {
    use super::Level;
    use std::cell::RefCell;
    use std::string::String;
    use std::vec::Vec;

    std::thread_local! {
        static LINES: RefCell<Vec<(Level, String)>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn push(level: Level, line: &str) {
        let text = line
            .split_once("configdrive-net: ")
            .map_or(line, |(_, t)| t);
        LINES.with(|l| l.borrow_mut().push((level, String::from(text.trim_end()))));
    }

    /// Takes the lines logged on this thread so far.
    pub fn take() -> Vec<(Level, String)> {
        LINES.with(|l| core::mem::take(&mut *l.borrow_mut()))
    }

    /// True if a line at `level` containing `needle` was logged on this thread.
    pub fn logged(level: Level, needle: &str) -> bool {
        LINES.with(|l| {
            l.borrow()
                .iter()
                .any(|(lv, t)| *lv == level && t.contains(needle))
        })
    }
}
