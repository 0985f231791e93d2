//! Finding the config drive when no `--drive` is given.
//!
//! Each pass tries udev's links `/dev/disk/by-label/<label>` and `<LABEL>` first, then every
//! disk and partition listed in `/sys/class/block` (initramfs images without udev, and
//! CD-ROMs that initramfs-tools' udev never labels), reading only the superblock: the
//! ISO9660 volume id or the FAT boot-sector label, compared without regard to ASCII case
//! (FAT tools store labels upper-case). Between passes it waits for a block uevent, up to
//! the deadline. What was probed, and why each device was rejected, is logged: at info level
//! on the first pass, at debug level on the passes after a uevent.

use core::fmt::{self, Write};
use core::mem::MaybeUninit;

use rustix::fs::{Mode, OFlags, RawDir};

use super::DriveError;
use super::image::{AnyDrive, Image, identify};
use super::uevent::{Deadline, UeventSocket};
use crate::text::{Quoted, Text};

/// Where discovery looks; tests point it at a fake tree.
pub struct Paths<'a> {
    /// udev's label links.
    pub by_label: &'a str,
    /// One entry per disk and partition.
    pub sys_block: &'a str,
    /// Device nodes.
    pub dev: &'a str,
}

/// The real system's paths.
pub const SYSTEM: Paths<'static> = Paths {
    by_label: "/dev/disk/by-label",
    sys_block: "/sys/class/block",
    dev: "/dev",
};

/// The label nova and Ironic give the config drive.
pub const DEFAULT_LABEL: &str = "config-2";

type PathBuf = Text<256>;

/// Finds the drive labelled `label` (any ASCII case), waiting up to `timeout_secs` for it
/// to appear. None (after logging why) when there is none by then.
pub fn discover(label: &str, timeout_secs: u32) -> Option<AnyDrive> {
    discover_in(&SYSTEM, label, timeout_secs)
}

/// [`discover`] under other paths.
pub fn discover_in(paths: &Paths<'_>, label: &str, timeout_secs: u32) -> Option<AnyDrive> {
    // Listen before the first pass, so a device appearing during it is not missed.
    let wait = Deadline::after(timeout_secs).and_then(|d| Ok((UeventSocket::open()?, d)));
    let wait = match wait {
        Ok(w) => Some(w),
        Err(e) if timeout_secs > 0 => {
            crate::warn!(
                "cannot listen for block device events ({}): probing once",
                crate::sys::ErrnoName(e)
            );
            None
        }
        Err(_) => None,
    };
    let mut first = true;
    loop {
        if let Some(d) = probe_all(paths, label, first) {
            return Some(d);
        }
        if first && timeout_secs > 0 {
            crate::info!(
                "waiting up to {timeout_secs} s for a drive labelled {}",
                Quoted(label)
            );
        }
        first = false;
        match wait.as_ref().map(|(s, d)| s.wait_block(d)) {
            Some(Ok(true)) => crate::debug!("block device event: probing again"),
            Some(Err(e)) => {
                crate::warn!(
                    "waiting for block device events: {}",
                    crate::sys::ErrnoName(e)
                );
                break;
            }
            _ => break,
        }
    }
    crate::error!(
        "no config drive labelled {} found within {timeout_secs} s",
        Quoted(label)
    );
    None
}

