//! FAT12/16/32 read without mounting: the boot sector, cluster chains through the FAT,
//! directories, and VFAT long names.
//!
//! The FAT type follows from the cluster count, as the specification says (fewer than 4085:
//! FAT12; fewer than 65525: FAT16; else FAT32). Chains are followed one FAT entry at a time
//! through a one-block cache; a chain that loops is caught by Brent's cycle detection, and
//! every cluster number is checked against the cluster count before it is used.
//! Names are matched without regard to ASCII case, as FAT does.

use super::{Drive, DriveError, DriveErrorKind, Name, Node, Storage, Tree, le};
use crate::limits::MAX_DRIVE_DIR_BYTES;

/// Bytes of one directory entry.
pub const ENTRY: usize = 32;
/// Bytes read at a time from a directory and cached from the FAT: every sector and cluster
/// size is a multiple of it.
const CHUNK: usize = 512;

/// Directory entry attributes.
pub const ATTR_VOLUME_ID: u8 = 0x08;
pub const ATTR_DIRECTORY: u8 = 0x10;
/// The attribute value that marks a VFAT long-name entry.
pub const ATTR_LONG_NAME: u8 = 0x0F;
/// Windows NT case flags (byte 12): base name / extension shown lower-case.
pub const NT_LOWER_BASE: u8 = 0x08;
pub const NT_LOWER_EXT: u8 = 0x10;
/// Long-name order byte: the last (first stored) entry of a long name.
pub const LFN_LAST: u8 = 0x40;
/// Most long-name entries for one name (255 UTF-16 units, 13 per entry).
const LFN_MAX_ENTRIES: usize = 20;

mod bs {
    use core::ops::Range;
    pub const JUMP: usize = 0;
    pub const BYTES_PER_SECTOR: Range<usize> = 11..13;
    pub const SECTORS_PER_CLUSTER: usize = 13;
    pub const RESERVED: Range<usize> = 14..16;
    pub const FATS: usize = 16;
    pub const ROOT_ENTRIES: Range<usize> = 17..19;
    pub const TOTAL16: Range<usize> = 19..21;
    pub const MEDIA: usize = 21;
    pub const FAT_SIZE16: Range<usize> = 22..24;
    pub const TOTAL32: Range<usize> = 32..36;
    /// FAT12/16 extended boot record.
    pub const SIGNATURE16: usize = 38;
    pub const LABEL16: Range<usize> = 43..54;
    /// FAT32 extended boot record.
    pub const FAT_SIZE32: Range<usize> = 36..40;
    pub const ROOT_CLUSTER: Range<usize> = 44..48;
    pub const SIGNATURE32: usize = 66;
    pub const LABEL32: Range<usize> = 71..82;
    pub const LEN: usize = 512;
}

/// The extended boot signature that says a volume label follows.
const EXTENDED_BOOT_SIGNATURE: u8 = 0x29;

mod de {
    use core::ops::Range;
    pub const NAME: Range<usize> = 0..11;
    pub const ATTR: usize = 11;
    pub const NT_CASE: usize = 12;
    pub const CLUSTER_HI: Range<usize> = 20..22;
    pub const CLUSTER_LO: Range<usize> = 26..28;
    pub const SIZE: Range<usize> = 28..32;
    /// Long-name entry fields.
    pub const ORDER: usize = 0;
    pub const CHECKSUM: usize = 13;
    pub const CHARS: [Range<usize>; 3] = [1..11, 14..26, 28..32];
}

