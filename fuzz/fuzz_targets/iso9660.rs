//! The ISO9660 reader on arbitrary images. The input is the image from sector 16 (the
//! first volume descriptor) on; the system area before it is zeros.
#![no_main]

mod common;

use configdrive_net::drive::iso9660::{DESCRIPTORS_OFFSET, Iso9660Image};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let image = common::Sparse {
        data,
        start: DESCRIPTORS_OFFSET,
        len: DESCRIPTORS_OFFSET + data.len() as u64,
    };
    if let Ok(mut iso) = Iso9660Image::open(image) {
        common::walk(&mut iso);
    }
});
