//! A fixed-capacity hash index of the configured addresses or routes by (interface index,
//! address, prefix length), so that marking what the kernel's dump already holds costs
//! O(dumped + configured) instead of their product: a second `apply` of 512 addresses and
//! 256 routes compared every dumped entry with every configured one (issue 9's benchmark).
//!
//! Open addressing with linear probing over twice the entries it can hold (the load stays at
//! most one half, so probe runs stay short). It only narrows the search: a lookup yields every
//! entry in the probe run of the key's slot, and the caller compares the entries themselves.

use crate::limits::{MAX_NETWORKS, MAX_ROUTES};
use crate::net::IpAddr;

const ENTRIES: usize = if MAX_NETWORKS > MAX_ROUTES {
    MAX_NETWORKS
} else {
    MAX_ROUTES
};
const SLOTS: usize = 2 * ENTRIES;

/// Entry numbers plus one; 0 is an empty slot.
pub struct Index {
    slots: [u16; SLOTS],
}

/// The slot a key starts its probe run at: the key folded into 32 bits, then mixed
/// (MurmurHash3's finaliser), so that addresses in sequence spread over the table.
pub fn key(ifindex: u32, addr: Option<IpAddr>, prefix: u8) -> usize {
    let a = match addr {
        Some(IpAddr::V4(a)) => u32::from(a),
        Some(IpAddr::V6(a)) => {
            let x = u128::from(a);
            (x ^ x >> 32 ^ x >> 64 ^ x >> 96) as u32
        }
        None => 0,
    };
    let mut k = a ^ ifindex.wrapping_mul(0x9e37_79b9) ^ u32::from(prefix) << 24;
    k = (k ^ k >> 16).wrapping_mul(0x85eb_ca6b);
    k = (k ^ k >> 13).wrapping_mul(0xc2b2_ae35);
    (k ^ k >> 16) as usize % SLOTS
}

impl Index {
    pub fn new() -> Index {
        Index { slots: [0; SLOTS] }
    }

    /// Adds entry `i` (below `ENTRIES`, as the configuration's bounds ensure) under `key`.
    pub fn insert(&mut self, key: usize, i: usize) {
        let mut s = key;
        for _ in 0..SLOTS {
            if let Some(slot @ 0) = self.slots.get_mut(s) {
                *slot = i as u16 + 1;
                return;
            }
            s = (s + 1) % SLOTS;
        }
    }

    /// Calls `f` with every entry that may have `key`: the probe run from its slot.
    pub fn candidates(&self, key: usize, f: &mut dyn FnMut(usize)) {
        let mut s = key;
        for _ in 0..SLOTS {
            match self.slots.get(s) {
                Some(0) | None => return,
                Some(&e) => f(usize::from(e) - 1),
            }
            s = (s + 1) % SLOTS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Ipv4Addr, Ipv6Addr};
    use std::vec::Vec;

    fn v4(a: u8, b: u8, c: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(10, a, b, c)))
    }

    #[test]
    fn every_entry_with_the_key_is_a_candidate() {
        let mut ix = Index::new();
        // Two entries with the same key (the same address configured twice), one with the
        // same address on another interface, one with another prefix length.
        ix.insert(key(3, v4(0, 0, 10), 24), 0);
        ix.insert(key(3, v4(0, 0, 10), 24), 1);
        ix.insert(key(4, v4(0, 0, 10), 24), 2);
        ix.insert(key(3, v4(0, 0, 10), 16), 3);
        let mut got = Vec::new();
        ix.candidates(key(3, v4(0, 0, 10), 24), &mut |i| got.push(i));
        assert!(got.contains(&0) && got.contains(&1), "{got:?}");
        let mut none = Vec::new();
        ix.candidates(key(9, v4(9, 9, 9), 8), &mut |i| none.push(i));
        assert!(none.iter().all(|&i| i <= 3), "{none:?}");
    }

    #[test]
    fn default_routes_of_both_families_are_found() {
        let mut ix = Index::new();
        ix.insert(key(2, None, 0), 0);
        ix.insert(key(2, None, 0), 1);
        let mut got = Vec::new();
        ix.candidates(key(2, None, 0), &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [0, 1]);
    }

    /// The point of the index: at full capacity (the benchmark's shape: 4 interfaces, half
    /// IPv4 /24s, half IPv6 /64s, addresses in sequence), looking every entry up visits a few
    /// candidates each, not all of them. Counted, not timed.
    #[test]
    fn lookups_at_capacity_visit_few_candidates() {
        let mut ix = Index::new();
        let mut keys = Vec::new();
        for i in 0..ENTRIES {
            let (nic, k) = ((i % 4) as u32 + 1, i / 4);
            let k = if i % 8 < 4 {
                key(nic, v4((k >> 8) as u8, k as u8, 10), 24)
            } else {
                let a = Ipv6Addr::new(0x2001, 0xdb8, nic as u16, k as u16, 0, 0, 0, 0x10);
                key(nic, Some(IpAddr::V6(a)), 64)
            };
            ix.insert(k, i);
            keys.push(k);
        }
        let mut visited = 0;
        let mut found = 0;
        for (i, &k) in keys.iter().enumerate() {
            ix.candidates(k, &mut |e| {
                visited += 1;
                found += usize::from(e == i);
            });
        }
        assert_eq!(found, ENTRIES, "every entry is found under its own key");
        assert!(
            visited <= 4 * ENTRIES,
            "{visited} candidates for {ENTRIES} lookups: the index no longer narrows"
        );
    }
}
