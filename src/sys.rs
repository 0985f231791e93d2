//! Small system helpers: paths as C strings, whole-file reads, errno names.

use core::ffi::CStr;
use core::fmt;

use rustix::fd::{AsFd, OwnedFd};
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
        match rustix::io::read(&fd, buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) => return Ok(n),
            Ok(k) => n += k,
            Err(Errno::INTR) => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// The longest path the kernel takes, with its NUL (PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// `path` as a C string in `buf`, for rustix's path arguments: rustix converts a `&str` with
/// code compiled again for every call (about 300 bytes each), a `&CStr` with none. Fails as
/// rustix's conversion does: ENAMETOOLONG past PATH_MAX, EINVAL for a NUL inside.
pub fn c_path<'b>(path: &str, buf: &'b mut [u8; PATH_MAX]) -> Result<&'b CStr, Errno> {
    let b = buf.get_mut(..=path.len()).ok_or(Errno::NAMETOOLONG)?;
    // (Zero first, then the bytes: a zip with the NUL chained on is 300 bytes of code.)
    b.fill(0);
    b.iter_mut().zip(path.bytes()).for_each(|(d, s)| *d = s);
    CStr::from_bytes_with_nul(b).map_err(|_| Errno::INVAL)
}

/// `open(2)` of a path with `flags` (and O_CLOEXEC, O_NOCTTY).
pub fn open(path: &str, flags: OFlags) -> Result<OwnedFd, Errno> {
    let mut buf = [0u8; PATH_MAX];
    let flags = flags | OFlags::CLOEXEC | OFlags::NOCTTY;
    rustix::fs::open(c_path(path, &mut buf)?, flags, Mode::empty())
}

/// Reads a whole file by path.
pub fn read_file(path: &str, buf: &mut [u8]) -> Result<usize, ReadError> {
    let fd = open(path, OFlags::RDONLY).map_err(ReadError::Io)?;
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
        match errno_entry(self.0) {
            Some(s) => f.write_str(s),
            None => write!(f, "errno {}", self.0.raw_os_error()),
        }
    }
}

/// The errnos this program can meet, by name; others are shown by number. As one string of
/// lines and a list of numbers: a table of string pointers would take twice the bytes.
macro_rules! errnos {
    ($($e:ident $name:literal $text:literal,)*) => {
        const ERRNO_CODES: &[u8] = &[$(Errno::$e.raw_os_error() as u8),*];
        const ERRNO_TEXT: &str = concat!($($name, " (", $text, ")\n"),*);
    };
}
errnos! {
    PERM "EPERM" "operation not permitted",
    NOENT "ENOENT" "no such file or directory",
    INTR "EINTR" "interrupted",
    IO "EIO" "input/output error",
    NXIO "ENXIO" "no such device or address",
    TOOBIG "E2BIG" "argument list too long",
    BADF "EBADF" "bad file descriptor",
    AGAIN "EAGAIN" "try again",
    NOMEM "ENOMEM" "out of memory",
    ACCESS "EACCES" "permission denied",
    FAULT "EFAULT" "bad address",
    BUSY "EBUSY" "device or resource busy",
    EXIST "EEXIST" "already exists",
    XDEV "EXDEV" "cross-device link",
    NODEV "ENODEV" "no such device",
    NOTDIR "ENOTDIR" "not a directory",
    ISDIR "EISDIR" "is a directory",
    INVAL "EINVAL" "invalid argument",
    NFILE "ENFILE" "too many open files in system",
    MFILE "EMFILE" "too many open files",
    FBIG "EFBIG" "file too large",
    NOSPC "ENOSPC" "no space left on device",
    ROFS "EROFS" "read-only file system",
    MLINK "EMLINK" "too many links",
    RANGE "ERANGE" "result out of range",
    NAMETOOLONG "ENAMETOOLONG" "name too long",
    NOSYS "ENOSYS" "not implemented by this kernel",
    NOTEMPTY "ENOTEMPTY" "directory not empty",
    LOOP "ELOOP" "too many symbolic links",
    NODATA "ENODATA" "no data",
    NOBUFS "ENOBUFS" "no buffer space available",
    OPNOTSUPP "EOPNOTSUPP" "operation not supported",
    AFNOSUPPORT "EAFNOSUPPORT" "address family not supported",
    ADDRINUSE "EADDRINUSE" "address in use",
    ADDRNOTAVAIL "EADDRNOTAVAIL" "address not available",
    NETDOWN "ENETDOWN" "network is down",
    NETUNREACH "ENETUNREACH" "network unreachable",
    HOSTUNREACH "EHOSTUNREACH" "host unreachable",
    TIMEDOUT "ETIMEDOUT" "timed out",
    CONNREFUSED "ECONNREFUSED" "connection refused",
    PROTONOSUPPORT "EPROTONOSUPPORT" "protocol not supported",
    MSGSIZE "EMSGSIZE" "message too long",
    NOTCONN "ENOTCONN" "not connected",
    DOM "EDOM" "out of domain",
    SRCH "ESRCH" "no such process",
    NOTTY "ENOTTY" "not a terminal",
    TXTBSY "ETXTBSY" "text file busy",
    SPIPE "ESPIPE" "illegal seek",
    PIPE "EPIPE" "broken pipe",
    OVERFLOW "EOVERFLOW" "value too large",
    STALE "ESTALE" "stale file handle",
}

