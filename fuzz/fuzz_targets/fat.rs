//! The FAT reader on arbitrary images. The input is the start of an image that is 1 GiB
//! long, zeros after the input, so that FAT32 geometries (65525 clusters or more) are
//! reachable with small inputs.
#![no_main]

mod common;

use configdrive_net::drive::fat::FatImage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let image = common::Sparse {
        data,
        start: 0,
        len: 1 << 30,
    };
    if let Ok(mut fat) = FatImage::open(image) {
        common::walk(&mut fat);
    }
});
