//! The legacy interfaces-file parser on arbitrary bytes: it must return a configuration or a
//! typed error, never panic or hang; and what it returns must hold together for naming and
//! the plan (every index in range, every route on a network of its own link, every static
//! network with an address).
//!
//! cargo +nightly fuzz run interfaces fuzz/corpus/interfaces tests/corpus/nova
#![no_main]

use configdrive_net::log::{self, Level};
use configdrive_net::model::{Config, NetKind};
use configdrive_net::naming::{self, NicTable};
use configdrive_net::openstack::interfaces;
use configdrive_net::plan::{self, Show};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

fuzz_target!(|data: &[u8]| {
    log::set_stderr_level(Level::Error);
    let mut doc = data.to_vec();
    let mut cfg = Box::new(Config::new());
    if interfaces::parse(&mut doc, "openstack/content/0000", &mut cfg).is_err() {
        return;
    }
    cfg.finish();
    for n in cfg.networks.iter() {
        assert!((n.link as usize) < cfg.links.len());
        assert!(n.kind != NetKind::Static || n.address.is_some());
    }
    for r in cfg.routes.iter() {
        assert_eq!(cfg.network(r.network).link, r.link);
    }
    for d in cfg.dns_servers.iter() {
        assert!(d.link.is_none_or(|l| (l as usize) < cfg.links.len()));
    }
    let Ok(names) = naming::resolve(&cfg, &NicTable::new()) else {
        return;
    };
    let mut out = String::new();
    plan::ops(&cfg, |op| {
        let _ = writeln!(out, "{}", Show { op: &op, cfg: &cfg, names: &names });
    });
});
