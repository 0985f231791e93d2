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
        volume_id(self.buffer.as_ref())
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

/// The volume id of a volume descriptor at least 72 bytes long, without its padding.
pub fn volume_id(descriptor: &[u8]) -> &[u8] {
    trim_label(&descriptor[vd::VOLUME_ID])
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
        // `NAME.EXT;1` -> `NAME.EXT`; `NAME.;1` and `NAME.` -> `NAME`, as Linux shows them.
        let b = name.bytes();
        let mut end = b.len();
        if let Some(i) = b.iter().rposition(|&c| c == b';')
            && b[i + 1..].iter().all(u8::is_ascii_digit)
        {
            end = i;
        }
        if end > 1 && b[end - 1] == b'.' {
            end -= 1;
        }
        name.truncate(end);
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::drive::DriveErrorKind::Corrupt;
    use std::vec::Vec;

    /// Where the tests put the root directory, a file and a Rock Ridge continuation area.
    const ROOT: u32 = 20;
    const FILE: u32 = 21;
    const CE: u32 = 23;

    /// A record as the tests write them.
    fn rec<'a>(
        name: &'a [u8],
        extent: u32,
        size: u32,
        flags: u8,
        su: &'a [u8],
    ) -> DirRecordRepr<'a> {
        DirRecordRepr {
            extent,
            ext_attr_len: 0,
            size,
            flags,
            interleaved: false,
            name,
            system_use: su,
        }
    }

    /// A small valid image with this volume id (for other modules' tests).
    pub(crate) fn sample(volume_id: &[u8]) -> Vec<u8> {
        let mut img = image(25, root(), false);
        dir(&mut img, ROOT as usize, &[]);
        img[16 * BLOCK + 40..16 * BLOCK + 72].fill(b' ');
        img[16 * BLOCK + 40..16 * BLOCK + 40 + volume_id.len()].copy_from_slice(volume_id);
        img
    }

    /// An image of `blocks` blocks: a primary descriptor with `root`, optionally a Joliet
    /// one (root at block 30), and a terminator.
    fn image(blocks: usize, root: DirRecordRepr<'_>, joliet: bool) -> Vec<u8> {
        let mut img = std::vec![0u8; blocks * BLOCK];
        let mut at = 16;
        let mut vd = |kind, joliet, root: DirRecordRepr<'_>| {
            let v = VolumeRepr {
                kind,
                volume_id: b"config-2",
                joliet,
                root,
            };
            v.emit(&mut img[at * BLOCK..(at + 1) * BLOCK]);
            at += 1;
        };
        vd(VD_PRIMARY, false, root);
        if joliet {
            vd(
                VD_SUPPLEMENTARY,
                true,
                rec(&[0], 30, 2048, FLAG_DIRECTORY, &[]),
            );
        }
        img[at * BLOCK] = VD_TERMINATOR;
        img[at * BLOCK + 1..at * BLOCK + 6].copy_from_slice(b"CD001");
        img
    }

    /// Writes `records` (after `.` and `..`) into directory block `block`.
    fn dir(img: &mut [u8], block: usize, records: &[DirRecordRepr<'_>]) {
        dir_su(img, block, &[], records)
    }

    /// The same with `dot_su` as the system use area of `.`.
    fn dir_su(img: &mut [u8], block: usize, dot_su: &[u8], records: &[DirRecordRepr<'_>]) {
        let mut at = block * BLOCK;
        let dots = [
            rec(&[0], block as u32, 2048, FLAG_DIRECTORY, dot_su),
            rec(&[1], ROOT, 2048, FLAG_DIRECTORY, &[]),
        ];
        for r in dots.iter().chain(records) {
            r.emit(&mut img[at..]);
            at += r.buffer_len();
        }
    }

    fn root() -> DirRecordRepr<'static> {
        rec(&[0], ROOT, 2048, FLAG_DIRECTORY, &[])
    }

    fn names(d: &mut dyn Drive, path: &str) -> Result<Vec<std::string::String>, DriveErrorKind> {
        let mut v = Vec::new();
        d.list(path, &mut |n, _| v.push(n.into()))
            .map_err(|e| e.kind)?;
        Ok(v)
    }

    fn read(d: &mut dyn Drive, path: &str) -> Result<Option<Vec<u8>>, DriveErrorKind> {
        let mut buf = [0u8; 4096];
        match d.read(path, &mut buf) {
            Ok(n) => Ok(n.map(|n| buf[..n].to_vec())),
            Err(e) => Err(e.kind),
        }
    }

    #[test]
    fn records_parse_what_they_emit() {
        let r = rec(b"NAME.TXT;1", 77, 1234, FLAG_DIRECTORY, b"NM\x05\x01\x00x");
        let mut buf = [0u8; 64];
        r.emit(&mut buf);
        let view = DirRecord::new_checked(&buf[..]).unwrap();
        assert_eq!(view.len(), r.buffer_len());
        assert_eq!(DirRecordRepr::parse(&view), r);
        // A length byte that leaves no room for the name, or runs past the buffer.
        buf[dr::LENGTH] = 35;
        assert!(DirRecord::new_checked(&buf[..]).is_err());
        buf[dr::LENGTH] = 60;
        assert!(DirRecord::new_checked(&buf[..50]).is_err());
        assert!(DirRecord::new_checked(&[][..]).is_err());
    }

    #[test]
    fn plain_names_lose_their_version_and_case() {
        let mut img = image(25, root(), false);
        dir(
            &mut img,
            ROOT as usize,
            &[
                rec(b"NETWORK_DATA.JSON;1", FILE, 5, 0, &[]),
                rec(b"NOEXT.;1", FILE, 2, 0, &[]),
                rec(b"NOVERSION.", FILE, 2, 0, &[]),
                rec(b"HIDDEN.;1", FILE, 2, FLAG_ASSOCIATED, &[]),
            ],
        );
        img[FILE as usize * BLOCK..FILE as usize * BLOCK + 5].copy_from_slice(b"hello");
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert_eq!(iso.names(), Names::Plain);
        assert_eq!(
            names(&mut iso, "").unwrap(),
            ["network_data.json", "noext", "noversion"]
        );
        assert_eq!(
            read(&mut iso, "network_data.json").unwrap().unwrap(),
            b"hello"
        );
        assert_eq!(read(&mut iso, "NETWORK_DATA.JSON").unwrap(), None);
    }

    #[test]
    fn rock_ridge_names_win_and_continue_in_ce_areas() {
        let sp = b"SP\x07\x01\xbe\xef\x00";
        let ce = |off: u32, len: u32| {
            let mut e = b"CE\x1c\x01".to_vec();
            for v in [CE, off, len] {
                e.extend_from_slice(&v.to_le_bytes());
                e.extend_from_slice(&v.to_be_bytes());
            }
            e
        };
        let mut img = image(26, root(), true);
        // `.` of the root carries SP; the file's NM continues in a CE area.
        let su = [&b"NM\x08\x01\x01net"[..], &ce(200, 9)].concat();
        dir_su(
            &mut img,
            ROOT as usize,
            sp,
            &[rec(b"NETWORK_.JSO;1", FILE, 5, 0, &su)],
        );
        let area = CE as usize * BLOCK + 200;
        img[area..area + 9].copy_from_slice(b"NM\x09\x01\x00work");
        img[FILE as usize * BLOCK..FILE as usize * BLOCK + 5].copy_from_slice(b"hello");
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert_eq!(iso.names(), Names::RockRidge);
        assert_eq!(names(&mut iso, "").unwrap(), ["network"]);
        assert_eq!(read(&mut iso, "network").unwrap().unwrap(), b"hello");

        // A CE area that continues into itself ends with an error, not a hang.
        let su = [&b"NM\x08\x01\x01net"[..], &ce(200, 28)].concat();
        dir_su(
            &mut img,
            ROOT as usize,
            sp,
            &[rec(b"NETWORK_.JSO;1", FILE, 5, 0, &su)],
        );
        img[area..area + 28].copy_from_slice(&ce(200, 28));
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("CONTINUATIONS")));
        // CE areas that pile name parts up past MAX_DRIVE_NAME_BYTES.
        let su = [&b"NM\x08\x01\x01net"[..], &ce(200, 278)].concat();
        dir_su(
            &mut img,
            ROOT as usize,
            sp,
            &[rec(b"NETWORK_.JSO;1", FILE, 5, 0, &su)],
        );
        let big = [&b"NM\xfa\x01\x01"[..], &[b'n'; 245], &ce(200, 278)].concat();
        img[area..area + 278].copy_from_slice(&big);
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("NAME_BYTES")));
    }

    #[test]
    fn joliet_names_are_ucs2_when_there_is_no_rock_ridge() {
        let mut img = image(32, root(), true);
        dir(
            &mut img,
            ROOT as usize,
            &[rec(b"CAFE.TXT;1", 31, 2, 0, &[])],
        );
        let name: Vec<u8> = "café;1".encode_utf16().flat_map(u16::to_be_bytes).collect();
        dir(&mut img, 30, &[rec(&name, 31, 2, 0, &[])]);
        img[31 * BLOCK..31 * BLOCK + 2].copy_from_slice(b"ok");
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert_eq!(iso.names(), Names::Joliet);
        assert_eq!(names(&mut iso, "").unwrap(), ["café"]);
        assert_eq!(read(&mut iso, "café").unwrap().unwrap(), b"ok");
    }

    #[test]
    fn hostile_images_give_typed_errors() {
        // Directory extents beyond the image, absurd and looping directories.
        let mut img = image(24, rec(&[0], ROOT, 5 * 2048, FLAG_DIRECTORY, &[]), false);
        dir(&mut img, ROOT as usize, &[]);
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("beyond the end")));

        let mut img = image(24, rec(&[0], ROOT, u32::MAX, FLAG_DIRECTORY, &[]), false);
        dir(&mut img, ROOT as usize, &[]);
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("MAX_DRIVE_DIR")));

        let mut img = image(25, root(), false);
        dir(
            &mut img,
            ROOT as usize,
            &[
                rec(b"LOOP", ROOT, 2048, FLAG_DIRECTORY, &[]),
                rec(b"FAR.BIN;1", 1 << 30, 100, 0, &[]),
                rec(b"HUGE.BIN;1", FILE, u32::MAX, 0, &[]),
                rec(b"SPLIT.BIN;1", FILE, 10, FLAG_MULTI_EXTENT, &[]),
            ],
        );
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        // The loop is walked only as deep as the path asks.
        let deep = "loop/".repeat(500) + "loop";
        assert_eq!(names(&mut iso, &deep).unwrap().len(), 4);
        assert!(matches!(read(&mut iso, "far.bin"), Err(Corrupt(m)) if m.contains("beyond")));
        assert_eq!(
            read(&mut iso, "huge.bin"),
            Err(DriveErrorKind::TooLarge { max: 4096 })
        );
        assert!(
            matches!(read(&mut iso, "split.bin"), Err(Corrupt(m)) if m.contains("multi-extent"))
        );

        // A record whose length runs past its sector, or is too short for its name.
        let mut img = image(25, root(), false);
        let filler = [0u8; 200];
        dir(
            &mut img,
            ROOT as usize,
            &[rec(b"A;1", FILE, 1, 0, &filler); 9],
        );
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("crossing")));
        img[ROOT as usize * BLOCK + 68] = 20;
        let mut iso = Iso9660Image::open(&img[..]).unwrap();
        assert!(matches!(names(&mut iso, ""), Err(Corrupt(m)) if m.contains("too short")));

        // Truncation: the image ends inside the descriptors or before the root.
        let img = image(25, root(), false);
        assert!(Iso9660Image::open(&img[..16 * BLOCK + 100]).is_err());
        assert!(matches!(
            Iso9660Image::open(&img[..ROOT as usize * BLOCK]),
            Err(Corrupt(_))
        ));

        // No primary descriptor, or a block size other than 2048.
        let mut img = image(25, root(), false);
        img[16 * BLOCK] = 3;
        assert!(matches!(Iso9660Image::open(&img[..]), Err(Corrupt(m)) if m.contains("primary")));
        let mut img = image(25, root(), false);
        img[16 * BLOCK + 129] = 4; // 1024
        assert!(matches!(Iso9660Image::open(&img[..]), Err(Corrupt(m)) if m.contains("2048")));
        // Not ISO9660 at all.
        assert_eq!(
            Iso9660Image::open(&[0u8; 40000][..]).err(),
            Some(DriveErrorKind::Unrecognised)
        );
    }
}
