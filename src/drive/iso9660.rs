//! ISO9660 (ECMA-119) read without mounting: the volume descriptors, directories of any
//! number of sectors, and names from Rock Ridge (`NM`), Joliet (UCS-2) or plain ISO names.
//!
//! Which names: Rock Ridge when the root's first record carries the SUSP `SP` mark (nova's
//! `-r`), else Joliet when a Joliet supplementary descriptor exists (`-J`), else the plain
//! names with the `;1` version stripped and lower-cased, as Linux shows them (`map=normal`).
//! Paths are walked down from the root one component at a time, so a directory whose extent
//! points at an ancestor cannot make a lookup loop; every read is bounds-checked against the
//! image by [`Storage::read_at`].

use super::{Drive, DriveError, DriveErrorKind, Name, Node, Storage, Tree, le};
use crate::limits::{MAX_DRIVE_DIR_BYTES, MAX_ISO_DESCRIPTORS, MAX_RR_CONTINUATIONS};

/// Bytes of a logical block: the only size accepted (every real image uses it).
pub const BLOCK: usize = 2048;
/// Byte offset of the first volume descriptor (sectors 0-15 are the system area).
pub const DESCRIPTORS_OFFSET: u64 = 16 * BLOCK as u64;

/// Volume descriptor types (ECMA-119 8.1.1).
pub const VD_PRIMARY: u8 = 1;
pub const VD_SUPPLEMENTARY: u8 = 2;
pub const VD_TERMINATOR: u8 = 255;

/// Directory record flags (ECMA-119 9.1.6).
pub const FLAG_DIRECTORY: u8 = 0x02;
pub const FLAG_ASSOCIATED: u8 = 0x04;
pub const FLAG_MULTI_EXTENT: u8 = 0x80;

/// Rock Ridge `NM` flags: the entry names `.` or `..`.
const NM_CURRENT_OR_PARENT: u8 = 0x06;

mod vd {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    pub const MAGIC: Range<usize> = 1..6;
    pub const VERSION: usize = 6;
    pub const VOLUME_ID: Range<usize> = 40..72;
    pub const ESCAPES: Range<usize> = 88..91;
    pub const BLOCK_SIZE: Range<usize> = 128..130;
    pub const ROOT: Range<usize> = 156..190;
}

mod dr {
    use core::ops::Range;
    pub const LENGTH: usize = 0;
    pub const EXT_ATTR: usize = 1;
    pub const EXTENT: Range<usize> = 2..6;
    pub const SIZE: Range<usize> = 10..14;
    pub const FLAGS: usize = 25;
    pub const UNIT_SIZE: usize = 26;
    pub const GAP: usize = 27;
    pub const NAME_LEN: usize = 32;
    pub const NAME: usize = 33;
}

/// A volume descriptor: one 2048-byte sector from sector 16 on.
pub struct VolumeDescriptor<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VolumeDescriptor<T> {
    /// Checks the length and the `CD001` standard identifier.
    pub fn new_checked(buffer: T) -> Result<Self, DriveErrorKind> {
        let b = buffer.as_ref();
        if b.len() < BLOCK || b[vd::MAGIC] != *b"CD001" {
            return Err(DriveErrorKind::Unrecognised);
        }
        Ok(VolumeDescriptor { buffer })
    }
    pub fn kind(&self) -> u8 {
        self.buffer.as_ref()[vd::TYPE]
    }
    /// The volume identifier without its space padding.
    pub fn volume_id(&self) -> &[u8] {
        trim_label(&self.buffer.as_ref()[vd::VOLUME_ID])
    }
    pub fn block_size(&self) -> u16 {
        le(&self.buffer.as_ref()[vd::BLOCK_SIZE]) as u16
    }
    /// A Joliet supplementary descriptor: UCS-2 escape sequence `%/@`, `%/C` or `%/E`.
    pub fn is_joliet(&self) -> bool {
        let e = &self.buffer.as_ref()[vd::ESCAPES];
        self.kind() == VD_SUPPLEMENTARY && e[..2] == *b"%/" && matches!(e[2], b'@' | b'C' | b'E')
    }
    /// The root directory's record.
    pub fn root(&self) -> &[u8] {
        &self.buffer.as_ref()[vd::ROOT]
    }
}

