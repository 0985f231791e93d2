//! `configdrive-net apply` against this machine's kernel, in network namespaces the tests
//! create (`ip netns add`), with veth pairs standing in for NICs. Hostnames are changed only
//! inside `unshare -u`; resolv.conf goes to a temporary path. Needs root: without it every
//! test says so and passes vacuously (tests/run runs them as root).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample-drive");

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")))
        .unwrap_or(false)
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

/// A throwaway network namespace with a scratch directory; both removed on drop.
struct Ns {
    name: String,
    dir: PathBuf,
}

impl Ns {
    fn new(tag: &str) -> Option<Ns> {
        if !is_root() {
            eprintln!("not root: namespace test {tag} skipped");
            return None;
        }
        let name = format!("cdn-{tag}-{}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        run(Command::new("ip").args(["netns", "add", &name]));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cmdline"), "BOOT_IMAGE=/vmlinuz ro quiet\n").unwrap();
        let ns = Ns { name, dir };
        // Duplicate address detection would make IPv6 address flags change under the
        // idempotency comparison; it has nothing to detect between two veth ends.
        ns.sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0");
        Some(ns)
    }

    /// Runs a shell script in the namespace; it must succeed. Returns its stdout.
    fn sh(&self, script: &str) -> String {
        text(
            &run(Command::new("ip").args(["netns", "exec", &self.name, "sh", "-ec", script]))
                .stdout,
        )
    }

    /// A veth pair: `name` with `mac` (the NIC under test), and its peer, up, so the NIC
    /// has a carrier.
    fn nic(&self, name: &str, mac: &str) {
        self.sh(&format!(
            "ip link add name {name} address {mac} type veth peer name {name}p
             ip link set dev {name}p up"
        ));
    }

    fn write_drive(&self, network_data: &str) -> PathBuf {
        let d = self.dir.join("drive/openstack/latest");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("network_data.json"), network_data).unwrap();
        self.dir.join("drive")
    }

    fn resolv(&self) -> PathBuf {
        self.dir.join("resolv.conf")
    }

    /// `configdrive-net apply` in the namespace (and a fresh UTS namespace whose hostname is
    /// set to `hostname` first), with the scratch cmdline and resolv.conf.
    fn apply_cmd(&self, drive: &Path, hostname: &str, extra: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, "unshare", "-u", "sh", "-c"]);
        c.arg(format!(
            "hostname {hostname} && \"$@\"; rc=$?; echo \"hostname=$(hostname)\"; exit $rc"
        ));
        c.args(["sh", BIN, "apply", "--drive"]);
        c.arg(drive);
        c.arg("--cmdline").arg(self.dir.join("cmdline"));
        c.arg("--resolv-conf").arg(self.resolv());
        c.args(extra);
        c
    }

    fn apply(&self, drive: &Path, extra: &[&str]) -> Output {
        self.apply_cmd(drive, "before", extra).output().unwrap()
    }

    /// Everything `ip -j` says about the namespace's links, addresses and routes, once it
    /// has stopped changing (link operational state settles asynchronously after "up").
    fn snapshot(&self) -> String {
        let script = "ip -j link; ip -j addr; ip -j route show table all; \
                      ip -j -6 route show table all; \
                      cat /proc/sys/net/ipv6/conf/*/accept_ra /proc/sys/net/ipv6/conf/*/autoconf";
        let mut last = self.sh(script);
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(200));
            let now = self.sh(script);
            if now == last {
                return now;
            }
            last = now;
        }
        panic!("namespace state did not settle");
    }
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(c: &mut Command) -> Output {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{c:?}: {}", text(&o.stderr));
    o
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// The sample drive's two NICs (its MACs: the first written upper-case in the drive).
fn sample_nics(ns: &Ns) {
    ns.nic("n0", "02:cd:00:00:00:01");
    ns.nic("n1", "02:cd:00:00:00:02");
}

#[test]
fn configures_the_sample_drive_matching_nics_by_mac() {
    let Some(ns) = Ns::new("sample") else { return };
    sample_nics(&ns);
    // Decoys that carry the NICs' MACs but are not physical: a bridge and a macvlan. And an
    // interface the configuration does not name, with an address of its own.
    ns.nic("other", "02:cd:00:00:00:77");
    ns.sh(
        "ip link add name brdecoy address 02:cd:00:00:00:01 type bridge
         ip link add link other name mvdecoy address 02:cd:00:00:00:02 type macvlan
         ip addr add 10.99.0.1/24 dev other",
    );
    let untouched = "ip -d -j link show dev brdecoy; ip -d -j link show dev mvdecoy; \
                     ip -d -j link show dev other; ip -j addr show dev other";
    let before = ns.sh(untouched);

    let o = ns.apply(Path::new(SAMPLE), &[]);
    let out = text(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("hostname=demo-guest.example.com"), "{out}");

    let n0 = ns.sh("ip -o link show dev n0; ip -o addr show dev n0");
    assert!(n0.contains("mtu 1450") && n0.contains(",UP,"), "{n0}");
    assert!(
        n0.contains("inet 192.0.2.10/24 brd 192.0.2.255 scope global n0"),
        "{n0}"
    );
    assert!(
        n0.contains("inet6 2001:db8:0:1::10/64 scope global"),
        "{n0}"
    );
    let n1 = ns.sh("ip -o link show dev n1; ip -o addr show dev n1");
    assert!(n1.contains("mtu 9000") && n1.contains(",UP,"), "{n1}");
    assert!(
        n1.contains("inet 198.51.100.10/24 brd 198.51.100.255"),
        "{n1}"
    );
    assert!(
        n1.contains("inet 198.51.101.10/25 brd 198.51.101.127"),
        "{n1}"
    );

    let r4 = ns.sh("ip route show proto static");
    assert_eq!(
        r4,
        "default via 192.0.2.1 dev n0 \n\
         10.20.0.0/16 via 172.16.0.1 dev n1 onlink \n\
         203.0.113.0/24 via 198.51.100.1 dev n1 \n"
    );
    let r6 = ns.sh("ip -6 route show proto static");
    assert_eq!(
        r6,
        "default via fe80::1 dev n0 metric 1024 onlink pref medium\n"
    );
    assert_eq!(ns.sh("cat /proc/sys/net/ipv6/conf/n0/accept_ra"), "0\n");

    assert_eq!(
        std::fs::read_to_string(ns.resolv()).unwrap(),
        "# Generated by configdrive-net from the config drive\n\
         nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch example.com\n"
    );
    assert_eq!(
        ns.sh(untouched),
        before,
        "interfaces outside the configuration changed"
    );
}

#[test]
fn a_second_run_changes_nothing() {
    let Some(ns) = Ns::new("again") else { return };
    sample_nics(&ns);
    let first = ns.apply(Path::new(SAMPLE), &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = ns.snapshot();
    let resolv = std::fs::metadata(ns.resolv()).unwrap();
    let o = ns
        .apply_cmd(Path::new(SAMPLE), "demo-guest.example.com", &[])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("0 changes, 0 failed, 0 skipped"),
        "{}",
        stderr(&o)
    );
    assert_eq!(ns.snapshot(), before);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(ns.resolv()).unwrap().ino(), resolv.ino());
}

