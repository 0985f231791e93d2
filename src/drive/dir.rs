//! A config drive that is already mounted (or unpacked) in a directory.
//!
//! Paths are resolved with `openat2(RESOLVE_IN_ROOT)`, so a symlink on the drive cannot
//! lead outside it; kernels without openat2 (before 5.6) get a component-by-component walk
//! that refuses symlinks.

use core::mem::MaybeUninit;

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{FileType, Mode, OFlags, RawDir, ResolveFlags, openat, openat2};
use rustix::io::Errno;

use super::{Drive, DriveError, DriveErrorKind};

pub struct DirDrive {
    root: OwnedFd,
}

impl DirDrive {
    /// Opens the directory at `path` as a drive.
    pub fn open(path: &str) -> Result<DirDrive, DriveError> {
        let root = openat(
            rustix::fs::CWD,
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| DriveError::new(path, DriveErrorKind::Io(e)))?;
        Ok(DirDrive { root })
    }

    /// Wraps an already open directory.
    pub fn from_fd(root: OwnedFd) -> DirDrive {
        DirDrive { root }
    }

    /// Opens `path` inside the drive, never leaving it.
    fn open_inside(&self, path: &str, flags: OFlags) -> Result<OwnedFd, Errno> {
        let flags = flags | OFlags::CLOEXEC | OFlags::NOCTTY;
        match openat2(
            &self.root,
            path,
            flags,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        ) {
            Err(Errno::NOSYS) => self.walk(path, flags),
            r => r,
        }
    }

    /// The fallback for kernels without openat2: one component at a time, no symlinks.
    fn walk(&self, path: &str, flags: OFlags) -> Result<OwnedFd, Errno> {
        let mut parts = path.split('/').filter(|c| !c.is_empty()).peekable();
        let mut cur: Option<OwnedFd> = None;
        while let Some(part) = parts.next() {
            if part == ".." {
                return Err(Errno::PERM);
            }
            let last = parts.peek().is_none();
            let f = if last {
                flags | OFlags::NOFOLLOW
            } else {
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
            };
            let dir = cur.as_ref().map_or(self.root.as_fd(), |d| d.as_fd());
            cur = Some(openat(dir, part, f, Mode::empty())?);
        }
        match cur {
            Some(fd) => Ok(fd),
            None => openat(&self.root, ".", flags, Mode::empty()),
        }
    }
}

impl Drive for DirDrive {
    fn read(&mut self, path: &str, buf: &mut [u8]) -> Result<Option<usize>, DriveError> {
        let err = |e| DriveError::new(path, DriveErrorKind::Io(e));
        let fd = match self.open_inside(path, OFlags::RDONLY) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::NOTDIR) => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        let st = rustix::fs::fstat(&fd).map_err(err)?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(DriveError::new(path, DriveErrorKind::NotAFile));
        }
        crate::sys::read_all(&fd, buf)
            .map(Some)
            .map_err(|e| match e {
                crate::sys::ReadError::Io(e) => err(e),
                crate::sys::ReadError::TooLarge => {
                    DriveError::new(path, DriveErrorKind::TooLarge { max: buf.len() })
                }
            })
    }

    fn list(&mut self, path: &str, f: &mut dyn FnMut(&str, bool)) -> Result<(), DriveError> {
        let err = |e| DriveError::new(path, DriveErrorKind::Io(e));
        let fd = match self.open_inside(path, OFlags::RDONLY | OFlags::DIRECTORY) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::NOTDIR) => return Ok(()),
            Err(e) => return Err(err(e)),
        };
        let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
        let mut dir = RawDir::new(&fd, &mut buf);
        while let Some(entry) = dir.next() {
            let entry = entry.map_err(err)?;
            let Ok(name) = entry.file_name().to_str() else {
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            let is_dir = match entry.file_type() {
                FileType::Directory => true,
                FileType::Unknown | FileType::Symlink => {
                    // d_type is not always filled in; ask, following links inside the drive only.
                    let mut p: crate::text::Text<256> = crate::text::Text::new();
                    let _ = core::fmt::Write::write_fmt(&mut p, format_args!("{path}/{name}"));
                    self.open_inside(&p, OFlags::RDONLY | OFlags::DIRECTORY)
                        .is_ok()
                }
                _ => false,
            };
            f(name, is_dir);
        }
        Ok(())
    }
}