/// The boot sector (BIOS parameter block).
pub struct BootSector<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> BootSector<T> {
    /// Checks the length, the jump instruction and that the BPB fields are plausible, which
    /// tells a FAT boot sector from a partition table or other data.
    pub fn new_checked(buffer: T) -> Result<Self, DriveErrorKind> {
        if buffer.as_ref().len() < bs::LEN {
            return Err(DriveErrorKind::Unrecognised);
        }
        let s = BootSector { buffer };
        let b = s.b();
        let bps = s.bytes_per_sector();
        let spc = s.sectors_per_cluster();
        let ok = matches!(b[bs::JUMP], 0xEB | 0xE9)
            && bps.is_power_of_two()
            && (512..=4096).contains(&bps)
            && spc.is_power_of_two()
            && s.reserved_sectors() != 0
            && s.fats() != 0
            && s.fat_size() != 0
            && s.total_sectors() != 0
            && (b[bs::MEDIA] >= 0xF8 || b[bs::MEDIA] == 0xF0);
        if !ok {
            return Err(DriveErrorKind::Unrecognised);
        }
        Ok(s)
    }
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    pub fn bytes_per_sector(&self) -> u16 {
        le(&self.b()[bs::BYTES_PER_SECTOR]) as u16
    }
    pub fn sectors_per_cluster(&self) -> u8 {
        self.b()[bs::SECTORS_PER_CLUSTER]
    }
    pub fn reserved_sectors(&self) -> u16 {
        le(&self.b()[bs::RESERVED]) as u16
    }
    pub fn fats(&self) -> u8 {
        self.b()[bs::FATS]
    }
    pub fn root_entries(&self) -> u16 {
        le(&self.b()[bs::ROOT_ENTRIES]) as u16
    }
    pub fn total_sectors(&self) -> u32 {
        match le(&self.b()[bs::TOTAL16]) {
            0 => le(&self.b()[bs::TOTAL32]) as u32,
            n => n as u32,
        }
    }
    /// True when the BPB has the FAT32 layout (the 16-bit FAT size is zero).
    pub fn is_fat32_layout(&self) -> bool {
        le(&self.b()[bs::FAT_SIZE16]) == 0
    }
    /// Sectors of one FAT.
    pub fn fat_size(&self) -> u32 {
        if self.is_fat32_layout() {
            le(&self.b()[bs::FAT_SIZE32]) as u32
        } else {
            le(&self.b()[bs::FAT_SIZE16]) as u32
        }
    }
    /// The FAT32 root directory's first cluster.
    pub fn root_cluster(&self) -> u32 {
        if self.is_fat32_layout() {
            le(&self.b()[bs::ROOT_CLUSTER]) as u32
        } else {
            0
        }
    }
    /// The volume label without its space padding, when the extended boot record has one.
    pub fn label(&self) -> Option<&[u8]> {
        label_of(self.b(), self.is_fat32_layout())
    }
}

/// The label of a boot sector (at least 512 bytes), empty when it has none.
pub fn boot_label(b: &[u8]) -> &[u8] {
    label_of(b, le(&b[bs::FAT_SIZE16]) == 0).unwrap_or(b"")
}

fn label_of(b: &[u8], fat32_layout: bool) -> Option<&[u8]> {
    let (sig, label) = if fat32_layout {
        (bs::SIGNATURE32, bs::LABEL32)
    } else {
        (bs::SIGNATURE16, bs::LABEL16)
    };
    (b[sig] == EXTENDED_BOOT_SIGNATURE).then(|| super::iso9660::trim_label(&b[label]))
}

/// The boot sector's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootRepr<'a> {
    pub bytes_per_sector: u16,
    pub sectors_per_cluster: u8,
    pub reserved_sectors: u16,
    pub fats: u8,
    pub root_entries: u16,
    pub total_sectors: u32,
    pub fat_size: u32,
    /// Non-zero selects the FAT32 layout.
    pub root_cluster: u32,
    pub label: Option<&'a [u8]>,
}

impl<'a> BootRepr<'a> {
    pub fn parse(s: &BootSector<&'a [u8]>) -> Self {
        let b: &'a [u8] = s.buffer;
        let label = label_of(b, s.is_fat32_layout());
        BootRepr {
            bytes_per_sector: s.bytes_per_sector(),
            sectors_per_cluster: s.sectors_per_cluster(),
            reserved_sectors: s.reserved_sectors(),
            fats: s.fats(),
            root_entries: s.root_entries(),
            total_sectors: s.total_sectors(),
            fat_size: s.fat_size(),
            root_cluster: s.root_cluster(),
            label,
        }
    }
    /// Writes the boot sector into a zeroed 512-byte `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[..3].copy_from_slice(&[0xEB, 0x3C, 0x90]);
        buf[bs::BYTES_PER_SECTOR].copy_from_slice(&self.bytes_per_sector.to_le_bytes());
        buf[bs::SECTORS_PER_CLUSTER] = self.sectors_per_cluster;
        buf[bs::RESERVED].copy_from_slice(&self.reserved_sectors.to_le_bytes());
        buf[bs::FATS] = self.fats;
        buf[bs::ROOT_ENTRIES].copy_from_slice(&self.root_entries.to_le_bytes());
        buf[bs::MEDIA] = 0xF8;
        buf[bs::TOTAL32].copy_from_slice(&self.total_sectors.to_le_bytes());
        let (sig, label) = if self.root_cluster != 0 {
            buf[bs::FAT_SIZE32].copy_from_slice(&self.fat_size.to_le_bytes());
            buf[bs::ROOT_CLUSTER].copy_from_slice(&self.root_cluster.to_le_bytes());
            (bs::SIGNATURE32, bs::LABEL32)
        } else {
            buf[bs::FAT_SIZE16].copy_from_slice(&(self.fat_size as u16).to_le_bytes());
            (bs::SIGNATURE16, bs::LABEL16)
        };
        if let Some(l) = self.label {
            buf[sig] = EXTENDED_BOOT_SIGNATURE;
            buf[label.clone()].fill(b' ');
            buf[label.start..label.start + l.len()].copy_from_slice(l);
        }
        buf[510..512].copy_from_slice(&[0x55, 0xAA]);
    }
}

