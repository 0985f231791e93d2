//! Fault injection (issue 8): what `apply` does when the kernel or the file system refuses.
//! Each fault is made real in namespaces the test creates, never on the host's network,
//! hostname or mounts:
//!
//! - EPERM: apply without CAP_NET_ADMIN (`setpriv` drops it from the bounding set).
//! - ENOSPC: a small tmpfs, mounted in a private mount namespace (`unshare -m`), filled up.
//! - ENODEV: a NIC deleted while apply waits for another one.
//! - EEXIST: an address the kernel holds in a conflicting form; a name taken by an
//!   interface of another kind.
//! - A read-only target root (a read-only bind mount), symlinks planted in hand-off paths.
//!
//! EBUSY needs a bond on this kernel (it has no bonding module): it is injected into the
//! netlink acknowledgements instead (rtnl::fault, in src/apply/tests.rs).
//!
//! Needs root: without it every test says so and passes vacuously (tests/run runs as root).

mod netns;
use netns::*;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The sample drive's two NICs.
fn sample_nics(ns: &Ns) {
    ns.nic("n0", "02:cd:00:00:00:01");
    ns.nic("n1", "02:cd:00:00:00:02");
}

/// The sample drive with another DNS server: every file it renders differs from the sample's.
fn sample_variant(ns: &Ns) -> std::path::PathBuf {
    let src = Path::new(SAMPLE).join("openstack/latest");
    let nd = std::fs::read_to_string(src.join("network_data.json")).unwrap();
    assert!(nd.contains("192.0.2.53"));
    let drive = ns.write_drive("variant", &nd.replace("192.0.2.53", "192.0.2.54"));
    std::fs::copy(
        src.join("meta_data.json"),
        drive.join("openstack/latest/meta_data.json"),
    )
    .unwrap();
    drive
}

/// A scratch directory, removed on drop (also when the test fails).
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("cdnf-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn no_panic(err: &str) {
    assert!(!err.contains("panic"), "{err}");
}

