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
    let mut p = PathBuf::new();
    for upper in [false, true] {
        p.clear();
        let _ = write!(p, "{}/", paths.by_label);
        // A missing link is the usual case: only --verbose mentions it.
        if udev_escape(&mut p, label, upper).is_ok()
            && let Some(d) = probe(&p, label, false)
        {
            return Some(d);
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
        p.clear();
        if write!(p, "{}/", paths.dev).is_err()
            || name
                .chars()
                .try_for_each(|c| p.push(if c == '!' { '/' } else { c }))
                .is_err()
        {
            continue;
        }
        // Size 0: no medium (an empty CD drive, an unbound loop device); not even opened.
        let mut size = PathBuf::new();
        let mut sectors = [0u8; 2];
        if write!(size, "{}/{name}/size", paths.sys_block).is_ok()
            && crate::sys::read_file(&size, &mut sectors) == Ok(2)
            && sectors == *b"0\n"
        {
            note(verbose, &p, format_args!("empty (no medium)"));
            continue;
        }
        if let Some(d) = probe(&p, label, verbose) {
            return Some(d);
        }
    }
    None
}

/// Reads the superblock of the device at `path` and opens it if its label is `label`.
fn probe(path: &str, label: &str, verbose: bool) -> Option<AnyDrive> {
    let mut image = match Image::open(path) {
        Ok(i) => i,
        Err(e) => {
            note(
                verbose,
                path,
                format_args!("cannot open: {}", crate::sys::ErrnoName(e)),
            );
            return None;
        }
    };
    let mut buf = [0; super::iso9660::BLOCK];
    let (kind, found) = match identify(&mut image, &mut buf) {
        Ok(Some(id)) => id,
        Ok(None) => {
            note(verbose, path, format_args!("no ISO9660 or FAT filesystem"));
            return None;
        }
        Err(k) => {
            note(
                verbose,
                path,
                format_args!("{}", DriveError::new("superblock", k)),
            );
            return None;
        }
    };
    let same = super::same_ignoring_case(found, label.as_bytes());
    let found = core::str::from_utf8(found).unwrap_or("\u{fffd}");
    if !same {
        note(
            verbose,
            path,
            format_args!("{} labelled {}", kind.name(), Quoted(found)),
        );
        return None;
    }
    match AnyDrive::from_image(image, kind) {
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

/// Appends `label` (upper-cased if `upper`) as udev names it under by-label: bytes other
/// than ASCII letters, digits, `#+-.:=@_` and UTF-8 beyond ASCII are written `\xNN`.
pub fn udev_escape(
    out: &mut PathBuf,
    label: &str,
    upper: bool,
) -> Result<(), heapless::CapacityError> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in label.chars() {
        let c = if upper { c.to_ascii_uppercase() } else { c };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::{fat, iso9660};
    use crate::log::{Level, capture};
    use std::format;
    use std::fs;
    use std::path::PathBuf as FsPath;
    use std::string::String;

    /// A fake `/sys/class/block`, `/dev` and by-label directory in a scratch directory.
    struct Tree(FsPath);

    impl Tree {
        fn new(tag: &str) -> Tree {
            let p = std::env::temp_dir().join(format!("cdn-discover-{}-{tag}", std::process::id()));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(p.join("sys")).unwrap();
            fs::create_dir_all(p.join("dev")).unwrap();
            Tree(p)
        }
        /// A block device `name` of `sectors` sectors; `image` is its content (None: no node).
        fn device(&self, name: &str, sectors: u64, image: Option<&[u8]>) {
            let d = self.0.join("sys").join(name);
            fs::create_dir_all(&d).unwrap();
            fs::write(d.join("size"), format!("{sectors}\n")).unwrap();
            if let Some(img) = image {
                fs::write(self.0.join("dev").join(name.replace('!', "/")), img).unwrap();
            }
        }
        fn link(&self, label: &str, target: &str) {
            let l = self.0.join("by-label");
            fs::create_dir_all(&l).unwrap();
            std::os::unix::fs::symlink(self.0.join("dev").join(target), l.join(label)).unwrap();
        }
        fn find(&self, label: &str) -> Option<AnyDrive> {
            let s = |p: &str| String::from(self.0.join(p).to_str().unwrap());
            let (by_label, sys_block, dev) = (s("by-label"), s("sys"), s("dev"));
            let paths = Paths {
                by_label: &by_label,
                sys_block: &sys_block,
                dev: &dev,
            };
            discover_in(&paths, label, 0)
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn probe_finds_the_label_in_any_case_and_says_why_others_were_rejected() {
        let t = Tree::new("probe");
        t.device("vda", 2048, Some(&fat::tests::sample(b"ROOTFS")));
        t.device("vdb", 100, Some(&iso9660::tests::sample(b"CONFIG-2")));
        t.device("sr0", 0, None);
        t.device("loop0", 8, Some(&[0x11; 4096]));
        t.device("nvme0n1", 8, None);
        let _ = capture::take();
        let d = t.find("config-2").expect("vdb is found");
        assert_eq!(d.describe(), "ISO9660, plain names");
        assert!(capture::logged(
            Level::Notice,
            "vdb: ISO9660, plain names labelled \"CONFIG-2\""
        ));
        // Every other device probed before it says why it was passed over (a directory
        // listing's order is not fixed, so only the ones seen are checked).
        let lines = capture::take();
        for (dev, why) in [
            ("vda", "FAT labelled \"ROOTFS\""),
            ("sr0", "empty (no medium)"),
            ("loop0", "no ISO9660 or FAT filesystem"),
            ("nvme0n1", "cannot open: ENOENT"),
        ] {
            let mine: std::vec::Vec<_> = lines
                .iter()
                .filter(|(_, l)| l.contains(&format!("/dev/{dev}:")))
                .collect();
            assert!(
                mine.iter()
                    .all(|(lv, l)| *lv == Level::Info && l.contains(why)),
                "{dev}: {why} in {mine:?}"
            );
        }
        // FAT stores labels upper-case; a FAT labelled CONFIG-2 is found for config-2.
        let t = Tree::new("fat");
        t.device("vdc", 64, Some(&fat::tests::sample(b"CONFIG-2")));
        assert_eq!(t.find("config-2").unwrap().describe(), "FAT12");
        // rd.configdrive.label= gives another label; config-2 is then passed over.
        assert!(t.find("other").is_none());
        assert!(capture::logged(
            Level::Error,
            "no config drive labelled \"other\""
        ));
    }

    #[test]
    fn by_label_links_come_first() {
        let t = Tree::new("links");
        t.device("vda", 100, Some(&iso9660::tests::sample(b"config-2")));
        t.device("vdb", 64, Some(&fat::tests::sample(b"CONFIG-2")));
        t.link("CONFIG-2", "vdb");
        let _ = capture::take();
        // The lower-case link is missing, the upper-case one leads to the FAT drive.
        assert_eq!(t.find("config-2").unwrap().describe(), "FAT12");
        assert!(!capture::logged(Level::Info, "probed"));
        // A link to something that is not a drive is passed over, and the probe goes on.
        t.link("config-2", "vdz");
        fs::write(t.0.join("dev/vdz"), [0u8; 100]).unwrap();
        let _ = fs::remove_file(t.0.join("by-label/CONFIG-2"));
        fs::write(t.0.join("dev/vdb"), fat::tests::sample(b"OTHER")).unwrap();
        assert_eq!(
            t.find("config-2").unwrap().describe(),
            "ISO9660, plain names"
        );
    }

    #[test]
    fn labels_are_escaped_as_udev_names_them() {
        let mut out = PathBuf::new();
        udev_escape(&mut out, "MY DRIVE/x_é", false).unwrap();
        assert_eq!(out.as_str(), "MY\\x20DRIVE\\x2fx_é");
        out.clear();
        udev_escape(&mut out, "config-2", true).unwrap();
        assert_eq!(out.as_str(), "CONFIG-2");
    }
}