/// A 32-byte directory entry: a short (8.3) entry or a VFAT long-name part.
pub struct DirEntry<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> DirEntry<T> {
    pub fn new_checked(buffer: T) -> Result<Self, DriveErrorKind> {
        if buffer.as_ref().len() < ENTRY {
            return Err(corrupt("directory entry truncated"));
        }
        Ok(DirEntry { buffer })
    }
    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }
    /// The 8.3 name, space-padded (`NAME    EXT`).
    pub fn short_name(&self) -> &[u8] {
        &self.b()[de::NAME]
    }
    pub fn attr(&self) -> u8 {
        self.b()[de::ATTR]
    }
    pub fn nt_case(&self) -> u8 {
        self.b()[de::NT_CASE]
    }
    pub fn cluster(&self) -> u32 {
        (le(&self.b()[de::CLUSTER_HI]) << 16 | le(&self.b()[de::CLUSTER_LO])) as u32
    }
    pub fn size(&self) -> u32 {
        le(&self.b()[de::SIZE]) as u32
    }
    pub fn is_long_name(&self) -> bool {
        self.attr() & 0x3F == ATTR_LONG_NAME
    }
    /// Long-name part: order byte (sequence number, `LFN_LAST` on the last part).
    pub fn order(&self) -> u8 {
        self.b()[de::ORDER]
    }
    /// Long-name part: checksum of the short name it belongs to.
    pub fn checksum(&self) -> u8 {
        self.b()[de::CHECKSUM]
    }
    /// Long-name part: its 13 UTF-16LE units, as 26 bytes.
    pub fn chars(&self, out: &mut [u8; 26]) {
        let mut n = 0;
        for r in de::CHARS {
            let part = &self.b()[r];
            out[n..n + part.len()].copy_from_slice(part);
            n += part.len();
        }
    }
}

/// A short directory entry's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntryRepr {
    pub name: [u8; 11],
    pub attr: u8,
    pub nt_case: u8,
    pub cluster: u32,
    pub size: u32,
}

impl DirEntryRepr {
    pub fn parse<T: AsRef<[u8]>>(e: &DirEntry<T>) -> Self {
        let mut name = [0; 11];
        name.copy_from_slice(e.short_name());
        DirEntryRepr {
            name,
            attr: e.attr(),
            nt_case: e.nt_case(),
            cluster: e.cluster(),
            size: e.size(),
        }
    }
    /// Writes the entry into a 32-byte `buf`.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[de::NAME].copy_from_slice(&self.name);
        buf[de::ATTR] = self.attr;
        buf[de::NT_CASE] = self.nt_case;
        buf[de::CLUSTER_HI].copy_from_slice(&((self.cluster >> 16) as u16).to_le_bytes());
        buf[de::CLUSTER_LO].copy_from_slice(&(self.cluster as u16).to_le_bytes());
        buf[de::SIZE].copy_from_slice(&self.size.to_le_bytes());
    }
}

/// The checksum of an 8.3 name that its long-name parts carry.
pub fn short_name_checksum(name: &[u8]) -> u8 {
    name.iter()
        .fold(0u8, |s, &c| s.rotate_right(1).wrapping_add(c))
}

/// Writes one long-name part (`order` counts from 1; `units` are its 13 UTF-16 units).
pub fn emit_long_name_part(buf: &mut [u8], order: u8, checksum: u8, units: &[u16; 13]) {
    buf[de::ORDER] = order;
    buf[de::ATTR] = ATTR_LONG_NAME;
    buf[de::CHECKSUM] = checksum;
    let mut i = 0;
    for r in de::CHARS {
        for at in r.step_by(2) {
            buf[at..at + 2].copy_from_slice(&units[i].to_le_bytes());
            i += 1;
        }
    }
}

#[cold]
fn corrupt(what: &'static str) -> DriveErrorKind {
    DriveErrorKind::Corrupt(what)
}

/// Where a directory's entries are.
#[derive(Debug, Clone, Copy)]
enum Dir {
    /// The FAT12/16 root: a fixed region (byte offset, bytes).
    Fixed(u64, u64),
    /// A cluster chain from this cluster.
    Chain(u32),
}

/// Follows a cluster chain, catching loops with Brent's algorithm: the chain is compared
/// with a mark that moves to the current cluster after 1, 2, 4, 8… steps.
struct Chain {
    cur: u32,
    mark: u32,
    power: u32,
    steps: u32,
}

