//! For benches/drive.sh: opens a drive image N times and fetches
//! openstack/latest/network_data.json and meta_data.json, then prints the reads made and
//! bytes read (counted by the reader's own `Image`) and the mean time per open + fetch.
//!
//! Usage: drive_fetch IMAGE [ITERATIONS]

use std::time::Instant;

use configdrive_net::drive::{self, Drive};
use configdrive_net::limits::MAX_DOCUMENT_BYTES;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: drive_fetch IMAGE [ITERATIONS]");
    let n: u32 = args.get(2).map_or(1000, |s| s.parse().expect("iterations"));
    let mut buf = vec![0u8; MAX_DOCUMENT_BYTES];
    let (mut kind, mut reads, mut bytes, mut doc_bytes) = ("", 0, 0, 0);
    let start = Instant::now();
    for _ in 0..n {
        let mut d = drive::open(path).unwrap_or_else(|e| panic!("{e}"));
        doc_bytes = 0;
        for f in [
            "openstack/latest/network_data.json",
            "openstack/latest/meta_data.json",
        ] {
            let len = d.read(f, &mut buf).unwrap_or_else(|e| panic!("{e}"));
            doc_bytes += len.unwrap_or_else(|| panic!("{f}: not on the drive"));
        }
        let image = d.image().expect("an image, not a directory");
        (kind, reads, bytes) = (d.describe(), image.reads(), image.bytes_read());
    }
    let per = start.elapsed() / n;
    println!(
        "{path}: {kind}: {doc_bytes} bytes of documents; {reads} preads, {bytes} bytes read; {:.1} µs per open+fetch (mean of {n}, page cache warm)",
        per.as_secs_f64() * 1e6
    );
}
