//! network_data.json on arbitrary bytes, the whole reading path: normalisation, the four
//! passes into the model, `finish`, naming and the plan. It must return a configuration or a
//! typed error, never panic or hang; and what it returns must hold together (every index in
//! range, every route on its network's link, bond members physical, VLAN parents resolved).
//!
//! cargo +nightly fuzz run network_data fuzz/corpus/network_data
#![no_main]

use configdrive_net::json::{Scratch, normalize};
use configdrive_net::log::{self, Level};
use configdrive_net::model::{Config, LinkKind, NetKind};
use configdrive_net::naming::{self, NicTable};
use configdrive_net::openstack::network_data;
use configdrive_net::plan::{self, Show};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;
use std::sync::Mutex;

/// The big buffers, allocated once (a fresh 1 MiB Scratch per input would dominate).
static STATE: Mutex<Option<(Box<Scratch>, Box<Config>)>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    log::set_stderr_level(Level::Error);
    let mut guard = STATE.lock().unwrap();
    let (scratch, cfg) = guard.get_or_insert_with(|| {
        // SAFETY: Scratch is plain byte arrays, valid when zeroed.
        (unsafe { Box::new_zeroed().assume_init() }, Box::new(Config::new()))
    });
    cfg.clear();
    let Ok(doc) = normalize(data, &mut scratch.normalized) else { return };
    let doc = doc.to_vec();
    // The root selector is exercised too: the first byte picks it.
    let root = if data.first() == Some(&b' ') { Some("network_info") } else { None };
    if network_data::parse(&doc, &mut scratch.unescape, root, "network_data.json", cfg).is_err() {
        return;
    }
    cfg.finish();
    let n = cfg.links.len();
    for l in cfg.links.iter() {
        if let LinkKind::Vlan { parent, .. } = l.kind {
            assert!((parent as usize) < n, "VLAN parent unresolved");
        }
        if let Some(m) = l.master {
            assert!(cfg.links[m as usize].is_bond() && l.is_physical());
        }
    }
    for net in cfg.networks.iter() {
        assert!((net.link as usize) < n);
        assert!(net.kind != NetKind::Static || net.address.is_some());
    }
    for r in cfg.routes.iter() {
        assert_eq!(cfg.network(r.network).link, r.link);
        assert_eq!(r.dest, r.dest.network(), "host bits cleared");
    }
    let Ok(names) = naming::resolve(cfg, &NicTable::new()) else { return };
    let mut out = String::new();
    plan::ops(cfg, |op| {
        let _ = writeln!(out, "{}", Show { op: &op, cfg, names: &names });
    });
});