impl Chain {
    fn new(first: u32) -> Chain {
        Chain {
            cur: first,
            mark: first,
            power: 1,
            steps: 0,
        }
    }

    /// The next cluster, or None at the end of the chain.
    fn next<S: Storage>(&mut self, fat: &mut FatImage<S>) -> Result<Option<u32>, DriveErrorKind> {
        let next = fat.entry(self.cur)?;
        if next >= fat.end_of_chain {
            return Ok(None);
        }
        fat.check_cluster(next)?;
        if next == self.mark {
            return Err(corrupt("loop in a FAT cluster chain"));
        }
        self.steps += 1;
        if self.steps == self.power {
            self.mark = next;
            self.power = self.power.saturating_mul(2);
            self.steps = 0;
        }
        self.cur = next;
        Ok(Some(next))
    }
}

/// A FAT12/16/32 filesystem read through positioned reads.
pub struct FatImage<S> {
    storage: S,
    /// 12, 16 or 32.
    bits: u8,
    fat_offset: u64,
    data_offset: u64,
    cluster_bytes: u32,
    /// Clusters in the data region (numbered from 2).
    clusters: u32,
    /// FAT values from this one on end a chain.
    end_of_chain: u32,
    root: Dir,
    cache: [u8; CHUNK],
    cache_offset: u64,
}

impl<S: Storage> FatImage<S> {
    /// Reads the boot sector and checks the geometry against itself and the image.
    pub fn open(mut storage: S) -> Result<Self, DriveErrorKind> {
        let mut sec = [0u8; bs::LEN];
        storage.read_at(0, &mut sec)?;
        let b = BootSector::new_checked(&sec[..])?;
        let bps = b.bytes_per_sector() as u64;
        let fat_offset = b.reserved_sectors() as u64 * bps;
        let root_offset = fat_offset + b.fats() as u64 * b.fat_size() as u64 * bps;
        let root_bytes = b.root_entries() as u64 * ENTRY as u64;
        let data_offset = root_offset + root_bytes.div_ceil(bps) * bps;
        let total = b.total_sectors() as u64 * bps;
        let cluster_bytes = bps * b.sectors_per_cluster() as u64;
        if data_offset >= total || cluster_bytes > 64 * 1024 {
            return Err(corrupt("impossible FAT geometry"));
        }
        if total > storage.len() {
            return Err(corrupt("filesystem larger than the image (truncated?)"));
        }
        let clusters = ((total - data_offset) / cluster_bytes).min(0x0FFF_FFF5) as u32;
        let (bits, end_of_chain) = match clusters {
            0..4085 => (12, 0xFF8),
            4085..65525 => (16, 0xFFF8),
            _ => (32, 0x0FFF_FFF8),
        };
        let root = if bits == 32 {
            Dir::Chain(b.root_cluster())
        } else if b.root_entries() == 0 || b.is_fat32_layout() {
            return Err(corrupt("FAT12/16 boot sector without a root directory"));
        } else {
            Dir::Fixed(root_offset, root_bytes)
        };
        let fat_needed = (clusters as u64 + 2) * bits as u64 / 8 + 1;
        if fat_needed > b.fat_size() as u64 * bps {
            return Err(corrupt("FAT too small for the clusters"));
        }
        let fat = FatImage {
            storage,
            bits,
            fat_offset,
            data_offset,
            cluster_bytes: cluster_bytes as u32,
            clusters,
            end_of_chain,
            root,
            cache: [0; CHUNK],
            cache_offset: u64::MAX,
        };
        if let Dir::Chain(c) = root {
            fat.check_cluster(c)?;
        }
        Ok(fat)
    }

    /// 12, 16 or 32.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The storage underneath (to read its counters).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    fn dir_of(&self, n: Node) -> Dir {
        if n.start == 0 {
            self.root
        } else {
            Dir::Chain(n.start)
        }
    }

    fn check_cluster(&self, c: u32) -> Result<(), DriveErrorKind> {
        if c < 2 || c - 2 >= self.clusters {
            return Err(corrupt("cluster number out of range"));
        }
        Ok(())
    }

    fn cluster_offset(&self, c: u32) -> u64 {
        self.data_offset + (c - 2) as u64 * self.cluster_bytes as u64
    }

    /// The FAT entry of cluster `c` (checked to be in range), through the block cache.
    fn entry(&mut self, c: u32) -> Result<u32, DriveErrorKind> {
        let (at, width) = match self.bits {
            12 => (c as u64 + c as u64 / 2, 2),
            16 => (c as u64 * 2, 2),
            _ => (c as u64 * 4, 4),
        };
        let at = self.fat_offset + at;
        if at < self.cache_offset || at + width > self.cache_offset + CHUNK as u64 {
            // A FAT12 entry may straddle two blocks: then the window starts at the entry.
            let mut start = at & !(CHUNK as u64 - 1);
            if at + width > start + CHUNK as u64 {
                start = at;
            }
            let end = (start + CHUNK as u64).min(self.storage.len());
            if at + width > end {
                return Err(super::beyond_end());
            }
            self.cache_offset = u64::MAX;
            self.storage
                .read_at(start, &mut self.cache[..(end - start) as usize])?;
            self.cache_offset = start;
        }
        let i = (at - self.cache_offset) as usize;
        let v = le(&self.cache[i..i + width as usize]) as u32;
        Ok(match self.bits {
            12 if c & 1 == 1 => v >> 4,
            12 => v & 0xFFF,
            16 => v,
            _ => v & 0x0FFF_FFFF,
        })
    }
}