/// One pass: udev's links, then every block device.
fn probe_all(paths: &Paths<'_>, label: &str, verbose: bool) -> Option<AnyDrive> {
    let mut upper: Text<64> = Text::new();
    for c in label.chars() {
        let _ = upper.push(c.to_ascii_uppercase());
    }
    for l in [label, upper.as_str()] {
        let mut p = PathBuf::new();
        let _ = write!(p, "{}/", paths.by_label);
        if udev_escape(&mut p, l).is_err() {
            continue;
        }
        match Image::open(&p) {
            Ok(image) => {
                if let Some(d) = try_device(&p, image, label, verbose) {
                    return Some(d);
                }
            }
            Err(e) => crate::debug!("{p}: {}", crate::sys::ErrnoName(e)),
        }
        if upper == label {
            break;
        }
    }

    let dir = match rustix::fs::open(
        paths.sys_block,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(d) => d,
        Err(e) => {
            crate::warn!("{}: {}", paths.sys_block, crate::sys::ErrnoName(e));
            return None;
        }
    };
    let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
    let mut entries = RawDir::new(&dir, &mut buf);
    while let Some(Ok(entry)) = entries.next() {
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        // The device node: `/dev/<name>`, where sysfs writes `/` as `!` (cciss!c0d0).
        let mut node = PathBuf::new();
        if write!(node, "{}/", paths.dev).is_err()
            || name
                .chars()
                .try_for_each(|c| node.push(if c == '!' { '/' } else { c }))
                .is_err()
        {
            continue;
        }
        if sectors(paths, name) == Some(0) {
            note(verbose, &node, format_args!("empty (no medium)"));
            continue;
        }
        match Image::open(&node) {
            Ok(image) => {
                if let Some(d) = try_device(&node, image, label, verbose) {
                    return Some(d);
                }
            }
            Err(e) => note(
                verbose,
                &node,
                format_args!("cannot open: {}", crate::sys::ErrnoName(e)),
            ),
        }
    }
    None
}

/// Reads the superblock of `image` and opens it if its label is `label`.
fn try_device(path: &str, mut image: Image, label: &str, verbose: bool) -> Option<AnyDrive> {
    let id = match identify(&mut image) {
        Ok(Some(id)) => id,
        Ok(None) => {
            note(verbose, path, format_args!("no ISO9660 or FAT filesystem"));
            return None;
        }
        Err(k) => {
            note(verbose, path, format_args!("{}", DriveError::new("", k)));
            return None;
        }
    };
    let found = core::str::from_utf8(id.label()).unwrap_or("\u{fffd}");
    if !id.label().eq_ignore_ascii_case(label.as_bytes()) {
        note(
            verbose,
            path,
            format_args!("{} labelled {}", id.kind.name(), Quoted(found)),
        );
        return None;
    }
    match AnyDrive::from_image(image, id.kind) {
        Ok(d) => {
            crate::notice!(
                "config drive {path}: {} labelled {}",
                d.describe(),
                Quoted(found)
            );
            Some(d)
        }
        Err(k) => {
            crate::warn!("{}", DriveError::new(path, k));
            None
        }
    }
}

/// Logs why a device was passed over.
fn note(verbose: bool, path: &str, why: fmt::Arguments<'_>) {
    if verbose {
        crate::info!("probed {path}: {why}");
    } else {
        crate::debug!("probed {path}: {why}");
    }
}

/// The device's size in 512-byte sectors from sysfs; None if it cannot be read.
fn sectors(paths: &Paths<'_>, name: &str) -> Option<u64> {
    let p: PathBuf = crate::text::format(format_args!("{}/{name}/size", paths.sys_block)).ok()?;
    let mut buf = [0u8; 24];
    let n = crate::sys::read_file(&p, &mut buf).ok()?;
    core::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

/// Appends `label` as udev names it under by-label: bytes other than ASCII letters,
/// digits, `#+-.:=@_` and UTF-8 beyond ASCII are written `\xNN`.
pub fn udev_escape(out: &mut PathBuf, label: &str) -> Result<(), heapless::CapacityError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in label.chars() {
        if c.is_ascii_alphanumeric()
            || matches!(c, '#' | '+' | '-' | '.' | ':' | '=' | '@' | '_')
            || !c.is_ascii()
        {
            out.push(c)?;
        } else {
            let b = c as usize;
            for e in [b'\\', b'x', HEX[b >> 4], HEX[b & 15]] {
                out.push(e as char)?;
            }
        }
    }
    Ok(())
}
