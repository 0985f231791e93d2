//! Small system helpers: whole-file reads, errno names.

use core::fmt;

use rustix::fd::AsFd;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

/// Why a whole-file read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    Io(Errno),
    /// The file does not fit the buffer.
    TooLarge,
}

/// Reads from `fd` until end of file into `buf`; a file that does not fit is an error.
pub fn read_all<Fd: AsFd>(fd: Fd, buf: &mut [u8]) -> Result<usize, ReadError> {
    let mut n = 0;
    loop {
        if n == buf.len() {
            // Full: one more byte tells whether the file was exactly this size.
            let mut probe = [0u8; 1];
            return match rustix::io::read(&fd, &mut probe) {
                Ok(0) => Ok(n),
                Ok(_) => Err(ReadError::TooLarge),
                Err(Errno::INTR) => continue,
                Err(e) => Err(ReadError::Io(e)),
            };
        }
        match rustix::io::read(&fd, &mut buf[n..]) {
            Ok(0) => return Ok(n),
            Ok(k) => n += k,
            Err(Errno::INTR) => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// Reads a whole file by path.
pub fn read_file(path: &str, buf: &mut [u8]) -> Result<usize, ReadError> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(ReadError::Io)?;
    read_all(&fd, buf)
}

/// Replaces the file at `path` with `data`, atomically: `<path>.tmp` is created exclusively
/// (a symlink there is not followed), written, fsync'd and renamed over `path`, so a reader
/// sees the old file or the new one, never half of one.
pub fn replace_file(path: &str, data: &[u8], mode: u32) -> Result<(), Errno> {
    use core::fmt::Write;
    let mut buf = [0u8; crate::limits::MAX_PATH_BYTES + 8];
    let mut w = crate::text::SliceWriter::new(&mut buf);
    let _ = write!(w, "{path}.tmp\0");
    let tmp =
        core::ffi::CStr::from_bytes_until_nul(w.as_bytes()).map_err(|_| Errno::NAMETOOLONG)?;
    let target = &w.as_bytes()[..path.len()];
    // A temporary left by an interrupted run.
    let _ = rustix::fs::unlink(tmp);
    let fd = rustix::fs::open(
        tmp,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(mode),
    )?;
    let r = write_all(&fd, data)
        .and_then(|_| rustix::fs::fsync(&fd))
        .and_then(|_| rustix::fs::rename(tmp, target));
    if r.is_err() {
        let _ = rustix::fs::unlink(tmp);
    }
    r
}

/// Writes all of `b`, retrying short writes and EINTR.
pub fn write_all<Fd: AsFd>(fd: Fd, mut b: &[u8]) -> Result<(), Errno> {
    while !b.is_empty() {
        match rustix::io::write(&fd, b) {
            Ok(0) => return Err(Errno::IO),
            Ok(n) => b = &b[n..],
            Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Displays an errno as its symbolic name and meaning, e.g. `EACCES (permission denied)`.
pub struct ErrnoName(pub Errno);

impl fmt::Display for ErrnoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, text) = errno_text(self.0);
        if name.is_empty() {
            write!(f, "errno {}", self.0.raw_os_error())
        } else {
            write!(f, "{name} ({text})")
        }
    }
}

/// The errnos this program can meet, by name; others are shown by number.
pub fn errno_text(e: Errno) -> (&'static str, &'static str) {
    match e {
        Errno::PERM => ("EPERM", "operation not permitted"),
        Errno::NOENT => ("ENOENT", "no such file or directory"),
        Errno::INTR => ("EINTR", "interrupted"),
        Errno::IO => ("EIO", "input/output error"),
        Errno::NXIO => ("ENXIO", "no such device or address"),
        Errno::TOOBIG => ("E2BIG", "argument list too long"),
        Errno::BADF => ("EBADF", "bad file descriptor"),
        Errno::AGAIN => ("EAGAIN", "try again"),
        Errno::NOMEM => ("ENOMEM", "out of memory"),
        Errno::ACCESS => ("EACCES", "permission denied"),
        Errno::FAULT => ("EFAULT", "bad address"),
        Errno::BUSY => ("EBUSY", "device or resource busy"),
        Errno::EXIST => ("EEXIST", "already exists"),
        Errno::XDEV => ("EXDEV", "cross-device link"),
        Errno::NODEV => ("ENODEV", "no such device"),
        Errno::NOTDIR => ("ENOTDIR", "not a directory"),
        Errno::ISDIR => ("EISDIR", "is a directory"),
        Errno::INVAL => ("EINVAL", "invalid argument"),
        Errno::NFILE => ("ENFILE", "too many open files in system"),
        Errno::MFILE => ("EMFILE", "too many open files"),
        Errno::FBIG => ("EFBIG", "file too large"),
        Errno::NOSPC => ("ENOSPC", "no space left on device"),
        Errno::ROFS => ("EROFS", "read-only file system"),
        Errno::MLINK => ("EMLINK", "too many links"),
        Errno::RANGE => ("ERANGE", "result out of range"),
        Errno::NAMETOOLONG => ("ENAMETOOLONG", "name too long"),
        Errno::NOSYS => ("ENOSYS", "not implemented by this kernel"),
        Errno::NOTEMPTY => ("ENOTEMPTY", "directory not empty"),
        Errno::LOOP => ("ELOOP", "too many symbolic links"),
        Errno::NODATA => ("ENODATA", "no data"),
        Errno::NOBUFS => ("ENOBUFS", "no buffer space available"),
        Errno::OPNOTSUPP => ("EOPNOTSUPP", "operation not supported"),
        Errno::AFNOSUPPORT => ("EAFNOSUPPORT", "address family not supported"),
        Errno::ADDRINUSE => ("EADDRINUSE", "address in use"),
        Errno::ADDRNOTAVAIL => ("EADDRNOTAVAIL", "address not available"),
        Errno::NETDOWN => ("ENETDOWN", "network is down"),
        Errno::NETUNREACH => ("ENETUNREACH", "network unreachable"),
        Errno::HOSTUNREACH => ("EHOSTUNREACH", "host unreachable"),
        Errno::TIMEDOUT => ("ETIMEDOUT", "timed out"),
        Errno::CONNREFUSED => ("ECONNREFUSED", "connection refused"),
        Errno::PROTONOSUPPORT => ("EPROTONOSUPPORT", "protocol not supported"),
        Errno::MSGSIZE => ("EMSGSIZE", "message too long"),
        Errno::NOTCONN => ("ENOTCONN", "not connected"),
        Errno::DOM => ("EDOM", "out of domain"),
        Errno::SRCH => ("ESRCH", "no such process"),
        Errno::NOTTY => ("ENOTTY", "not a terminal"),
        Errno::TXTBSY => ("ETXTBSY", "text file busy"),
        Errno::SPIPE => ("ESPIPE", "illegal seek"),
        Errno::PIPE => ("EPIPE", "broken pipe"),
        Errno::OVERFLOW => ("EOVERFLOW", "value too large"),
        Errno::STALE => ("ESTALE", "stale file handle"),
        _ => ("", ""),
    }
}

/// Milliseconds of `clock_gettime(CLOCK_MONOTONIC)`, made as a plain system call: rustix's
/// clock goes through the vDSO, whose ELF lookup costs more code than the rest of a wait.
pub fn monotonic_ms() -> u64 {
    let mut ts = [0i64; 2];
    #[cfg(target_arch = "x86_64")]
    // SAFETY: clock_gettime(2) writes one struct timespec (two i64 on x86_64) to `ts`.
    unsafe {
        core::arch::asm!("syscall", inlateout("rax") 228usize => _, in("rdi") 1usize,
            in("rsi") ts.as_mut_ptr(), lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        ts = [t.tv_sec as i64, t.tv_nsec as i64];
    }
    ts[0] as u64 * 1000 + ts[1] as u64 / 1_000_000
}