/// The 8.3 name as shown: `NAME.EXT`, lower-cased where the NT case flags say so.
fn short_name<T: AsRef<[u8]>>(e: &DirEntry<T>, name: &mut Name) -> Result<(), DriveErrorKind> {
    let raw = e.short_name();
    let case = e.nt_case();
    let (base, ext) = raw.split_at(8);
    for (part, lower, dot) in [(base, NT_LOWER_BASE, false), (ext, NT_LOWER_EXT, true)] {
        let part = super::iso9660::trim_label(part);
        if dot && !part.is_empty() {
            name.push(b".")?;
        }
        let start = name.bytes().len();
        for (i, &c) in part.iter().enumerate() {
            // 0x05 stands for a leading 0xE5; bytes beyond ASCII depend on a code page.
            let c = if i == 0 && c == 0x05 { 0xE5 } else { c };
            name.push(if c < 0x80 {
                core::slice::from_ref(&c)
            } else {
                "\u{fffd}".as_bytes()
            })?;
        }
        if case & lower != 0 {
            name.lowercase_from(start);
        }
    }
    Ok(())
}

/// A VFAT long name being gathered from its parts, which come last part first.
struct LongName {
    units: [u8; LFN_MAX_ENTRIES * 26],
    /// The order number expected next (0: none in progress).
    expect: u8,
    parts: u8,
    checksum: u8,
}

impl LongName {
    fn new() -> LongName {
        LongName {
            units: [0; LFN_MAX_ENTRIES * 26],
            expect: 0,
            parts: 0,
            checksum: 0,
        }
    }
    fn reset(&mut self) {
        self.parts = 0;
        self.expect = 0;
    }
    fn add<T: AsRef<[u8]>>(&mut self, e: &DirEntry<T>) {
        let order = e.order();
        let n = order & 0x1F;
        if order & LFN_LAST != 0 {
            self.parts = n;
            self.expect = n;
            self.checksum = e.checksum();
        }
        if n == 0
            || n as usize > LFN_MAX_ENTRIES
            || n != self.expect
            || e.checksum() != self.checksum
        {
            self.reset();
            return;
        }
        let mut chars = [0u8; 26];
        e.chars(&mut chars);
        let at = (n as usize - 1) * 26;
        self.units[at..at + 26].copy_from_slice(&chars);
        self.expect = n - 1;
    }
    /// Puts the long name into `name` if all its parts were seen and it belongs to the
    /// short entry with this checksum.
    fn take(&mut self, checksum: u8, name: &mut Name) -> Result<bool, DriveErrorKind> {
        let complete = self.parts != 0 && self.expect == 0 && self.checksum == checksum;
        let parts = self.parts as usize;
        self.reset();
        if complete {
            name.push_utf16(&self.units[..parts * 26], false)?;
        }
        Ok(complete)
    }
}

impl<S: Storage> Tree for FatImage<S> {
    fn root(&self) -> Node {
        Node {
            start: 0,
            size: 0,
            dir: true,
            unsupported: false,
        }
    }

    fn ignores_case(&self) -> bool {
        true
    }

