//! Where the config drive's files come from: a mounted directory ([`dir::DirDrive`]), or a
//! block device or image file read without mounting ([`iso9660`], [`fat`]), found by
//! [`discover`] when no path is given.
//!
//! Everything above this module sees only [`Drive`]: read a file by its path inside the
//! drive, list a directory.

pub mod dir;
pub mod discover;
pub mod fat;
pub mod image;
pub mod iso9660;
pub mod uevent;

pub use discover::discover;
pub use image::{AnyDrive, open};

use core::fmt;

use rustix::io::Errno;

use crate::text::Text;

/// Bytes of a path inside the drive kept for messages.
pub const MAX_DRIVE_PATH_BYTES: usize = 160;

/// A config drive's files.
pub trait Drive {
    /// Reads the whole file at `path` (relative, `/`-separated) into `buf` and returns its
    /// length, or None if there is no such file. A file larger than `buf` is an error.
    fn read(&mut self, path: &str, buf: &mut [u8]) -> Result<Option<usize>, DriveError>;

    /// Calls `f(name, is_dir)` for each entry of directory `path` (not `.` or `..`).
    /// A missing directory has no entries.
    fn list(&mut self, path: &str, f: &mut dyn FnMut(&str, bool)) -> Result<(), DriveError>;
}

/// What went wrong reading the drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriveErrorKind {
    /// A system call failed.
    Io(Errno),
    /// The file is larger than the buffer it must fit (`MAX_DOCUMENT_BYTES`).
    TooLarge { max: usize },
    /// The filesystem image is damaged or hostile (what is wrong, briefly).
    Corrupt(&'static str),
    /// The path names something other than a regular file or directory.
    NotAFile,
    /// The path is neither a directory nor an ISO9660 or FAT filesystem.
    Unrecognised,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveError {
    /// The path inside the drive (or the drive itself) the error is about.
    pub path: Text<MAX_DRIVE_PATH_BYTES>,
    pub kind: DriveErrorKind,
}

impl DriveError {
    pub fn new(path: &str, kind: DriveErrorKind) -> Self {
        let mut p = Text::new();
        for c in path.chars() {
            if p.push(c).is_err() {
                break;
            }
        }
        DriveError { path: p, kind }
    }
}

impl fmt::Display for DriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        f.write_str(": ")?;
        match self.kind {
            DriveErrorKind::Io(e) => fmt::Display::fmt(&crate::sys::ErrnoName(e), f),
            DriveErrorKind::TooLarge { max } => {
                write!(f, "file larger than {max} bytes (MAX_DOCUMENT_BYTES)")
            }
            DriveErrorKind::Corrupt(what) => write!(f, "damaged filesystem image: {what}"),
            DriveErrorKind::NotAFile => f.write_str("not a regular file"),
            DriveErrorKind::Unrecognised => {
                f.write_str("neither a directory nor an ISO9660 or FAT filesystem")
            }
        }
    }
}

/// A file or directory inside an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// Where its data starts: an ISO9660 block, a FAT cluster (0: the FAT root).
    pub start: u32,
    /// Bytes of a file.
    pub size: u32,
    pub dir: bool,
    /// Recorded in a way the reader does not read (ISO9660 multi-extent or interleaved).
    pub unsupported: bool,
}

/// What an image reader provides. Walking paths, listing and reading on top of it are
/// shared ([`tree_read`], [`tree_list`]): paths are walked down from the root one component
/// at a time, so a directory that points back at an ancestor cannot make a walk loop.
pub trait Tree {
    fn root(&self) -> Node;
    /// Calls `visit(name, node)` for each entry of directory `dir` (not `.` or `..`) until
    /// it returns true; returns that node.
    fn scan(
        &mut self,
        dir: Node,
        visit: &mut dyn FnMut(&str, Node) -> bool,
    ) -> Result<Option<Node>, DriveErrorKind>;
    /// Reads file `file` whole into `buf`, which is exactly its size.
    fn read_node(&mut self, file: Node, buf: &mut [u8]) -> Result<(), DriveErrorKind>;
    /// True when names match without regard to ASCII case (FAT).
    fn ignores_case(&self) -> bool {
        false
    }
}

