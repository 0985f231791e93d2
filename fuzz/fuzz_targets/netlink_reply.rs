//! Fuzzes the rtnetlink reply parser (src/wire/netlink.rs) with arbitrary datagrams:
//! parsing never panics, and whatever parses survives emit → parse unchanged.
//! `cargo +nightly fuzz run netlink_reply` (seeds: replies captured from a real kernel).
#![no_main]

use configdrive_net::wire::netlink::*;

fn reemit(f: impl FnOnce(&mut Emitter)) -> Vec<u8> {
    let mut buf = vec![0u8; 1 << 17];
    let mut e = Emitter::new(&mut buf);
    f(&mut e);
    let n = if e.overflowed() { 0 } else { e.len() };
    buf.truncate(n);
    buf
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for m in Messages::new(data) {
        let Ok(p) = m else { break };
        let _ = (p.seq(), p.pid());
        let b = p.payload();
        match p.kind() {
            RTM_NEWLINK | RTM_DELLINK => {
                if let Ok(l) = LinkRepr::parse(b) {
                    let _ = l.vlan_id();
                    let out = reemit(|e| l.emit(e));
                    if !out.is_empty() {
                        assert_eq!(LinkRepr::parse(&out), Ok(l));
                    }
                }
            }
            RTM_NEWADDR => {
                if let Ok(a) = AddrRepr::parse(b) {
                    assert_eq!(AddrRepr::parse(&reemit(|e| a.emit(e))), Ok(a));
                }
            }
            RTM_NEWROUTE => {
                if let Ok(r) = RouteRepr::parse(b) {
                    assert_eq!(RouteRepr::parse(&reemit(|e| r.emit(e))), Ok(r));
                }
            }
            NLMSG_ERROR => {
                if let Ok(r) = ErrorRepr::parse(p.flags(), b) {
                    let out = reemit(|e| r.emit(e));
                    assert_eq!(ErrorRepr::parse(r.header_flags(), &out), Ok(r));
                }
            }
            _ => {}
        }
    }
});