    fn scan(
        &mut self,
        dir: Node,
        visit: &mut dyn FnMut(&str, Node) -> bool,
    ) -> Result<Option<Node>, DriveErrorKind> {
        let mut chain = None;
        let (mut offset, mut run) = match self.dir_of(dir) {
            Dir::Fixed(o, len) => (o, len),
            Dir::Chain(c) => {
                self.check_cluster(c)?;
                chain = Some(Chain::new(c));
                (self.cluster_offset(c), self.cluster_bytes as u64)
            }
        };
        let mut block = [0u8; CHUNK];
        let mut name = Name::new();
        let mut long = LongName::new();
        let mut total = 0usize;
        loop {
            while run > 0 {
                total += CHUNK;
                if total > MAX_DRIVE_DIR_BYTES {
                    return Err(corrupt("directory larger than MAX_DRIVE_DIR_BYTES"));
                }
                let n = run.min(CHUNK as u64) as usize;
                self.storage.read_at(offset, &mut block[..n])?;
                for raw in block[..n].chunks_exact(ENTRY) {
                    let e = DirEntry::new_checked(raw)?;
                    match e.short_name()[0] {
                        0 => return Ok(None), // end of directory
                        0xE5 => {
                            long.reset(); // deleted
                            continue;
                        }
                        _ => {}
                    }
                    if e.is_long_name() {
                        long.add(&e);
                        continue;
                    }
                    let attr = e.attr();
                    if attr & ATTR_VOLUME_ID != 0 || e.short_name()[0] == b'.' {
                        long.reset();
                        continue;
                    }
                    name.clear();
                    if !long.take(short_name_checksum(e.short_name()), &mut name)? {
                        short_name(&e, &mut name)?;
                    }
                    let node = Node {
                        start: e.cluster(),
                        size: e.size(),
                        dir: attr & ATTR_DIRECTORY != 0,
                        unsupported: false,
                    };
                    if let Some(n) = name.as_str()
                        && visit(n, node)
                    {
                        return Ok(Some(node));
                    }
                }
                offset += CHUNK as u64;
                run = run.saturating_sub(CHUNK as u64);
            }
            let Some(ch) = chain.as_mut() else {
                return Ok(None);
            };
            let Some(c) = ch.next(self)? else {
                return Ok(None);
            };
            offset = self.cluster_offset(c);
            run = self.cluster_bytes as u64;
        }
    }

    fn read_node(&mut self, file: Node, buf: &mut [u8]) -> Result<(), DriveErrorKind> {
        let size = buf.len();
        if size == 0 {
            return Ok(());
        }
        self.check_cluster(file.start)?;
        let mut chain = Chain::new(file.start);
        let (mut c, mut done) = (file.start, 0usize);
        // Contiguous clusters are read with one pread.
        let (mut start, mut run) = (self.cluster_offset(c), 0usize);
        loop {
            run += (self.cluster_bytes as usize).min(size - done - run);
            let next = if done + run == size {
                None
            } else {
                Some(
                    chain
                        .next(self)?
                        .ok_or_else(|| corrupt("cluster chain shorter than the file"))?,
                )
            };
            if next != Some(c.wrapping_add(1)) {
                self.storage.read_at(start, &mut buf[done..done + run])?;
                done += run;
                run = 0;
                match next {
                    None => return Ok(()),
                    Some(n) => start = self.cluster_offset(n),
                }
            }
            c = next.unwrap_or(c);
        }
    }
}

impl<S: Storage> Drive for FatImage<S> {
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
    use std::string::String;
    use std::vec::Vec;

    /// A FAT12 image: 512-byte sectors, `spc` sectors a cluster, one reserved sector, one
    /// FAT sector, a one-sector root (16 entries), `total` sectors.
    struct Img {
        b: Vec<u8>,
        cluster: usize,
    }

    const DATA: usize = 3 * 512;

    impl Img {
        fn new(spc: u8, total: u32) -> Img {
            let mut b = std::vec![0u8; total as usize * 512];
            BootRepr {
                bytes_per_sector: 512,
                sectors_per_cluster: spc,
                reserved_sectors: 1,
                fats: 1,
                root_entries: 16,
                total_sectors: total,
                fat_size: 1,
                root_cluster: 0,
                label: Some(b"CONFIG-2"),
            }
            .emit(&mut b);
            Img {
                b,
                cluster: spc as usize * 512,
            }
        }
        /// Sets FAT12 entry `c`.
        fn set(&mut self, c: u32, v: u32) {
            let at = 512 + (c + c / 2) as usize;
            let old = u16::from_le_bytes([self.b[at], self.b[at + 1]]) as u32;
            let new = if c & 1 == 1 {
                (old & 0xF) | v << 4
            } else {
                (old & 0xF000) | v
            };
            self.b[at..at + 2].copy_from_slice(&(new as u16).to_le_bytes());
        }
        fn chain(&mut self, cs: &[u32]) {
            for w in cs.windows(2) {
                self.set(w[0], w[1]);
            }
            self.set(*cs.last().unwrap(), 0xFFF);
        }
        fn at(&self, c: u32) -> usize {
            DATA + (c as usize - 2) * self.cluster
        }
        /// Writes a short entry as the `i`-th of the directory at byte `dir`.
        fn entry(
            &mut self,
            dir: usize,
            i: usize,
            name: &[u8; 11],
            attr: u8,
            cluster: u32,
            size: u32,
        ) {
            DirEntryRepr {
                name: *name,
                attr,
                nt_case: 0,
                cluster,
                size,
            }
            .emit(&mut self.b[dir + i * ENTRY..]);
        }
        fn open(&self) -> FatImage<&[u8]> {
            FatImage::open(&self.b[..]).unwrap()
        }
    }

