//! A throwaway network namespace for tests that run `configdrive-net apply` against this
//! machine's kernel (shared by the apply, fault and bad-input suites).
//! Veth pairs stand in for NICs. Without root every user says so and returns.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sample-drive");

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| s.lines().any(|l| l.starts_with("Uid:\t0\t")))
        .unwrap_or(false)
}

pub fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

pub fn run(c: &mut Command) -> Output {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{c:?}: {}", text(&o.stderr));
    o
}

/// A network namespace with a scratch directory (holding a harmless kernel command line);
/// both removed on drop.
pub struct Ns {
    pub name: String,
    pub dir: PathBuf,
}

impl Ns {
    pub fn new(tag: &str) -> Option<Ns> {
        if !is_root() {
            eprintln!("not root: namespace test {tag} skipped");
            return None;
        }
        let name = format!("cdnf-{tag}-{}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        let _ = Command::new("ip")
            .args(["netns", "del", &name])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&dir);
        run(Command::new("ip").args(["netns", "add", &name]));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cmdline"), "BOOT_IMAGE=/vmlinuz ro quiet\n").unwrap();
        let ns = Ns { name, dir };
        ns.sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0");
        Some(ns)
    }

    /// Runs a shell script in the namespace; it must succeed. Returns its stdout.
    pub fn sh(&self, script: &str) -> String {
        text(
            &run(Command::new("ip").args(["netns", "exec", &self.name, "sh", "-ec", script]))
                .stdout,
        )
    }

    /// A veth pair: `name` with `mac`, and its peer `<name>p`, up.
    pub fn nic(&self, name: &str, mac: &str) {
        self.sh(&format!(
            "ip link add name {name} address {mac} type veth peer name {name}p
             ip link set dev {name}p up"
        ));
    }

    /// A drive directory `drive-<tag>` in the scratch directory with this network_data.json.
    pub fn write_drive(&self, tag: &str, network_data: &str) -> PathBuf {
        let top = self.dir.join(format!("drive-{tag}"));
        let d = top.join("openstack/latest");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("network_data.json"), network_data).unwrap();
        top
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// A command run in the namespace and in fresh UTS and mount namespaces (hostname
    /// `before`; mounts made by `setup` stay private to it): `sh -c 'setup; "$@"'` with
    /// `configdrive-net apply --drive <drive> --cmdline <scratch>` and `args` as `$@`,
    /// prefixed by `wrap` (e.g. setpriv). Prints `hostname=<name>` after the run.
    pub fn apply_in(&self, setup: &str, wrap: &[&str], drive: &Path, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args([
            "netns", "exec", &self.name, "unshare", "-m", "-u", "sh", "-c",
        ]);
        c.arg(format!(
            "set -e; hostname before; {setup}
             set +e; \"$@\"; rc=$?; echo \"hostname=$(hostname)\"; exit $rc"
        ));
        c.arg("sh");
        c.args(wrap);
        c.args([BIN, "apply", "--drive"]);
        c.arg(drive);
        c.arg("--cmdline").arg(self.dir.join("cmdline"));
        c.args(args);
        c
    }

    /// Everything `ip -j` says about the namespace's links, addresses and routes, and its
    /// IPv6 sysctls, once it has stopped changing.
    pub fn snapshot(&self) -> String {
        self.settled(
            "ip -j link; ip -j addr; ip -j route show table all; \
             ip -j -6 route show table all; \
             cat /proc/sys/net/ipv6/conf/*/accept_ra /proc/sys/net/ipv6/conf/*/autoconf",
        )
    }

    /// The links, addresses and routes only (no sysctls).
    pub fn links_addresses_routes(&self) -> String {
        self.settled(
            "ip -j link; ip -j addr; ip -j route show table all; ip -j -6 route show table all",
        )
    }

    /// The output of `script` once it has stopped changing (link operational state settles
    /// asynchronously).
    pub fn settled(&self, script: &str) -> String {
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

/// Every path under `dir` (relative, sorted) with the contents of regular files and the
/// targets of symlinks, for comparing trees before and after.
pub fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, String)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.push((rel, format!("-> {}", t.display())));
            } else if m.is_dir() {
                out.push((rel + "/", String::new()));
                walk(base, &p, out);
            } else {
                out.push((rel, text(&std::fs::read(&p).unwrap())));
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}
