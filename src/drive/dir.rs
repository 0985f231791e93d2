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
use crate::sys::{PATH_MAX, c_path};

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

pub struct DirDrive {
    root: OwnedFd,
}

impl DirDrive {
    /// Opens the directory at `path` as a drive.
    pub fn open(path: &str) -> Result<DirDrive, DriveError> {
        let mut buf = [0u8; PATH_MAX];
        let root = c_path(path, &mut buf)
            .and_then(|p| openat(rustix::fs::CWD, p, DIR_FLAGS, Mode::empty()))
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
        let mut buf = [0u8; PATH_MAX];
        match openat2(
            &self.root,
            c_path(path, &mut buf)?,
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
                DIR_FLAGS | OFlags::NOFOLLOW
            };
            let dir = cur.as_ref().map_or(self.root.as_fd(), |d| d.as_fd());
            let mut buf = [0u8; PATH_MAX];
            cur = Some(openat(dir, c_path(part, &mut buf)?, f, Mode::empty())?);
        }
        match cur {
            Some(fd) => Ok(fd),
            None => openat(&self.root, c".", flags, Mode::empty()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fallback walk (kernels without openat2) on its own: plain paths open, `..` and
    /// symlinks do not.
    #[test]
    fn walk_stays_inside_and_follows_no_symlink() {
        let dir = std::env::temp_dir().join(std::format!("cdn-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("openstack/latest")).unwrap();
        std::fs::write(dir.join("openstack/latest/meta_data.json"), b"{}").unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("openstack/etc")).unwrap();
        let d = DirDrive::open(dir.to_str().unwrap()).unwrap();
        let mut buf = [0u8; 8];
        let fd = d
            .walk("openstack//latest/meta_data.json", OFlags::RDONLY)
            .unwrap();
        assert_eq!(crate::sys::read_all(&fd, &mut buf), Ok(2));
        assert!(d.walk("", OFlags::RDONLY | OFlags::DIRECTORY).is_ok());
        assert_eq!(
            d.walk("openstack/../x", OFlags::RDONLY).err(),
            Some(Errno::PERM)
        );
        assert!(d.walk("openstack/etc/hostname", OFlags::RDONLY).is_err());
        assert!(d.walk("openstack/etc", OFlags::RDONLY).is_err());
        assert_eq!(
            d.walk("openstack/latest/nope", OFlags::RDONLY).err(),
            Some(Errno::NOENT)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