    const ROOT: usize = 2 * 512;

    /// A small valid FAT12 image with this boot-sector label (for other modules' tests).
    pub(crate) fn sample(label: &[u8]) -> Vec<u8> {
        let mut img = Img::new(1, 64);
        img.b[43..54].fill(b' ');
        img.b[43..43 + label.len()].copy_from_slice(label);
        img.b
    }

    fn names(d: &mut dyn Drive, path: &str) -> Result<Vec<String>, DriveErrorKind> {
        let mut v = Vec::new();
        d.list(path, &mut |n, _| v.push(n.into()))
            .map_err(|e| e.kind)?;
        Ok(v)
    }

    fn read(d: &mut dyn Drive, path: &str) -> Result<Option<Vec<u8>>, DriveErrorKind> {
        let mut buf = std::vec![0u8; 8192];
        match d.read(path, &mut buf) {
            Ok(n) => Ok(n.map(|n| buf[..n].to_vec())),
            Err(e) => Err(e.kind),
        }
    }

    /// The long-name parts of `name` for a short name with this checksum, last part first.
    fn long_parts(name: &str, sum: u8) -> Vec<[u8; 32]> {
        let mut units: Vec<u16> = name.encode_utf16().collect();
        units.push(0);
        while !units.len().is_multiple_of(13) {
            units.push(0xFFFF);
        }
        let n = units.len() / 13;
        (0..n)
            .rev()
            .map(|i| {
                let mut e = [0u8; 32];
                let order = (i + 1) as u8 | if i + 1 == n { LFN_LAST } else { 0 };
                emit_long_name_part(
                    &mut e,
                    order,
                    sum,
                    units[i * 13..][..13].try_into().unwrap(),
                );
                e
            })
            .collect()
    }

    #[test]
    fn entries_parse_what_they_emit() {
        let r = DirEntryRepr {
            name: *b"NETWOR~1JSO",
            attr: ATTR_DIRECTORY,
            nt_case: NT_LOWER_EXT,
            cluster: 0x0012_3456,
            size: 77,
        };
        let mut b = [0u8; 32];
        r.emit(&mut b);
        assert_eq!(
            DirEntryRepr::parse(&DirEntry::new_checked(&b[..]).unwrap()),
            r
        );
        assert!(DirEntry::new_checked(&b[..31]).is_err());
        let img = Img::new(1, 64);
        let boot = BootSector::new_checked(&img.b[..512]).unwrap();
        let repr = BootRepr::parse(&boot);
        assert_eq!(
            (repr.total_sectors, repr.label),
            (64, Some(&b"CONFIG-2"[..]))
        );
        let mut again = [0u8; 512];
        repr.emit(&mut again);
        assert_eq!(
            BootRepr::parse(&BootSector::new_checked(&again[..]).unwrap()),
            repr
        );
    }

    #[test]
    fn files_span_clusters_and_long_names_need_their_checksum() {
        let mut img = Img::new(1, 64);
        let content: Vec<u8> = (0..1300u32).map(|i| i as u8).collect();
        img.chain(&[2, 3, 5]);
        let (c2, c5) = (img.at(2), img.at(5));
        img.b[c2..c2 + 1024].copy_from_slice(&content[..1024]);
        img.b[c5..c5 + 276].copy_from_slice(&content[1024..]);
        let short = *b"NETWOR~1JSO";
        let sum = short_name_checksum(&short);
        let parts = long_parts("network_data.json", sum);
        assert_eq!(parts.len(), 2);
        for (i, p) in parts.iter().enumerate() {
            img.b[ROOT + i * 32..ROOT + i * 32 + 32].copy_from_slice(p);
        }
        img.entry(ROOT, 2, &short, 0, 2, 1300);
        img.entry(ROOT, 3, b"LABEL      ", ATTR_VOLUME_ID, 0, 0);
        img.entry(ROOT, 4, b"\xe5ELETED TXT", 0, 2, 1);
        img.b[ROOT + 5 * 32] = 0; // end of directory
        let mut fat = img.open();
        assert_eq!(fat.bits(), 12);
        assert_eq!(names(&mut fat, "").unwrap(), ["network_data.json"]);
        assert_eq!(
            read(&mut fat, "NETWORK_DATA.JSON").unwrap().unwrap(),
            content
        );

        // A part with the wrong checksum, or a missing part: the short name shows.
        let mut bad = img.b.clone();
        bad[ROOT + 32 + 13] ^= 1;
        let mut fat = FatImage::open(&bad[..]).unwrap();
        assert_eq!(names(&mut fat, "").unwrap(), ["NETWOR~1.JSO"]);
        let mut bad = img.b.clone();
        bad[ROOT..ROOT + 32].fill(0xE5);
        let mut fat = FatImage::open(&bad[..]).unwrap();
        assert_eq!(names(&mut fat, "").unwrap(), ["NETWOR~1.JSO"]);
        // NT case flags.
        let mut lower = img.b.clone();
        lower[ROOT + 2 * 32 + 12] = NT_LOWER_BASE | NT_LOWER_EXT;
        lower[ROOT..ROOT + 64].fill(0xE5);
        let mut fat = FatImage::open(&lower[..]).unwrap();
        assert_eq!(names(&mut fat, "").unwrap(), ["networ~1.jso"]);
    }