/// Two NICs configured; `n1`'s is only created when `late` says so.
const TWO_NICS: &str = r#"{
  "links": [
    {"id": "first", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:01"},
    {"id": "late", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:02", "mtu": 1400}
  ],
  "networks": [
    {"id": "a", "type": "ipv4", "link": "first", "ip_address": "192.0.2.20", "netmask": "255.255.255.0"},
    {"id": "b", "type": "ipv4", "link": "late", "ip_address": "198.51.100.20", "netmask": "255.255.255.0",
     "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "198.51.100.1"}]}
  ]
}"#;

#[test]
fn a_missing_nic_is_skipped_after_the_timeout_and_the_rest_configured() {
    let Some(ns) = Ns::new("missing") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    let drive = ns.write_drive(TWO_NICS);
    let t = Instant::now();
    let o = ns.apply(&drive, &["--timeout", "2"]);
    let took = t.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(took >= Duration::from_secs(2), "did not wait: {took:?}");
    assert!(
        took < Duration::from_secs(12),
        "waited far past the timeout: {took:?}"
    );
    let err = stderr(&o);
    assert!(err.contains("link late: no NIC with its MAC"), "{err}");
    assert!(err.contains("skipped: address 198.51.100.20/24"), "{err}");
    assert!(
        err.contains("skipped: route 0.0.0.0/0 via 198.51.100.1"),
        "{err}"
    );
    let n0 = ns.sh("ip -o addr show dev n0");
    assert!(n0.contains("inet 192.0.2.20/24"), "{n0}");
}

#[test]
fn the_timeout_comes_from_the_kernel_command_line() {
    let Some(ns) = Ns::new("cmdtime") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    std::fs::write(
        ns.dir.join("cmdline"),
        "ro rd.configdrive.timeout=1 quiet\n",
    )
    .unwrap();
    let drive = ns.write_drive(TWO_NICS);
    let t = Instant::now();
    let o = ns.apply(&drive, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert!(t.elapsed() < Duration::from_secs(11), "{:?}", t.elapsed());
    assert!(stderr(&o).contains("waiting up to 1 s"), "{}", stderr(&o));
}

#[test]
fn a_nic_that_appears_during_the_wait_is_configured() {
    let Some(ns) = Ns::new("late") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    let drive = ns.write_drive(TWO_NICS);
    let t = Instant::now();
    let child = ns
        .apply_cmd(&drive, "before", &["--timeout", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    ns.nic("n1", "02:cd:00:00:01:02");
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    let n1 = ns.sh("ip -o link show dev n1; ip -o addr show dev n1; ip route show default");
    assert!(n1.contains("mtu 1400"), "{n1}");
    assert!(n1.contains("inet 198.51.100.20/24"), "{n1}");
    assert!(
        n1.contains("default via 198.51.100.1 dev n1 proto static"),
        "{n1}"
    );
}

#[test]
fn kernel_errors_name_the_operation_the_interface_and_the_errno() {
    let Some(ns) = Ns::new("errors") else { return };
    sample_nics(&ns);
    // A route to the drive's destination through another gateway, added beforehand: the
    // kernel refuses ours with EEXIST, and theirs stays.
    ns.sh("ip addr add 198.51.100.10/24 dev n1
         ip link set dev n1 up
         ip route add 203.0.113.0/24 via 198.51.100.254 dev n1");
    let o = ns.apply(Path::new(SAMPLE), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "error: route 203.0.113.0/24 via 198.51.100.1 dev n1 proto static: EEXIST (already exists)"
        ),
        "{err}"
    );
    assert!(err.contains("1 failed"), "{err}");
    let routes = ns.sh("ip route show");
    assert!(
        routes.contains("203.0.113.0/24 via 198.51.100.254 dev n1"),
        "{routes}"
    );
    // Everything else was configured.
    assert!(
        routes.contains("default via 192.0.2.1 dev n0 proto static"),
        "{routes}"
    );
    assert!(
        routes.contains("10.20.0.0/16 via 172.16.0.1 dev n1 proto static onlink"),
        "{routes}"
    );
}

#[test]
fn a_refused_address_carries_the_kernels_message() {
    let Some(ns) = Ns::new("noipv6") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    ns.sh("sysctl -qw net.ipv6.conf.n0.disable_ipv6=1");
    let drive = ns.write_drive(
        r#"{"links": [{"id": "x", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:01"}],
            "networks": [{"id": "v6", "type": "ipv6", "link": "x", "ip_address": "2001:db8::7",
                          "netmask": "64"},
                         {"id": "v4", "type": "ipv4", "link": "x", "ip_address": "192.0.2.7",
                          "netmask": "24"}]}"#,
    );
    let o = ns.apply(&drive, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    // NETLINK_EXT_ACK: the kernel's own explanation follows the errno.
    assert!(
        err.contains(
            "error: address 2001:db8::7/64 dev n0: EACCES (permission denied) \
             (ipv6: IPv6 is disabled on this device)"
        ),
        "{err}"
    );
    assert!(
        ns.sh("ip -o addr show dev n0")
            .contains("inet 192.0.2.7/24")
    );
}

/// This machine's kernel has no bonding: creating the bond is refused, and what depends on
/// it (enslaving, its VLAN, their addresses) is skipped; the NICs are still configured.
#[test]
fn a_bond_the_kernel_refuses_takes_its_dependents_with_it() {
    let Some(ns) = Ns::new("nobond") else { return };
    if ns
        .sh("ip link add name probe type bond 2>&1 || true")
        .is_empty()
    {
        eprintln!("this kernel has bonding: test not meaningful here");
        return;
    }
    sample_nics(&ns);
    let drive = ns.write_drive(
        r#"{"links": [
             {"id": "a", "type": "phy", "ethernet_mac_address": "02:cd:00:00:00:01", "mtu": 9000},
             {"id": "b", "type": "phy", "ethernet_mac_address": "02:cd:00:00:00:02", "mtu": 9000},
             {"id": "bond0", "type": "bond", "bond_links": ["a", "b"], "bond_mode": "802.3ad",
              "bond_miimon": 100, "ethernet_mac_address": "02:cd:00:00:00:0b"},
             {"id": "v", "type": "vlan", "vlan_link": "bond0", "vlan_id": 602}],
            "networks": [{"id": "n", "type": "ipv4", "link": "v", "ip_address": "192.0.2.9",
                          "netmask": "24"}]}"#,
    );
    let o = ns.apply(&drive, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: bond bond0 mode 802.3ad miimon 100 mac 02:cd:00:00:00:0b: EOPNOTSUPP"),
        "{err}"
    );
    assert!(err.contains("skipped: enslave n0 bond0"), "{err}");
    assert!(
        err.contains("skipped: vlan bond0.602 link bond0 id 602"),
        "{err}"
    );
    assert!(err.contains("skipped: address 192.0.2.9/24"), "{err}");
    let links = ns.sh("ip -o link show dev n0; ip -o link show dev n1");
    assert_eq!(links.matches("mtu 9000").count(), 2, "{links}");
}

#[test]
fn rd_configdrive_0_does_nothing() {
    let Some(ns) = Ns::new("off") else { return };
    sample_nics(&ns);
    std::fs::write(ns.dir.join("cmdline"), "ro rd.configdrive=0\n").unwrap();
    let before = ns.sh("ip -j addr; ip -j link");
    let o = ns.apply(Path::new(SAMPLE), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(text(&o.stdout).contains("hostname=before"));
    assert_eq!(ns.sh("ip -j addr; ip -j link"), before);
    assert!(!ns.resolv().exists());
}

#[test]
fn without_a_drive_apply_discovers_and_gives_up_after_the_timeout() {
    let dir = std::env::temp_dir().join(format!("cdn-nodrive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cmdline = dir.join("cmdline");
    std::fs::write(
        &cmdline,
        "rd.configdrive.label=cdn-absent-label rd.configdrive.timeout=1\n",
    )
    .unwrap();
    let t = Instant::now();
    let o = Command::new(BIN)
        .arg("apply")
        .arg("--cmdline")
        .arg(&cmdline)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no config drive labelled \"cdn-absent-label\" found within 1 s"),
        "{}",
        stderr(&o)
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "bounded by the timeout"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_names_the_nics_of_the_link_dump() {
    let Some(ns) = Ns::new("plan") else { return };
    sample_nics(&ns);
    ns.sh("ip link add name brdecoy address 02:cd:00:00:00:01 type bridge");
    let out = ns.sh(&format!("{BIN} plan --drive {SAMPLE} --quiet"));
    assert!(out.starts_with("mtu n0 1450\nmtu n1 9000\n"), "{out}");
    assert!(
        out.contains("route ::/0 via fe80::1 dev n0 onlink proto static\n"),
        "{out}"
    );
    assert!(!out.contains("brdecoy"), "{out}");
}

#[test]
fn two_default_routes_get_metrics_and_slaac_gets_its_sysctls() {
    let Some(ns) = Ns::new("policy") else { return };
    ns.nic("n0", "02:cd:00:00:02:01");
    ns.nic("n1", "02:cd:00:00:02:02");
    ns.sh("sysctl -qw net.ipv6.conf.n1.accept_ra=0 net.ipv6.conf.n1.autoconf=0");
    let drive = ns.write_drive(
        r#"{"links": [{"id": "a", "type": "phy", "ethernet_mac_address": "02:cd:00:00:02:01"},
                      {"id": "b", "type": "phy", "ethernet_mac_address": "02:cd:00:00:02:02"}],
            "networks": [
              {"id": "v4a", "type": "ipv4", "link": "a", "ip_address": "192.0.2.30", "netmask": "24",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"}]},
              {"id": "v4b", "type": "ipv4", "link": "b", "ip_address": "198.51.100.30", "netmask": "24",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "198.51.100.1"}]},
              {"id": "ra", "type": "ipv6_slaac", "link": "b"},
              {"id": "d", "type": "ipv4_dhcp", "link": "a"}]}"#,
    );
    let o = ns.apply(&drive, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        ns.sh("ip route show default"),
        "default via 192.0.2.1 dev n0 proto static \n\
         default via 198.51.100.1 dev n1 proto static metric 1 \n"
    );
    assert_eq!(
        ns.sh("cat /proc/sys/net/ipv6/conf/n1/accept_ra /proc/sys/net/ipv6/conf/n1/autoconf"),
        "1\n1\n"
    );
    assert!(
        stderr(&o).contains("ipv4_dhcp on n0: not run in early boot"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hand_off_files_name_the_configured_interfaces() {
    let Some(ns) = Ns::new("handoff") else { return };
    sample_nics(&ns);
    let root = ns.dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let r = root.to_str().unwrap();
    let o = ns.apply(
        Path::new(SAMPLE),
        &["--handoff", "klibc", "--handoff-root", r],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    // n0 holds the default route: it is the boot device, and first.
    assert!(
        read("run/configdrive-net/handoff")
            .contains("CONFIGDRIVE_NET_IFACES='n0 n1'\nCONFIGDRIVE_NET_BOOTDEV='n0'\n"),
        "{}",
        read("run/configdrive-net/handoff")
    );
    let n0 = read("run/net-n0.conf");
    for line in [
        "DEVICE='n0'",
        "PROTO='none'",
        "IPV4ADDR='192.0.2.10'",
        "IPV4NETMASK='255.255.255.0'",
        "IPV4GATEWAY='192.0.2.1'",
    ] {
        assert!(n0.contains(line), "{line}: {n0}");
    }
    assert!(read("run/net6-n0.conf").contains("IPV6ADDR='2001:db8:0:1::10'\nIPV6NETMASK='64'\n"));
    assert!(read("run/net-n1.conf").contains("IPV4ADDR='198.51.100.10'"));

    let o = ns.apply(
        Path::new(SAMPLE),
        &["--handoff", "dracut", "--handoff-root", r],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read("tmp/net.ifaces"), "n0 n1\n");
    assert_eq!(read("tmp/net.bootdev"), "n0\n");
    assert!(root.join("tmp/net.n1.did-setup").is_file());
}

#[test]
fn an_absent_nic_is_not_handed_off() {
    let Some(ns) = Ns::new("handoff-absent") else {
        return;
    };
    ns.nic("n1", "02:cd:00:00:00:02");
    let root = ns.dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let o = ns.apply(
        Path::new(SAMPLE),
        &[
            "--timeout",
            "0",
            "--handoff",
            "klibc",
            "--handoff-root",
            root.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let h = std::fs::read_to_string(root.join("run/configdrive-net/handoff")).unwrap();
    assert!(
        h.contains("CONFIGDRIVE_NET_IFACES='n1'\nCONFIGDRIVE_NET_BOOTDEV='n1'\n"),
        "{h}"
    );
    assert!(!root.join("run/net-n0.conf").exists());
}

#[test]
fn apply_with_root_also_writes_the_configuration_for_the_real_root() {
    let Some(ns) = Ns::new("render") else { return };
    sample_nics(&ns);
    let root = ns.dir.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let r = root.to_str().unwrap();
    let o = ns.apply(
        Path::new(SAMPLE),
        &["--root", r, "--runtime", "--format", "networkd,nm"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The NICs' names come from the same link dump apply used.
    let net = std::fs::read_to_string(root.join("run/systemd/network/10-configdrive-n0.network"))
        .unwrap();
    assert!(
        net.contains("Address=192.0.2.10/24") && net.contains("KeepConfiguration=static"),
        "{net}"
    );
    let nm = root.join("run/NetworkManager/system-connections/configdrive-n1.nmconnection");
    assert!(
        std::fs::read_to_string(&nm)
            .unwrap()
            .contains("address1=198.51.100.10/24")
    );
    assert!(
        !root.join("etc").exists(),
        "--runtime writes nothing under etc"
    );
    // A format that cannot be written makes the run partial, and says why.
    let o = ns.apply(
        Path::new(SAMPLE),
        &["--root", r, "--runtime", "--format", "eni"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