/// A volume descriptor's contents that this reader uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeRepr<'a> {
    pub kind: u8,
    pub volume_id: &'a [u8],
    pub joliet: bool,
    pub root: DirRecordRepr<'a>,
}

impl<'a> VolumeRepr<'a> {
    pub fn parse(d: &'a VolumeDescriptor<&'a [u8]>) -> Result<Self, DriveErrorKind> {
        if d.block_size() as usize != BLOCK {
            return Err(corrupt("logical block size is not 2048"));
        }
        Ok(VolumeRepr {
            kind: d.kind(),
            volume_id: d.volume_id(),
            joliet: d.is_joliet(),
            root: DirRecordRepr::parse(&DirRecord::new_checked(d.root())?),
        })
    }
    /// Writes the descriptor into a zeroed 2048-byte `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[vd::TYPE] = self.kind;
        buf[vd::MAGIC].copy_from_slice(b"CD001");
        buf[vd::VERSION] = 1;
        let id = &mut buf[vd::VOLUME_ID];
        id.fill(b' ');
        id[..self.volume_id.len()].copy_from_slice(self.volume_id);
        if self.joliet {
            buf[vd::ESCAPES].copy_from_slice(b"%/E");
        }
        both_endian16(&mut buf[vd::BLOCK_SIZE.start..], BLOCK as u16);
        self.root.emit(&mut buf[vd::ROOT]);
    }
}

/// A directory record (ECMA-119 9.1): a length byte, then fixed fields, the name and the
/// system use area (Rock Ridge).
pub struct DirRecord<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> DirRecord<T> {
    /// Checks that the record, as long as its length byte says, fits `buffer` and holds
    /// its fixed fields and its name.
    pub fn new_checked(buffer: T) -> Result<Self, DriveErrorKind> {
        let b = buffer.as_ref();
        let len = *b.get(dr::LENGTH).unwrap_or(&0) as usize;
        if len < dr::NAME + 1 || len > b.len() || dr::NAME + (b[dr::NAME_LEN] as usize) > len {
            return Err(corrupt("directory record too short or crossing its sector"));
        }
        Ok(DirRecord { buffer })
    }
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    /// Bytes of the whole record.
    pub fn len(&self) -> usize {
        self.b()[dr::LENGTH] as usize
    }
    pub fn is_empty(&self) -> bool {
        false
    }
    pub fn ext_attr_len(&self) -> u8 {
        self.b()[dr::EXT_ATTR]
    }
    pub fn extent(&self) -> u32 {
        le(&self.b()[dr::EXTENT]) as u32
    }
    pub fn size(&self) -> u32 {
        le(&self.b()[dr::SIZE]) as u32
    }
    pub fn flags(&self) -> u8 {
        self.b()[dr::FLAGS]
    }
    /// True when the file is recorded interleaved (unit size or gap set).
    pub fn interleaved(&self) -> bool {
        self.b()[dr::UNIT_SIZE] != 0 || self.b()[dr::GAP] != 0
    }
    pub fn name(&self) -> &[u8] {
        &self.b()[dr::NAME..dr::NAME + self.b()[dr::NAME_LEN] as usize]
    }
    /// The system use area: after the name and its padding byte (present when the name's
    /// length is even).
    pub fn system_use(&self) -> &[u8] {
        let n = self.b()[dr::NAME_LEN] as usize;
        self.b()
            .get(dr::NAME + n + (1 - n % 2)..self.len())
            .unwrap_or(&[])
    }
}