    #[test]
    fn broken_chains_give_typed_errors() {
        let mut img = Img::new(1, 64);
        img.entry(ROOT, 0, b"LOOP    BIN", 0, 2, 5 * 512);
        img.set(2, 3);
        img.set(3, 2);
        img.entry(ROOT, 1, b"SHORT   BIN", 0, 4, 1000);
        img.chain(&[4]);
        img.entry(ROOT, 2, b"FAR     BIN", 0, 4000, 10);
        img.entry(ROOT, 3, b"FREE    BIN", 0, 6, 1000);
        img.set(6, 0);
        img.entry(ROOT, 4, b"SUB        ", ATTR_DIRECTORY, 7, 0);
        img.set(7, 7);
        let at = img.at(7);
        img.b[at..at + 512].fill(0xE5);
        img.entry(ROOT, 5, b"BAD        ", ATTR_DIRECTORY, 1, 0);
        let mut fat = img.open();
        fn err<T>(r: Result<T, DriveErrorKind>, what: &str) {
            match r {
                Err(Corrupt(m)) => assert!(m.contains(what), "{m} (wanted {what})"),
                _ => panic!("wanted an error about {what}"),
            }
        }
        err(read(&mut fat, "loop.bin"), "loop");
        err(read(&mut fat, "short.bin"), "shorter");
        err(read(&mut fat, "far.bin"), "out of range");
        err(read(&mut fat, "free.bin"), "out of range");
        err(names(&mut fat, "sub"), "loop");
        err(names(&mut fat, "bad"), "out of range");
        assert_eq!(read(&mut fat, "sub"), Err(DriveErrorKind::NotAFile));
    }

    #[test]
    fn directories_beyond_the_limit_are_refused() {
        // 70 clusters of 32 KiB chained, full of deleted entries: 2.2 MiB of directory.
        let mut img = Img::new(64, 3 + 70 * 64);
        let chain: Vec<u32> = (2..72).collect();
        img.chain(&chain);
        img.b[DATA..].fill(0xE5);
        img.entry(ROOT, 0, b"BIG        ", ATTR_DIRECTORY, 2, 0);
        let mut fat = img.open();
        assert!(matches!(names(&mut fat, "big"), Err(Corrupt(m)) if m.contains("MAX_DRIVE_DIR")));
    }

    #[test]
    fn hostile_geometry_is_refused() {
        let img = Img::new(1, 64);
        // Truncated: the boot sector says 64 sectors.
        assert!(
            matches!(FatImage::open(&img.b[..20 * 512]), Err(Corrupt(m)) if m.contains("truncated"))
        );
        // Reserved sectors beyond the end.
        let mut b = img.b.clone();
        b[14] = 100;
        assert!(matches!(FatImage::open(&b[..]), Err(Corrupt(m)) if m.contains("geometry")));
        // A FAT32-layout boot sector (FAT size in the 32-bit field) on a small volume.
        let mut b = img.b.clone();
        b[22] = 0;
        b[36..40].copy_from_slice(&1u32.to_le_bytes());
        assert!(matches!(FatImage::open(&b[..]), Err(Corrupt(m)) if m.contains("root")));
        // A FAT too small for the clusters it must describe.
        let mut big = Img::new(1, 2000);
        big.b[22] = 1;
        assert!(matches!(FatImage::open(&big.b[..]), Err(Corrupt(m)) if m.contains("too small")));
        // Not FAT: zero sectors per cluster, a partition table, nothing.
        let mut b = img.b.clone();
        b[13] = 0;
        assert_eq!(
            FatImage::open(&b[..]).err(),
            Some(DriveErrorKind::Unrecognised)
        );
        let mut mbr = [0u8; 512];
        mbr[446] = 0x80;
        mbr[510..].copy_from_slice(&[0x55, 0xAA]);
        assert_eq!(
            FatImage::open(&mbr[..]).err(),
            Some(DriveErrorKind::Unrecognised)
        );
        assert!(FatImage::open(&[][..]).is_err());
    }
}
