//! What the drive fuzz targets share: an image made of the fuzzer's bytes placed at an
//! offset inside a larger, otherwise zero image, and a walk that lists and reads
//! everything a reader shows.

use configdrive_net::drive::{Drive, DriveErrorKind, Storage};

/// `data` placed at byte `start` of an image `len` bytes long; zeros elsewhere.
pub struct Sparse<'a> {
    pub data: &'a [u8],
    pub start: u64,
    pub len: u64,
}

impl Storage for Sparse<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DriveErrorKind> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|&e| e <= self.len)
            .ok_or(DriveErrorKind::Corrupt("beyond the end"))?;
        buf.fill(0);
        let (ds, de) = (self.start, self.start + self.data.len() as u64);
        let (from, to) = (offset.max(ds), end.min(de));
        if from < to {
            let src = &self.data[(from - ds) as usize..(to - ds) as usize];
            buf[(from - offset) as usize..(to - offset) as usize].copy_from_slice(src);
        }
        Ok(())
    }
}

/// Lists every directory (down to a few levels) and reads every file listed.
pub fn walk(d: &mut dyn Drive) {
    let mut buf = vec![0u8; 1 << 16];
    let mut dirs = vec![String::new()];
    let mut budget = 256; // entries visited, so one input stays fast
    while let Some(dir) = dirs.pop() {
        let mut entries = Vec::new();
        if d.list(&dir, &mut |n, is_dir| entries.push((n.to_string(), is_dir))).is_err() {
            continue;
        }
        for (name, is_dir) in entries {
            assert!(!name.is_empty());
            budget -= 1;
            if budget == 0 {
                return;
            }
            let path = if dir.is_empty() { name } else { format!("{dir}/{name}") };
            if is_dir {
                if path.matches('/').count() < 6 {
                    dirs.push(path);
                }
            } else if let Ok(Some(n)) = d.read(&path, &mut buf) {
                assert!(n <= buf.len());
            }
        }
    }
    // The paths the program itself asks for.
    for p in ["openstack/latest/network_data.json", "openstack/latest/meta_data.json"] {
        let _ = d.read(p, &mut buf[..4096]);
    }
}