/// A directory record's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirRecordRepr<'a> {
    pub extent: u32,
    pub ext_attr_len: u8,
    pub size: u32,
    pub flags: u8,
    pub interleaved: bool,
    pub name: &'a [u8],
    pub system_use: &'a [u8],
}

impl<'a> DirRecordRepr<'a> {
    pub fn parse(r: &DirRecord<&'a [u8]>) -> Self {
        let b: &'a [u8] = r.buffer;
        let n = b[dr::NAME_LEN] as usize;
        DirRecordRepr {
            extent: r.extent(),
            ext_attr_len: r.ext_attr_len(),
            size: r.size(),
            flags: r.flags(),
            interleaved: r.interleaved(),
            name: &b[dr::NAME..dr::NAME + n],
            system_use: b.get(dr::NAME + n + (1 - n % 2)..r.len()).unwrap_or(&[]),
        }
    }
    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let n = self.name.len();
        dr::NAME + n + (1 - n % 2) + self.system_use.len()
    }
    /// Writes the record into a zeroed buffer of at least `buffer_len()` bytes.
    pub fn emit(&self, buf: &mut [u8]) {
        let n = self.name.len();
        buf[dr::LENGTH] = self.buffer_len() as u8;
        buf[dr::EXT_ATTR] = self.ext_attr_len;
        both_endian32(&mut buf[dr::EXTENT.start..], self.extent);
        both_endian32(&mut buf[dr::SIZE.start..], self.size);
        buf[dr::FLAGS] = self.flags;
        buf[dr::UNIT_SIZE] = self.interleaved as u8;
        buf[dr::NAME_LEN] = n as u8;
        buf[dr::NAME..dr::NAME + n].copy_from_slice(self.name);
        let su = dr::NAME + n + (1 - n % 2);
        buf[su..su + self.system_use.len()].copy_from_slice(self.system_use);
    }
}

fn both_endian16(buf: &mut [u8], v: u16) {
    buf[..2].copy_from_slice(&v.to_le_bytes());
    buf[2..4].copy_from_slice(&v.to_be_bytes());
}

fn both_endian32(buf: &mut [u8], v: u32) {
    buf[..4].copy_from_slice(&v.to_le_bytes());
    buf[4..8].copy_from_slice(&v.to_be_bytes());
}

/// A label without its trailing space (or NUL) padding.
pub fn trim_label(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|&c| c != b' ' && c != 0)
        .map_or(0, |i| i + 1);
    &b[..end]
}

#[cold]
fn corrupt(what: &'static str) -> DriveErrorKind {
    DriveErrorKind::Corrupt(what)
}

/// Which names the image is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    RockRidge,
    Joliet,
    Plain,
}

fn node_of(r: &DirRecord<&[u8]>) -> Node {
    Node {
        start: r.extent().saturating_add(r.ext_attr_len() as u32),
        size: r.size(),
        dir: r.flags() & FLAG_DIRECTORY != 0,
        unsupported: r.flags() & FLAG_MULTI_EXTENT != 0 || r.interleaved(),
    }
}

fn offset(block: u32) -> u64 {
    block as u64 * BLOCK as u64
}

/// An ISO9660 image read through positioned reads.
pub struct Iso9660Image<S> {
    storage: S,
    root: Node,
    names: Names,
    /// Bytes to skip at the start of each system use area (SUSP `SP` `LEN_SKP`).
    skip: usize,
}

