//! Where the config drive's files come from: a mounted directory ([`dir::DirDrive`]), and
//! (in the drive-reader modules) a block device or image file read without mounting.
//!
//! Everything above this module sees only [`Drive`]: read a file by its path inside the
//! drive, list a directory.

pub mod dir;

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
        }
    }
}
