//! Finding the drive without `--drive`, with the real binary: loop devices (root only)
//! holding images made by genisoimage and mkfs.vfat + mcopy, found by the sysfs probe in a
//! private mount namespace where /dev/disk/by-label is hidden (this machine has no udev,
//! and the kernel has no isofs or vfat: our readers are the only way to read them).
//! Labels are unique per run, so other loop devices on the machine never match.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_configdrive-net");

fn is_root() -> bool {
    rustix::process::getuid().is_root()
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("cdn-discover-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A loop device, detached when dropped.
struct Loop(String);

impl Loop {
    fn attach(image: &Path) -> Loop {
        let out = Command::new("losetup")
            .args(["--find", "--show", "--read-only"])
            .arg(image)
            .output()
            .expect("losetup");
        assert!(
            out.status.success(),
            "losetup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Loop(String::from_utf8(out.stdout).unwrap().trim().to_string())
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn case() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/glean/rax-iad/config-drive")
}

/// A label no other device has: at most 11 characters (FAT's limit).
fn label(tag: &str) -> String {
    format!("cdn{}{tag}", std::process::id() % 100_000)
}

fn iso(src: &Path, label: &str, out: &Path) {
    run(Command::new("genisoimage")
        .args(["-o", out.to_str().unwrap()])
        .args([
            "-ldots",
            "-allow-lowercase",
            "-allow-multidot",
            "-l",
            "-quiet",
            "-J",
            "-r",
        ])
        .args(["-V", label, src.to_str().unwrap()]));
}

/// A VFAT filesystem of `size_mib` MiB at byte `offset` of `out`.
fn vfat(src: &Path, label: &str, out: &Path, offset: u64, size_mib: u64) {
    let total = offset + (size_mib << 20);
    run(Command::new("truncate").args(["-s", &total.to_string(), out.to_str().unwrap()]));
    run(Command::new("mkfs.vfat")
        .args([
            "-n",
            label,
            "--offset",
            &(offset / 512).to_string(),
            out.to_str().unwrap(),
        ])
        .arg(((size_mib << 20) / 1024).to_string()));
    run(Command::new("mcopy")
        .env("MTOOLS_SKIP_CHECK", "1")
        .args(["-s", "-i", &format!("{}@@{offset}", out.display())])
        .arg(src.join("openstack"))
        .arg("::/"));
}

/// `plan` without --drive in a private mount namespace where /dev/disk/by-label, if the
/// machine has one, is covered by an empty tmpfs.
fn plan_discovering(cmdline: &Path, timeout: u32) -> Command {
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private", "sh", "-c"]).arg(format!(
        "[ -d /dev/disk/by-label ] && mount -t tmpfs none /dev/disk/by-label; exec {BIN} plan --cmdline {} --timeout {timeout}",
        cmdline.display()
    ));
    c
}

fn plan_of_dir(dir: &Path) -> Output {
    Command::new(BIN)
        .args(["plan", "--cmdline", "/dev/null", "--drive"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn iso_on_a_loop_device_is_found_by_the_sysfs_probe() {
    if !is_root() {
        eprintln!("skipped: needs root (losetup); CI runs as root");
        return;
    }
    let s = Scratch::new("iso");
    let src = case();
    let l = label("i");
    let img = s.path("cd.iso");
    iso(&src, &l, &img);
    let cmdline = s.path("cmdline");
    fs::write(&cmdline, format!("ro quiet rd.configdrive.label={l}\n")).unwrap();
    let dev = Loop::attach(&img);
    let out = plan_discovering(&cmdline, 10).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "config drive {}: ISO9660, Rock Ridge names labelled \"{l}\"",
            dev.0
        )),
        "{stderr}"
    );
    let want = plan_of_dir(&src);
    assert_eq!(
        out.stdout, want.stdout,
        "the same plan as from the directory"
    );
    assert!(!out.stdout.is_empty());
}

#[test]
fn vfat_appearing_later_wakes_the_wait() {
    if !is_root() {
        eprintln!("skipped: needs root (losetup); CI runs as root");
        return;
    }
    let s = Scratch::new("vfat");
    let src = case();
    let l = label("v");
    // (This kernel has no partition table support, so the drive is a whole device; the
    // probe treats partitions listed in sysfs the same way.)
    let img = s.path("cd.vfat");
    vfat(&src, &l, &img, 0, 64);
    let cmdline = s.path("cmdline");
    fs::write(&cmdline, format!("rd.configdrive.label={l}")).unwrap();

    let mut child = plan_discovering(&cmdline, 60)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    // The first pass finds nothing; the binary says it waits.
    while !log.contains("waiting up to 60 s") {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "exited early: {log}");
        log.push_str(&line);
    }
    let dev = Loop::attach(&img);
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    log.push_str(&rest);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!("config drive {}: FAT16 labelled \"{l}\"", dev.0)),
        "{log}"
    );
    assert_eq!(out.stdout, plan_of_dir(&src).stdout);
}

#[test]
fn no_drive_means_exit_3_after_the_timeout() {
    let s = Scratch::new("none");
    let cmdline = s.path("cmdline");
    fs::write(&cmdline, "rd.configdrive.label=cdn-absent-drive").unwrap();
    let out = Command::new(BIN)
        .args(["plan", "--timeout", "1", "--cmdline"])
        .arg(&cmdline)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("no config drive labelled \"cdn-absent-drive\" found within 1 s"),
        "{stderr}"
    );

    // --drive naming nothing, or something that is not a drive.
    let junk = s.path("junk");
    fs::write(&junk, [0x42u8; 70_000]).unwrap();
    for path in [s.path("missing"), junk] {
        let out = Command::new(BIN)
            .args(["plan", "--cmdline", "/dev/null", "--drive"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn plan_reads_images_given_with_drive() {
    let s = Scratch::new("images");
    let src = case();
    let iso_img = s.path("cd.iso");
    iso(&src, "config-2", &iso_img);
    let fat_img = s.path("cd.vfat");
    vfat(&src, "config-2", &fat_img, 0, 64);
    let want = plan_of_dir(&src);
    assert_eq!(want.status.code(), Some(0));
    for img in [&iso_img, &fat_img] {
        let out = plan_of_dir(img);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, want.stdout, "{}", img.display());
    }
}