#[test]
fn without_cap_net_admin_every_kernel_change_is_refused_with_eperm() {
    let Some(ns) = Ns::new("eperm") else { return };
    sample_nics(&ns);
    let root = ns.path("root");
    std::fs::create_dir_all(&root).unwrap();
    let before = ns.links_addresses_routes();
    let o = ns
        .apply_in(
            "",
            &[
                "setpriv",
                "--inh-caps=-net_admin",
                "--bounding-set=-net_admin",
            ],
            Path::new(SAMPLE),
            &[
                "--timeout",
                "0",
                "--resolv-conf",
                ns.path("resolv.conf").to_str().unwrap(),
                "--root",
                root.to_str().unwrap(),
                "--format",
                "networkd",
            ],
        )
        .output()
        .unwrap();
    let err = stderr(&o);
    no_panic(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for line in [
        "error: mtu n0 1450: EPERM (operation not permitted)",
        "error: mtu n1 9000: EPERM (operation not permitted)",
        "error: up n0: EPERM (operation not permitted)",
        "error: address 192.0.2.10/24 brd 192.0.2.255 dev n0: EPERM (operation not permitted)",
        "error: route 0.0.0.0/0 via 192.0.2.1 dev n0 proto static: EPERM (operation not permitted)",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    // The sysctl, the hostname and resolv.conf.
    assert!(err.contains("3 changes, 12 failed, 0 skipped"), "{err}");
    assert_eq!(
        ns.links_addresses_routes(),
        before,
        "links, addresses or routes changed"
    );
    // What needs no CAP_NET_ADMIN is still done: the IPv6 sysctls (root's by their file
    // mode), resolv.conf, the hostname, the files for the real root.
    assert_eq!(ns.sh("cat /proc/sys/net/ipv6/conf/n0/accept_ra"), "0\n");
    assert!(
        std::fs::read_to_string(ns.path("resolv.conf"))
            .unwrap()
            .contains("nameserver 192.0.2.53\n")
    );
    assert!(text(&o.stdout).contains("hostname=demo-guest.example.com"));
    let net = std::fs::read_to_string(root.join("etc/systemd/network/10-configdrive-n0.network"))
        .unwrap();
    assert!(net.contains("Address=192.0.2.10/24"), "{net}");
}

/// As an unprivileged user nothing at all can be done: every operation is refused and named,
/// nothing panics, nothing in the namespace changes, and the exit code is 1.
#[test]
fn as_an_unprivileged_user_everything_is_refused_and_named() {
    let Some(ns) = Ns::new("nobody") else { return };
    sample_nics(&ns);
    let before = ns.snapshot();
    // A resolv.conf the user could not replace (its directory is root's, mode 0755).
    let resolv = ns.path("resolv.conf");
    let o = ns
        .apply_in(
            "",
            &[
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
            ],
            Path::new(SAMPLE),
            &["--timeout", "0", "--resolv-conf", resolv.to_str().unwrap()],
        )
        .output()
        .unwrap();
    let err = stderr(&o);
    no_panic(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for line in [
        "error: mtu n0 1450: EPERM (operation not permitted)",
        "error: sysctl net.ipv6.conf.n0.accept_ra=0: EACCES (permission denied)",
        "error: hostname demo-guest.example.com: EPERM (operation not permitted)",
        "error: resolv.conf nameserver 192.0.2.53 nameserver 2001:db8::53 search example.com: EACCES (permission denied)",
        "error: route 10.20.0.0/16 via 172.16.0.1 dev n1 onlink proto static: EPERM",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    assert_eq!(ns.snapshot(), before, "the namespace changed");
    assert!(text(&o.stdout).contains("hostname=before"));
    assert!(!resolv.exists());
}

/// A script run in a private mount namespace with a tmpfs of `kib` KiB mounted on
/// `<dir>/t`: `fill` fills it up, and `keep` copies what the tmpfs holds to `<dir>/kept`
/// (the mount goes with the namespace).
fn in_small_tmpfs(dir: &Path, kib: u32, script: &str) -> Command {
    let t = dir.join("t");
    std::fs::create_dir_all(&t).unwrap();
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-ec"]);
    c.arg(format!(
        "cd {dir}
         mount -t tmpfs -o size={kib}k cdn-faults t
         fill() {{ dd if=/dev/zero of=t/fill bs=4k >/dev/null 2>&1 || true; }}
         keep() {{ rm -f t/fill; cp -a t kept; }}
         {script}",
        dir = dir.display()
    ));
    c
}

/// The names of temporary files anywhere in a tree (`*.tmp`).
fn temporaries(tree: &[(String, String)]) -> Vec<&str> {
    tree.iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| p.ends_with(".tmp"))
        .collect()
}

/// A fake sysfs naming the sample drive's NICs n0 and n1, for `render`.
fn sample_sysfs(dir: &Path) -> std::path::PathBuf {
    for (n, mac) in [("n0", "02:cd:00:00:00:01"), ("n1", "02:cd:00:00:00:02")] {
        let d = dir.join("sys/class/net").join(n);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("address"), format!("{mac}\n")).unwrap();
    }
    dir.join("sys")
}

#[test]
fn render_into_a_full_file_system_keeps_the_previous_files_whole() {
    if !is_root() {
        eprintln!("not root: ENOSPC test skipped");
        return;
    }
    let scratch = Scratch::new("enospc-render");
    let dir = scratch.0.clone();
    let sys = sample_sysfs(&dir);
    let variant = dir.join("variant");
    let src = Path::new(SAMPLE).join("openstack/latest");
    std::fs::create_dir_all(variant.join("openstack/latest")).unwrap();
    let nd = std::fs::read_to_string(src.join("network_data.json")).unwrap();
    std::fs::write(
        variant.join("openstack/latest/network_data.json"),
        nd.replace("192.0.2.53", "192.0.2.54"),
    )
    .unwrap();
    std::fs::copy(
        src.join("meta_data.json"),
        variant.join("openstack/latest/meta_data.json"),
    )
    .unwrap();
    let render = |drive: &Path, root: &str, log: &str| {
        format!(
            "rc=0; {BIN} render --drive {} --root {root} --sysfs {} --format networkd,nm,netplan,ifcfg 2>{log} || rc=$?; echo $rc >{log}.rc",
            drive.display(),
            sys.display()
        )
    };
    let o = in_small_tmpfs(
        &dir,
        256,
        &format!(
            "mkdir t/root
             {first}
             mkdir first; cp -a t/root first/
             fill
             {second}
             mkdir t/fresh
             {fresh}
             keep",
            first = render(Path::new(SAMPLE), "t/root", "first.log"),
            second = render(&variant, "t/root", "second.log"),
            fresh = render(&variant, "t/fresh", "fresh.log"),
        ),
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    assert_eq!(read("first.log.rc"), "0\n", "{}", read("first.log"));
    let err = read("second.log");
    no_panic(&err);
    assert_eq!(read("second.log.rc"), "1\n", "{err}");
    for f in [
        "t/root/etc/systemd/network/10-configdrive-n0.network",
        "t/root/etc/NetworkManager/system-connections/configdrive-n0.nmconnection",
        "t/root/etc/netplan/50-configdrive.yaml",
        "t/root/etc/sysconfig/network-scripts/ifcfg-n0",
    ] {
        let want = format!("{f}: cannot write: ENOSPC (no space left on device)");
        assert!(err.contains(&want), "{want}\n{err}");
    }
    // Every file of the first run is there, whole, as the first run wrote it; nothing else.
    let kept = tree(&dir.join("kept/root"));
    assert!(temporaries(&kept).is_empty(), "{kept:?}");
    assert_eq!(kept, tree(&dir.join("first/root")));
    assert!(kept.len() > 8, "{kept:?}");
    // Into an empty root: nothing but directories, not even an empty file.
    assert_eq!(read("fresh.log.rc"), "1\n", "{}", read("fresh.log"));
    let fresh = tree(&dir.join("kept/fresh"));
    assert!(fresh.iter().all(|(p, _)| p.ends_with('/')), "{fresh:?}");
}

#[test]
fn apply_into_a_full_file_system_reports_each_file_and_keeps_the_old_ones() {
    let Some(ns) = Ns::new("enospc") else { return };
    sample_nics(&ns);
    let variant = sample_variant(&ns);
    let args = [
        "--timeout",
        "0",
        "--resolv-conf",
        "t/resolv.conf",
        "--root",
        "t/root",
        "--runtime",
        "--format",
        "networkd",
        "--handoff",
        "klibc",
        "--handoff-root",
        "t/h",
    ];
    let args = args.join(" ");
    let dir = ns.dir.display().to_string();
    let o = in_small_tmpfs(
        &ns.dir,
        256,
        &format!(
            "mkdir t/root t/h
             ip netns exec {name} unshare -u {BIN} apply --drive {SAMPLE} --cmdline {dir}/cmdline {args} 2>first.log
             mkdir first; cp -a t first/
             fill
             ip netns exec {name} unshare -u {BIN} apply --drive {variant} --cmdline {dir}/cmdline {args} 2>second.log || echo $? >second.rc
             keep",
            name = ns.name,
            variant = variant.display(),
        ),
    )
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |f: &str| std::fs::read_to_string(ns.path(f)).unwrap();
    let err = read("second.log");
    no_panic(&err);
    assert_eq!(read("second.rc"), "1\n", "{err}");
    for want in [
        "error: resolv.conf nameserver 192.0.2.54 nameserver 2001:db8::53 search example.com: ENOSPC (no space left on device)",
        "t/root/run/systemd/network/10-configdrive-n0.network: cannot write: ENOSPC (no space left on device)",
        "error: t/h/run/configdrive-net/handoff: cannot write: ENOSPC (no space left on device)",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    let kept = tree(&ns.path("kept"));
    assert!(temporaries(&kept).is_empty(), "{kept:?}");
    assert_eq!(kept, tree(&ns.path("first/t")));
    assert!(read("kept/resolv.conf").contains("nameserver 192.0.2.53\n"));
}

/// Two NICs; the second (`late`) is absent, so apply waits for it.
const FIRST_AND_LATE: &str = r#"{
  "links": [
    {"id": "first", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:01", "mtu": 1400},
    {"id": "late", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:02"}
  ],
  "networks": [
    {"id": "a", "type": "ipv4", "link": "first", "ip_address": "192.0.2.20", "netmask": "255.255.255.0",
     "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"}]},
    {"id": "b", "type": "ipv4", "link": "late", "ip_address": "198.51.100.20", "netmask": "255.255.255.0"}
  ]
}"#;

/// A NIC that disappears after the link dump, while apply waits for another one: every
/// request for it is refused with ENODEV and named; the run ends at the timeout with 1.
#[test]
fn a_nic_removed_during_the_wait_is_reported_with_enodev() {
    let Some(ns) = Ns::new("enodev") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    ns.nic("other", "02:cd:00:00:01:77");
    let drive = ns.write_drive("late", FIRST_AND_LATE);
    let mut child = ns
        .apply_in(
            "",
            &[],
            &drive,
            &[
                "--timeout",
                "2",
                "--resolv-conf",
                ns.path("resolv.conf").to_str().unwrap(),
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it says it is waiting, the dump is done: remove the NIC it found.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut err = String::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        err += &l;
        err += "\n";
        if l.contains("waiting up to 2 s for 1 network interface(s)") {
            break;
        }
    }
    let other = ns.sh("ip -j link show dev other; ip -j addr show dev other");
    ns.sh("ip link del n0");
    for l in lines {
        err += &l.unwrap();
        err += "\n";
    }
    let status = child.wait().unwrap();
    no_panic(&err);
    assert_eq!(status.code(), Some(1), "{err}");
    for line in [
        "error: mtu n0 1400: ENODEV (no such device)",
        "error: up n0: ENODEV (no such device)",
        "error: address 192.0.2.20/24 brd 192.0.2.255 dev n0: ENODEV (no such device)",
        // The kernel checks the gateway first.
        "error: route 0.0.0.0/0 via 192.0.2.1 dev n0 proto static: ENETUNREACH",
        "link late: no NIC with its MAC",
    ] {
        assert!(err.contains(line), "{line}\n{err}");
    }
    // Nothing else was touched.
    assert_eq!(
        ns.sh("ip -j link show dev other; ip -j addr show dev other"),
        other
    );
    assert_eq!(ns.sh("ip -j route"), "[]\n");
}

/// Kernel EEXIST for an address: the NIC holds the drive's IPv6 address with another prefix
/// length. It is named with the kernel's message, theirs stays, the rest is configured.
#[test]
fn an_address_held_in_another_form_is_refused_with_eexist() {
    let Some(ns) = Ns::new("eexist") else { return };
    sample_nics(&ns);
    ns.sh("ip addr add 2001:db8:0:1::10/48 dev n0 nodad");
    let o = ns
        .apply_in(
            "",
            &[],
            Path::new(SAMPLE),
            &["--resolv-conf", ns.path("resolv.conf").to_str().unwrap()],
        )
        .output()
        .unwrap();
    let err = stderr(&o);
    no_panic(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: address 2001:db8:0:1::10/64 dev n0: EEXIST (already exists)"),
        "{err}"
    );
    assert!(err.contains("14 changes, 1 failed, 0 skipped"), "{err}");
    let n0 = ns.sh("ip -o addr show dev n0");
    assert!(n0.contains("inet6 2001:db8:0:1::10/48"), "{n0}");
    assert!(!n0.contains("2001:db8:0:1::10/64"), "{n0}");
    assert!(n0.contains("inet 192.0.2.10/24"), "{n0}");
    assert!(
        ns.sh("ip route show default")
            .contains("default via 192.0.2.1 dev n0 proto static")
    );
}

/// An interface that holds a VLAN's name but is something else (here a veth) is an error,
/// EEXIST, never reused or removed; what depends on the VLAN is skipped.
#[test]
fn a_vlan_name_taken_by_another_interface_is_left_alone() {
    let Some(ns) = Ns::new("taken") else { return };
    ns.nic("n0", "02:cd:00:00:01:01");
    ns.sh("ip link add name n0.602 type veth peer name takenp");
    let taken = ns.sh("ip -d -j link show dev n0.602; ip -j addr show dev n0.602");
    let drive = ns.write_drive(
        "vlan",
        r#"{"links": [
             {"id": "a", "type": "phy", "ethernet_mac_address": "02:cd:00:00:01:01"},
             {"id": "v", "type": "vlan", "vlan_link": "a", "vlan_id": 602}],
            "networks": [
             {"id": "p", "type": "ipv4", "link": "a", "ip_address": "192.0.2.5", "netmask": "24"},
             {"id": "n", "type": "ipv4", "link": "v", "ip_address": "198.51.100.5", "netmask": "24"}]}"#,
    );
    let o = ns
        .apply_in(
            "",
            &[],
            &drive,
            &["--resolv-conf", ns.path("resolv.conf").to_str().unwrap()],
        )
        .output()
        .unwrap();
    let err = stderr(&o);
    no_panic(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: vlan n0.602 link n0 id 602: EEXIST (already exists) (an interface of that name exists and is of another kind, parent or id)"),
        "{err}"
    );
    assert!(err.contains("skipped: address 198.51.100.5/24"), "{err}");
    assert_eq!(
        ns.sh("ip -d -j link show dev n0.602; ip -j addr show dev n0.602"),
        taken
    );
    assert!(
        ns.sh("ip -o addr show dev n0")
            .contains("inet 192.0.2.5/24")
    );
}

/// apply --root into a read-only root: the network is configured, the root is reported once
/// as read-only, nothing in it changes, and the exit code says the run was partial.
#[test]
fn apply_into_a_read_only_root_configures_the_network_and_says_so() {
    let Some(ns) = Ns::new("rofs") else { return };
    sample_nics(&ns);
    let root = ns.path("root");
    std::fs::create_dir_all(root.join("etc/systemd/network")).unwrap();
    std::fs::write(root.join("etc/systemd/network/99-mine.network"), "x\n").unwrap();
    let before = tree(&root);
    let r = root.to_str().unwrap();
    let o = ns
        .apply_in(
            &format!("mount --bind {r} {r}; mount -o remount,bind,ro {r}"),
            &[],
            Path::new(SAMPLE),
            &[
                "--resolv-conf",
                ns.path("resolv.conf").to_str().unwrap(),
                "--root",
                r,
                "--format",
                "networkd,nm,eni,netplan,ifcfg",
            ],
        )
        .output()
        .unwrap();
    let err = stderr(&o);
    no_panic(&err);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(", 0 failed, 0 skipped"), "{err}");
    let want = format!("error: {r}: read-only file system; cannot write the network configuration");
    assert_eq!(err.matches(&want).count(), 1, "{want}\n{err}");
    assert_eq!(tree(&root), before);
    let n0 = ns.sh("ip -o addr show dev n0");
    assert!(n0.contains("inet 192.0.2.10/24"), "{n0}");
}

/// Symlinks planted in the hand-off paths (--handoff-root): a per-interface file that is a
/// symlink is replaced by a file (its target is not written), and a hand-off directory that
/// is a symlink is refused, so nothing outside the hand-off root is written.
#[test]
fn symlinks_planted_in_hand_off_paths_lead_nowhere() {
    let Some(ns) = Ns::new("handoff-links") else {
        return;
    };
    sample_nics(&ns);
    let outside = ns.path("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim"), "precious\n").unwrap();
    std::fs::write(outside.join("handoff"), "precious too\n").unwrap();
    let h = ns.path("h");
    std::fs::create_dir_all(h.join("run")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), h.join("run/net-n0.conf")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), h.join("run/net-n1.conf.tmp")).unwrap();
    let before = tree(&outside);
    let resolv = ns.path("resolv.conf");
    let apply = |extra: &[&str]| {
        let mut args = vec![
            "--resolv-conf",
            resolv.to_str().unwrap(),
            "--handoff",
            "klibc",
            "--handoff-root",
            h.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = ns
            .apply_in("", &[], Path::new(SAMPLE), &args)
            .output()
            .unwrap();
        no_panic(&stderr(&o));
        o
    };
    let o = apply(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(tree(&outside), before);
    for f in ["run/net-n0.conf", "run/net-n1.conf"] {
        let m = std::fs::symlink_metadata(h.join(f)).unwrap();
        assert!(m.is_file(), "{f}");
    }
    assert!(!h.join("run/net-n1.conf.tmp").exists());

    // The directory of the summary file, a symlink to a directory outside.
    std::fs::remove_dir_all(h.join("run/configdrive-net")).unwrap();
    std::os::unix::fs::symlink(&outside, h.join("run/configdrive-net")).unwrap();
    let o = apply(&[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: {}/run/configdrive-net: cannot create the hand-off directory: ",
            h.display()
        )),
        "{err}"
    );
    assert_eq!(tree(&outside), before, "written through a symlink");
}
