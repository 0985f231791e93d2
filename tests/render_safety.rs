//! Safe writing under --root: symlink escapes refused, files of others left alone and
//! reported, stale files of ours removed, permissions, a read-only root, --runtime, and
//! --format auto.

mod render_util;
use render_util::*;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

const CASE: &str = "glean/rax-iad";

#[test]
fn planted_symlinks_never_lead_outside_the_root() {
    let root = new_root("safety-symlinks");
    let outside = tmpdir("safety-symlinks-outside");
    std::fs::write(outside.join("victim"), "precious\n").unwrap();
    // A directory on the path, absolute; another relative and climbing out; a target file.
    std::fs::create_dir_all(root.join("etc/systemd")).unwrap();
    symlink(&outside, root.join("etc/systemd/network")).unwrap();
    symlink(
        "../../../../../../../..".to_string() + outside.to_str().unwrap(),
        root.join("etc/netplan"),
    )
    .unwrap();
    let nm = root.join("etc/NetworkManager/system-connections");
    std::fs::create_dir_all(&nm).unwrap();
    symlink(
        outside.join("victim"),
        nm.join("configdrive-eth0.nmconnection"),
    )
    .unwrap();
    symlink(outside.join("victim"), root.join("etc/hostname")).unwrap();
    let before = tree(&outside);

    let o = render(CASE, &root, ALL_FORMATS, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        tree(&outside),
        before,
        "something was written outside the root"
    );
    let err = stderr(&o);
    assert!(err.contains("etc/systemd/network: cannot open or create this directory (ENOTDIR (not a directory)); a symbolic link on the path is refused"), "{err}");
    assert_eq!(
        err.matches("etc/systemd/network: cannot").count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("etc/netplan: cannot open or create this directory"),
        "{err}"
    );
    assert!(
        err.contains("configdrive-eth0.nmconnection: not written by configdrive-net"),
        "{err}"
    );
    assert!(err.contains("etc/hostname: not written"), "{err}");
    // The symlinks are still symlinks, the rest was written.
    assert!(
        std::fs::symlink_metadata(root.join("etc/hostname"))
            .unwrap()
            .is_symlink()
    );
    assert!(nm.join("configdrive-eth1.nmconnection").exists());
    assert!(root.join("etc/network/interfaces.d/configdrive").exists());
}

#[test]
fn a_file_without_the_marker_is_left_alone_and_reported() {
    let root = new_root("safety-user-file");
    let dir = root.join("etc/systemd/network");
    std::fs::create_dir_all(&dir).unwrap();
    let mine = dir.join("10-configdrive-eth0.network");
    std::fs::write(&mine, "[Match]\nName=eth0\n# mine\n").unwrap();
    let o = render(CASE, &root, "networkd", &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "[Match]\nName=eth0\n# mine\n"
    );
    assert!(stderr(&o).contains("10-configdrive-eth0.network: not written by configdrive-net"));
    assert!(stderr(&o).contains("1 left alone"));
    assert!(dir.join("10-configdrive-eth1.network").exists());
}

