//! Image files and block devices: positioned reads, recognising the filesystem from its
//! content (never from a name), and opening whatever `--drive` names.

use rustix::fd::OwnedFd;
use rustix::fs::{FileType, Mode, OFlags, SeekFrom};
use rustix::io::Errno;

use super::dir::DirDrive;
use super::fat::{BootSector, FatImage};
use super::iso9660::{self, Iso9660Image, Names, VolumeDescriptor};
use super::{Drive, DriveError, DriveErrorKind, Storage, beyond_end};

/// A file or block device read with `pread(2)`, which counts what it reads.
pub struct Image {
    fd: OwnedFd,
    len: u64,
    reads: u32,
    bytes: u64,
}

impl Image {
    /// Opens `path` read-only (`open(2)`).
    pub fn open(path: &str) -> Result<Image, Errno> {
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
        )?;
        Image::from_fd(fd)
    }

    /// Takes an open file or block device; its size comes from `lseek(2)` to the end,
    /// because `fstat` says 0 for a block device.
    pub fn from_fd(fd: OwnedFd) -> Result<Image, Errno> {
        let len = rustix::fs::seek(&fd, SeekFrom::End(0))?;
        Ok(Image {
            fd,
            len,
            reads: 0,
            bytes: 0,
        })
    }

    /// `pread` calls made so far.
    pub fn reads(&self) -> u32 {
        self.reads
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

impl Storage for Image {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DriveErrorKind> {
        if offset
            .checked_add(buf.len() as u64)
            .is_none_or(|end| end > self.len)
        {
            return Err(beyond_end());
        }
        let mut done = 0;
        while done < buf.len() {
            match rustix::io::pread(&self.fd, &mut buf[done..], offset + done as u64) {
                Ok(0) => return Err(DriveErrorKind::Corrupt("image ended early (truncated)")),
                Ok(n) => {
                    done += n;
                    self.reads += 1;
                    self.bytes += n as u64;
                }
                Err(Errno::INTR) => {}
                Err(e) => return Err(DriveErrorKind::Io(e)),
            }
        }
        Ok(())
    }
}

/// The filesystems the readers know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Iso9660,
    Fat,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Iso9660 => "ISO9660",
            Kind::Fat => "FAT",
        }
    }
}

/// Recognises ISO9660 (a primary volume descriptor at sector 16) or FAT (a boot sector),
/// reading only those two blocks into `buf`. Gives the kind and the label (the volume id or
/// the boot-sector label, without padding; a slice of `buf`), or None when it is neither.
pub fn identify<'b, S: Storage>(
    s: &mut S,
    buf: &'b mut [u8; iso9660::BLOCK],
) -> Result<Option<(Kind, &'b [u8])>, DriveErrorKind> {
    let mut kind = None;
    if s.len() >= iso9660::DESCRIPTORS_OFFSET + iso9660::BLOCK as u64 {
        s.read_at(iso9660::DESCRIPTORS_OFFSET, buf)?;
        if VolumeDescriptor::new_checked(&buf[..]).is_ok_and(|d| d.kind() == iso9660::VD_PRIMARY) {
            kind = Some(Kind::Iso9660);
        }
    }
    if kind.is_none() && s.len() >= 512 {
        s.read_at(0, &mut buf[..512])?;
        if BootSector::new_checked(&buf[..512]).is_ok() {
            kind = Some(Kind::Fat);
        }
    }
    let buf: &'b [u8] = buf;
    Ok(kind.map(|k| match k {
        Kind::Iso9660 => (k, iso9660::volume_id(buf)),
        Kind::Fat => (k, super::fat::boot_label(buf)),
    }))
}

/// A drive of any kind: what [`open`] and [`super::discover`] give.
// There is one per run and no heap to box the FAT reader's block cache in.
#[allow(clippy::large_enum_variant)]
pub enum AnyDrive {
    Dir(DirDrive),
    Iso9660(Iso9660Image<Image>),
    Fat(FatImage<Image>),
}

impl AnyDrive {
    /// Opens the filesystem `identify` found on `image`.
    pub fn from_image(image: Image, kind: Kind) -> Result<AnyDrive, DriveErrorKind> {
        Ok(match kind {
            Kind::Iso9660 => AnyDrive::Iso9660(Iso9660Image::open(image)?),
            Kind::Fat => AnyDrive::Fat(FatImage::open(image)?),
        })
    }

    /// What it is, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            AnyDrive::Dir(_) => "directory",
            AnyDrive::Iso9660(i) => match i.names() {
                Names::RockRidge => "ISO9660, Rock Ridge names",
                Names::Joliet => "ISO9660, Joliet names",
                Names::Plain => "ISO9660, plain names",
            },
            AnyDrive::Fat(f) => match f.bits() {
                12 => "FAT12",
                16 => "FAT16",
                _ => "FAT32",
            },
        }
    }

    /// The image underneath, for its read counters (None for a directory).
    pub fn image(&self) -> Option<&Image> {
        match self {
            AnyDrive::Dir(_) => None,
            AnyDrive::Iso9660(i) => Some(i.storage()),
            AnyDrive::Fat(f) => Some(f.storage()),
        }
    }

    fn inner(&mut self) -> &mut dyn Drive {
        match self {
            AnyDrive::Dir(d) => d,
            AnyDrive::Iso9660(i) => i,
            AnyDrive::Fat(f) => f,
        }
    }
}

impl Drive for AnyDrive {
    fn read(&mut self, path: &str, buf: &mut [u8]) -> Result<Option<usize>, DriveError> {
        self.inner().read(path, buf)
    }

    fn list(&mut self, path: &str, f: &mut dyn FnMut(&str, bool)) -> Result<(), DriveError> {
        self.inner().list(path, f)
    }
}

/// Opens `path` as a drive: a directory (a mounted or unpacked drive), or a block device or
/// image file holding ISO9660 or FAT, recognised from its content.
pub fn open(path: &str) -> Result<AnyDrive, DriveError> {
    let err = |k| DriveError::new(path, k);
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(|e| err(DriveErrorKind::Io(e)))?;
    let st = rustix::fs::fstat(&fd).map_err(|e| err(DriveErrorKind::Io(e)))?;
    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
        return Ok(AnyDrive::Dir(DirDrive::from_fd(fd)));
    }
    let mut image = Image::from_fd(fd).map_err(|e| err(DriveErrorKind::Io(e)))?;
    let (kind, _) = identify(&mut image, &mut [0; iso9660::BLOCK])
        .map_err(err)?
        .ok_or_else(|| err(DriveErrorKind::Unrecognised))?;
    AnyDrive::from_image(image, kind).map_err(err)
}