impl<S: Storage> Iso9660Image<S> {
    /// Reads the volume descriptors and picks the names to use.
    pub fn open(mut storage: S) -> Result<Self, DriveErrorKind> {
        let mut sec = [0u8; BLOCK];
        let (mut primary, mut joliet) = (None, None);
        for i in 0..MAX_ISO_DESCRIPTORS as u64 {
            storage.read_at(DESCRIPTORS_OFFSET + i * BLOCK as u64, &mut sec)?;
            let d = VolumeDescriptor::new_checked(&sec[..])?;
            match d.kind() {
                VD_TERMINATOR => break,
                VD_PRIMARY if primary.is_none() => primary = Some(root_of(&d)?),
                VD_SUPPLEMENTARY if d.is_joliet() && joliet.is_none() => {
                    joliet = Some(root_of(&d)?)
                }
                _ => {}
            }
        }
        let root = primary.ok_or_else(|| corrupt("no primary volume descriptor"))?;
        // SUSP: the root's `.` record starts its system use area with `SP` (magic BE EF).
        storage.read_at(offset(root.start), &mut sec)?;
        let sp = DirRecord::new_checked(&sec[..])?
            .system_use()
            .get(..7)
            .filter(|s| s[..4] == *b"SP\x07\x01" && s[4..6] == [0xBE, 0xEF])
            .map(|s| s[6] as usize);
        let (root, names, skip) = match (sp, joliet) {
            (Some(skip), _) => (root, Names::RockRidge, skip),
            (None, Some(j)) => (j, Names::Joliet, 0),
            (None, None) => (root, Names::Plain, 0),
        };
        Ok(Iso9660Image {
            storage,
            root,
            names,
            skip,
        })
    }

    pub fn names(&self) -> Names {
        self.names
    }

    /// The storage underneath (to read its counters).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Puts the record's name into `name`; says what Rock Ridge adds about it.
    fn decode_name(&mut self, r: &DirRecord<&[u8]>, name: &mut Name) -> Result<Rr, DriveErrorKind> {
        name.clear();
        let mut rr = Rr::default();
        if self.names == Names::RockRidge {
            self.rock_ridge(
                r.system_use().get(self.skip..).unwrap_or(&[]),
                name,
                &mut rr,
            )?;
            if rr.named {
                return Ok(rr);
            }
        }
        name.clear();
        if self.names == Names::Joliet {
            name.push_utf16(r.name(), true)?;
        } else {
            name.push(r.name())?;
            name.lowercase();
        }
        // `NAME.EXT;1` -> `NAME.EXT`; `NAME.;1` -> `NAME`.
        let b = name.bytes();
        if let Some(i) = b.iter().rposition(|&c| c == b';')
            && b[i + 1..].iter().all(u8::is_ascii_digit)
        {
            let cut = if i > 1 && b[i - 1] == b'.' { i - 1 } else { i };
            name.truncate(cut);
        }
        Ok(rr)
    }

    /// Reads the Rock Ridge entries of a system use area and its continuation areas (`CE`).
    fn rock_ridge(
        &mut self,
        su: &[u8],
        name: &mut Name,
        rr: &mut Rr,
    ) -> Result<(), DriveErrorKind> {
        let mut next = susp_entries(su, name, rr)?;
        let mut area = [0u8; BLOCK];
        let mut hops = 0;
        while let Some((offset, len)) = next {
            hops += 1;
            if hops > MAX_RR_CONTINUATIONS {
                return Err(corrupt(
                    "more than MAX_RR_CONTINUATIONS Rock Ridge continuations",
                ));
            }
            let buf = area
                .get_mut(..len)
                .ok_or_else(|| corrupt("Rock Ridge continuation longer than a block"))?;
            self.storage.read_at(offset, buf)?;
            next = susp_entries(buf, name, rr)?;
        }
        Ok(())
    }
}

fn root_of(d: &VolumeDescriptor<&[u8]>) -> Result<Node, DriveErrorKind> {
    if d.block_size() as usize != BLOCK {
        return Err(corrupt("logical block size is not 2048"));
    }
    let e = node_of(&DirRecord::new_checked(d.root())?);
    if !e.dir {
        return Err(corrupt("root is not a directory"));
    }
    Ok(e)
}

/// What Rock Ridge says about a record besides its name.
#[derive(Default)]
struct Rr {
    /// An `NM` name was found.
    named: bool,
    /// `CL`: a directory relocated (for depth) to this block stands here.
    child: u32,
    /// `RE`: this is such a relocated directory, shown only where its `CL` points from.
    relocated: bool,
}