#[test]
fn stale_files_are_removed_only_when_they_carry_the_marker() {
    let root = new_root("safety-stale");
    let o = render("glean/liberty", &root, ALL_FORMATS, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = root.join("etc/systemd/network");
    std::fs::write(
        dir.join("10-configdrive-old.network"),
        "[Match]\nName=old\n",
    )
    .unwrap();
    std::fs::write(dir.join("99-other.network"), "[Match]\nName=x\n").unwrap();
    // rax-iad has eth0 and eth1 only: every other generated file of liberty is stale.
    let o = render(CASE, &root, ALL_FORMATS, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let left: Vec<String> = tree(&root).into_keys().collect();
    assert!(!left.iter().any(|f| f.contains("bond")), "{left:?}");
    assert!(!left.iter().any(|f| f.contains("eth4")), "{left:?}");
    assert!(
        !left.contains(&"etc/sysconfig/network-scripts/route-eth1".to_string()) || {
            // rax-iad has routes on eth1 too: its route file is fresh, not stale.
            std::fs::read_to_string(root.join("etc/sysconfig/network-scripts/route-eth1"))
                .unwrap()
                .contains("10.210.32.1")
        }
    );
    assert!(
        dir.join("10-configdrive-old.network").exists(),
        "a file without marker was removed"
    );
    assert!(dir.join("99-other.network").exists());
    assert!(dir.join("10-configdrive-eth0.network").exists());
    let got = tree(&root);
    let mut want = tree(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(CASE),
    );
    want.insert(
        "etc/network/interfaces".into(),
        got["etc/network/interfaces"].clone(),
    );
    want.insert(
        "etc/systemd/network/10-configdrive-old.network".into(),
        b"[Match]\nName=old\n".to_vec(),
    );
    want.insert(
        "etc/systemd/network/99-other.network".into(),
        b"[Match]\nName=x\n".to_vec(),
    );
    assert_eq!(
        got, want,
        "after the sweep the root holds exactly rax-iad's files and the others'"
    );
}

#[test]
fn permissions_nm_and_netplan_0600_others_0644() {
    let root = new_root("safety-modes");
    let o = render(CASE, &root, ALL_FORMATS, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for rel in tree(&root).keys() {
        if rel == "etc/network/interfaces" {
            continue;
        }
        let mode = std::fs::metadata(root.join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        let want = if rel.contains("NetworkManager") || rel.contains("netplan") {
            0o600
        } else {
            0o644
        };
        assert_eq!(mode, want, "{rel}");
    }
}

#[test]
fn a_read_only_root_is_a_clear_error() {
    if !is_root() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root");
        eprintln!("skipped: needs root (unshare -m)");
        return;
    }
    let root = tmpdir("safety-ro");
    let script = format!(
        "set -e; mount -t tmpfs tmpfs '{r}'; mkdir -p '{r}/etc/network'; mount -o remount,ro '{r}'; \
         exec '{bin}' render --drive '{d}' --root '{r}' --format networkd,nm --sysfs '{s}'",
        r = root.display(),
        bin = bin(),
        d = corpus().join(CASE).join("config-drive").display(),
        s = sysfs(CASE).display()
    );
    let o = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}: read-only file system", root.display())),
        "{err}"
    );
    // Reported once, not per file.
    assert_eq!(err.matches("read-only").count(), 1, "{err}");
}

#[test]
fn runtime_writes_under_run_and_never_etc() {
    let root = new_root("safety-runtime");
    let o = render(CASE, &root, "networkd,nm,netplan", &["--runtime"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files: Vec<String> = tree(&root)
        .into_keys()
        .filter(|f| f != "etc/network/interfaces")
        .collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|f| f.starts_with("run/")), "{files:?}");
    assert!(files.contains(&"run/systemd/network/10-configdrive-eth0.network".to_string()));
    assert!(files.contains(
        &"run/NetworkManager/system-connections/configdrive-eth0.nmconnection".to_string()
    ));
    assert!(files.contains(&"run/netplan/50-configdrive.yaml".to_string()));
    // ifupdown and ifcfg have no runtime directory: refused, said so.
    let o = render(CASE, &root, "eni", &["--runtime"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("eni: has no runtime directory"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn format_auto_picks_the_installed_and_enabled_stack_in_order() {
    let make = |tag: &str, files: &[&str]| {
        let root = new_root(tag);
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        root
    };
    let wants = "etc/systemd/system/multi-user.target.wants/";
    let nm_on = [
        "usr/sbin/NetworkManager".to_string(),
        format!("{wants}NetworkManager.service"),
    ];
    let nd_on = [
        "lib/systemd/systemd-networkd".to_string(),
        format!("{wants}systemd-networkd.service"),
    ];
    let written = |root: &Path| -> Vec<String> {
        tree(root)
            .into_keys()
            .filter(|f| f != "etc/network/interfaces" && f != "etc/hostname")
            .collect()
    };
    // NetworkManager and networkd both enabled: NetworkManager first.
    let all: Vec<&str> = nm_on.iter().chain(&nd_on).map(String::as_str).collect();
    let root = make("auto-nm", &all);
    let o = render(CASE, &root, "auto", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w = written(&root);
    assert!(
        w.iter()
            .all(|f| f.contains("NetworkManager/system-connections")
                || f.starts_with("usr/")
                || f.starts_with("lib/")
                || f.starts_with("etc/systemd/system/")),
        "{w:?}"
    );
    assert!(w.iter().any(|f| f.ends_with(".nmconnection")));
    // NetworkManager installed but not enabled: networkd.
    let some: Vec<&str> = [nm_on[0].as_str()]
        .into_iter()
        .chain(nd_on.iter().map(String::as_str))
        .collect();
    let root = make("auto-networkd", &some);
    assert!(render(CASE, &root, "auto", &[]).status.success());
    assert!(
        written(&root)
            .iter()
            .any(|f| f.starts_with("etc/systemd/network/10-configdrive-"))
    );
    assert!(!written(&root).iter().any(|f| f.ends_with(".nmconnection")));
    // netplan (command + generator) wins over both.
    let mut np = all.clone();
    np.extend([
        "usr/sbin/netplan",
        "usr/lib/systemd/system-generators/netplan",
    ]);
    let root = make("auto-netplan", &np);
    assert!(render(CASE, &root, "auto", &[]).status.success());
    assert!(written(&root).contains(&"etc/netplan/50-configdrive.yaml".to_string()));
    assert!(!written(&root).iter().any(|f| f.ends_with(".nmconnection")));
    // Nothing: an error that says what to do.
    let root = make("auto-none", &[]);
    let o = render(CASE, &root, "auto", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("give --format"), "{}", stderr(&o));
}