fn find(t: &mut dyn Tree, path: &str) -> Result<Option<Node>, DriveErrorKind> {
    let fold = t.ignores_case();
    let mut cur = t.root();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if !cur.dir {
            return Ok(None);
        }
        let same =
            |n: &str, _| n == part || (fold && same_ignoring_case(n.as_bytes(), part.as_bytes()));
        match t.scan(cur, &mut { same })? {
            Some(n) => cur = n,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// [`Drive::read`] for an image reader.
pub fn tree_read(
    t: &mut dyn Tree,
    path: &str,
    buf: &mut [u8],
) -> Result<Option<usize>, DriveError> {
    let max = buf.len();
    let mut read = || {
        let Some(n) = find(t, path)? else {
            return Ok(None);
        };
        if n.dir {
            return Err(DriveErrorKind::NotAFile);
        }
        let dst = buf
            .get_mut(..n.size as usize)
            .ok_or(DriveErrorKind::TooLarge { max })?;
        t.read_node(n, dst)?;
        Ok(Some(n.size as usize))
    };
    read().map_err(|k| DriveError::new(path, k))
}

/// [`Drive::list`] for an image reader.
pub fn tree_list(
    t: &mut dyn Tree,
    path: &str,
    f: &mut dyn FnMut(&str, bool),
) -> Result<(), DriveError> {
    let mut list = || match find(t, path)? {
        Some(dir) if dir.dir => t
            .scan(dir, &mut |n, node| {
                f(n, node.dir);
                false
            })
            .map(drop),
        _ => Ok(()),
    };
    list().map_err(|k| DriveError::new(path, k))
}

/// Bytes addressed by offset: an image file or block device ([`image::Image`]), or memory
/// (tests and fuzzing). The filesystem readers see nothing else.
pub trait Storage {
    /// Size in bytes.
    fn len(&self) -> u64;
    /// Fills `buf` from byte `offset`. A range beyond the end is an error, never a short read.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DriveErrorKind>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Storage for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DriveErrorKind> {
        let start = usize::try_from(offset).map_err(|_| beyond_end())?;
        let src = start
            .checked_add(buf.len())
            .and_then(|end| self.get(start..end))
            .ok_or_else(beyond_end)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

#[cold]
pub(crate) fn beyond_end() -> DriveErrorKind {
    DriveErrorKind::Corrupt("refers beyond the end of the image")
}

/// One file name decoded from a filesystem, as UTF-8.
pub struct Name {
    buf: [u8; crate::limits::MAX_DRIVE_NAME_BYTES],
    len: usize,
}

impl Name {
    pub const fn new() -> Name {
        Name {
            buf: [0; crate::limits::MAX_DRIVE_NAME_BYTES],
            len: 0,
        }
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    /// ASCII-lower-cases the name from byte `start` on.
    pub fn lowercase_from(&mut self, start: usize) {
        if let Some(b) = self.buf.get_mut(start..self.len) {
            b.make_ascii_lowercase();
        }
    }
    pub fn lowercase(&mut self) {
        self.lowercase_from(0);
    }
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
    /// The name as it can be listed and asked for: None if it is not UTF-8, empty, `.`,
    /// `..`, or holds a `/` or NUL (a damaged or hostile image).
    pub fn as_str(&self) -> Option<&str> {
        let b = self.bytes();
        if matches!(b, b"" | b"." | b"..") || b.iter().any(|&c| c == b'/' || c == 0) {
            return None;
        }
        core::str::from_utf8(b).ok()
    }
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), DriveErrorKind> {
        let end = self.len + bytes.len();
        let dst = self.buf.get_mut(self.len..end).ok_or_else(name_too_long)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
    /// Appends UTF-16 code units (big- or little-endian byte pairs) up to a NUL unit;
    /// unpaired surrogates become U+FFFD.
    pub fn push_utf16(&mut self, bytes: &[u8], big_endian: bool) -> Result<(), DriveErrorKind> {
        let units = bytes
            .chunks_exact(2)
            .map(|p| {
                let p = [p[0], p[1]];
                if big_endian {
                    u16::from_be_bytes(p)
                } else {
                    u16::from_le_bytes(p)
                }
            })
            .take_while(|&u| u != 0);
        for c in char::decode_utf16(units) {
            let mut b = [0u8; 4];
            self.push(c.unwrap_or('\u{fffd}').encode_utf8(&mut b).as_bytes())?;
        }
        Ok(())
    }
}

impl Default for Name {
    fn default() -> Self {
        Self::new()
    }
}

#[cold]
fn name_too_long() -> DriveErrorKind {
    DriveErrorKind::Corrupt("file name longer than MAX_DRIVE_NAME_BYTES")
}

/// ASCII case-insensitive equality (core's is vectorised, and larger).
pub fn same_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// Reads a little-endian integer of up to 8 bytes (`b.len()` of them).
pub(crate) fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0, |v, &x| (v << 8) | x as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decode_utf16_and_refuse_what_cannot_be_a_path_component() {
        let mut n = Name::new();
        // "é😀" then an unpaired surrogate, then NUL ends the name.
        let units = [0x00E9u16, 0xD83D, 0xDE00, 0xD800, 0x0000, 0x0041];
        let le: std::vec::Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        n.push_utf16(&le, false).unwrap();
        assert_eq!(n.as_str(), Some("é😀\u{fffd}"));
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b", b"\xff"] {
            n.clear();
            n.push(bad).unwrap();
            assert_eq!(n.as_str(), None, "{bad:?}");
        }
        n.clear();
        n.push(&[b'x'; crate::limits::MAX_DRIVE_NAME_BYTES])
            .unwrap();
        assert!(
            matches!(n.push(b"y"), Err(DriveErrorKind::Corrupt(m)) if m.contains("MAX_DRIVE_NAME_BYTES"))
        );
        assert!(same_ignoring_case(b"Config-2", b"CONFIG-2"));
        assert!(!same_ignoring_case(b"config-2", b"config-22"));
    }
}