/// Walks the SUSP entries of one area: appends `NM` name parts to `name`, notes `CL` and
/// `RE`, and returns the continuation area (`CE`: byte offset, length) if there is one.
fn susp_entries(
    area: &[u8],
    name: &mut Name,
    rr: &mut Rr,
) -> Result<Option<(u64, usize)>, DriveErrorKind> {
    let mut next = None;
    let mut rest = area;
    while let [a, b, len, _, ..] = *rest {
        let len = len as usize;
        if len < 4 || len > rest.len() {
            break; // padding, or damage: what was read so far stands
        }
        let data = &rest[4..len];
        rest = &rest[len..];
        match [a, b] {
            [b'N', b'M'] => {
                if let Some((&flags, part)) = data.split_first()
                    && flags & NM_CURRENT_OR_PARENT == 0
                {
                    name.push(part)?;
                    rr.named = true;
                }
            }
            [b'C', b'L'] if data.len() >= 4 => rr.child = le(&data[0..4]) as u32,
            [b'R', b'E'] => rr.relocated = true,
            [b'C', b'E'] if data.len() >= 24 => {
                let block = le(&data[0..4]);
                next = Some((
                    block * BLOCK as u64 + le(&data[8..12]),
                    le(&data[16..20]) as usize,
                ));
            }
            [b'S', b'T'] => break,
            _ => {}
        }
    }
    Ok(next)
}

impl<S: Storage> Tree for Iso9660Image<S> {
    fn root(&self) -> Node {
        self.root
    }

    fn scan(
        &mut self,
        dir: Node,
        visit: &mut dyn FnMut(&str, Node) -> bool,
    ) -> Result<Option<Node>, DriveErrorKind> {
        let mut sec = [0u8; BLOCK];
        let mut name = Name::new();
        let mut at = offset(dir.start);
        let mut left = dir.size as usize;
        if left == 0 {
            // A relocated directory (`CL`): its size is in its own `.` record.
            self.storage.read_at(at, &mut sec)?;
            left = DirRecord::new_checked(&sec[..])?.size() as usize;
        }
        if left > MAX_DRIVE_DIR_BYTES {
            return Err(corrupt("directory larger than MAX_DRIVE_DIR_BYTES"));
        }
        while left > 0 {
            self.storage.read_at(at, &mut sec)?;
            let end = left.min(BLOCK);
            let mut pos = 0;
            // Records never cross a sector; a zero length byte pads the rest of it.
            while pos < end && sec[pos] != 0 {
                let rec = DirRecord::new_checked(&sec[pos..end])?;
                pos += rec.len();
                if matches!(rec.name(), [0] | [1]) || rec.flags() & FLAG_ASSOCIATED != 0 {
                    continue;
                }
                let rr = self.decode_name(&rec, &mut name)?;
                if rr.relocated {
                    continue;
                }
                let mut node = node_of(&rec);
                if rr.child != 0 {
                    node = Node {
                        start: rr.child,
                        size: 0,
                        dir: true,
                        unsupported: false,
                    };
                }
                if let Some(n) = name.as_str()
                    && visit(n, node)
                {
                    return Ok(Some(node));
                }
            }
            left -= end;
            at += BLOCK as u64;
        }
        Ok(None)
    }

    fn read_node(&mut self, file: Node, buf: &mut [u8]) -> Result<(), DriveErrorKind> {
        if file.unsupported {
            return Err(corrupt("multi-extent or interleaved file"));
        }
        self.storage.read_at(offset(file.start), buf)
    }
}

impl<S: Storage> Drive for Iso9660Image<S> {
    fn read(&mut self, path: &str, buf: &mut [u8]) -> Result<Option<usize>, DriveError> {
        super::tree_read(self, path, buf)
    }

    fn list(&mut self, path: &str, f: &mut dyn FnMut(&str, bool)) -> Result<(), DriveError> {
        super::tree_list(self, path, f)
    }
}
