//! meta_data.json on arbitrary bytes: a result or a typed error, never a panic; a hostname
//! that comes out is a valid one.
//!
//! cargo +nightly fuzz run meta_data fuzz/corpus/meta_data
#![no_main]

use configdrive_net::json::normalize;
use configdrive_net::log::{self, Level};
use configdrive_net::openstack::meta_data;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    log::set_stderr_level(Level::Error);
    let mut normalized = vec![0u8; data.len() * 3 + 16];
    let Ok(doc) = normalize(data, &mut normalized) else { return };
    let mut unescape = [0u8; 4096];
    if let Ok(md) = meta_data::parse(doc, &mut unescape, "meta_data.json") {
        if let Some(h) = md.hostname {
            assert!(!h.is_empty() && h.split('.').all(|l| !l.is_empty() && l.len() <= 63));
            assert!(h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
        }
    }
});