/// `NAME (meaning)` of a known errno.
fn errno_entry(e: Errno) -> Option<&'static str> {
    let i = ERRNO_CODES
        .iter()
        .position(|&c| i32::from(c) == e.raw_os_error())?;
    ERRNO_TEXT.split('\n').nth(i)
}

/// The symbolic name and meaning of a known errno; `("", "")` for others.
pub fn errno_text(e: Errno) -> (&'static str, &'static str) {
    errno_entry(e)
        .and_then(|s| s.strip_suffix(')')?.split_once(" ("))
        .unwrap_or(("", ""))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_paths_fail_as_rustix_does() {
        let mut buf = [0u8; PATH_MAX];
        assert_eq!(c_path("/etc/hosts", &mut buf).unwrap(), c"/etc/hosts");
        assert_eq!(c_path("", &mut buf).unwrap(), c"");
        assert_eq!(c_path("a\0b", &mut buf), Err(Errno::INVAL));
        let long = "x".repeat(PATH_MAX - 1);
        assert_eq!(
            c_path(&long, &mut buf).unwrap().to_bytes().len(),
            PATH_MAX - 1
        );
        let longer = "x".repeat(PATH_MAX);
        assert_eq!(c_path(&longer, &mut buf), Err(Errno::NAMETOOLONG));
        // The same as rustix on a path it converts itself.
        assert_eq!(
            rustix::fs::open(longer.as_str(), OFlags::RDONLY, Mode::empty()).map(|_| ()),
            Err(Errno::NAMETOOLONG)
        );
        assert_eq!(
            rustix::fs::open("a\0b", OFlags::RDONLY, Mode::empty()).map(|_| ()),
            Err(Errno::INVAL)
        );
    }

    #[test]
    fn errnos_show_name_and_meaning() {
        let shown = |e| std::format!("{}", ErrnoName(e));
        assert_eq!(shown(Errno::ACCESS), "EACCES (permission denied)");
        assert_eq!(shown(Errno::PERM), "EPERM (operation not permitted)");
        assert_eq!(shown(Errno::STALE), "ESTALE (stale file handle)");
        assert_eq!(shown(Errno::from_raw_os_error(200)), "errno 200");
        assert_eq!(
            errno_text(Errno::NOENT),
            ("ENOENT", "no such file or directory")
        );
        assert_eq!(errno_text(Errno::from_raw_os_error(200)), ("", ""));
        // One line per number, and every number below 256 (they are stored as bytes).
        assert_eq!(ERRNO_TEXT.lines().count(), ERRNO_CODES.len());
        for &c in ERRNO_CODES {
            let (name, text) = errno_text(Errno::from_raw_os_error(c.into()));
            assert!(name.starts_with('E') && !text.is_empty(), "{c}");
        }
    }
}
