//! The ISO9660 and FAT readers against images made by the tools clouds use: genisoimage and
//! xorriso with nova's flags, mkfs.vfat + mtools' mcopy (no mount anywhere). Every corpus
//! case's config-drive/ is packed, then every directory is listed and every file read back
//! and compared byte for byte with the original. tests/setup installs the tools.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use configdrive_net::drive::{self, AnyDrive, Drive};

/// nova's genisoimage flags (nova/virt/configdrive.py), without -o, -V and the source.
const NOVA_FLAGS: &[&str] = &[
    "-ldots",
    "-allow-lowercase",
    "-allow-multidot",
    "-l",
    "-quiet",
    "-J",
    "-r",
];

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn corpus_cases() -> Vec<PathBuf> {
    let mut cases = Vec::new();
    for source in fs::read_dir(corpus_root()).unwrap() {
        let source = source.unwrap().path();
        if !source.is_dir() {
            continue;
        }
        for case in fs::read_dir(&source).unwrap() {
            let cd = case.unwrap().path().join("config-drive");
            if cd.is_dir() {
                cases.push(cd);
            }
        }
    }
    cases.sort();
    assert!(
        cases.len() >= 40,
        "expected the 40 corpus cases, found {}",
        cases.len()
    );
    cases
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!(
            "cdn-drive-{}-{}-{tag}",
            std::process::id(),
            std::thread::current()
                .name()
                .unwrap_or("t")
                .replace("::", "-")
        ));
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

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (tests/setup installs the tools)"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn iso(tool: &str, flags: &[&str], src: &Path, out: &Path) {
    let mut c = if tool == "xorriso" {
        let mut c = Command::new("xorriso");
        c.args(["-as", "mkisofs"]);
        c
    } else {
        Command::new(tool)
    };
    run(c.args(["-o", out.to_str().unwrap()]).args(flags).args([
        "-V",
        "config-2",
        src.to_str().unwrap(),
    ]));
}

fn vfat(mkfs_flags: &[&str], size: &str, src: &Path, out: &Path) {
    run(Command::new("truncate").args(["-s", size, out.to_str().unwrap()]));
    run(Command::new("mkfs.vfat")
        .args(mkfs_flags)
        .args(["-n", "config-2", out.to_str().unwrap()]));
    let mut c = Command::new("mcopy");
    c.env("MTOOLS_SKIP_CHECK", "1")
        .args(["-s", "-i", out.to_str().unwrap()]);
    for e in fs::read_dir(src).unwrap() {
        c.arg(e.unwrap().path());
    }
    run(c.arg("::/"));
}

/// The tree under `dir`: relative path -> Some(contents) for files, None for directories.
fn tree(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(base: &Path, rel: &str, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        for e in fs::read_dir(base.join(rel)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if e.file_type().unwrap().is_dir() {
                out.insert(r.clone(), None);
                walk(base, &r, out);
            } else {
                out.insert(r.clone(), Some(fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// The same, read through the drive: every directory listed, every file read.
fn drive_tree(d: &mut dyn Drive) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(d: &mut dyn Drive, rel: &str, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        let mut entries = Vec::new();
        d.list(rel, &mut |n, is_dir| entries.push((n.to_string(), is_dir)))
            .unwrap_or_else(|e| panic!("list {rel}: {e}"));
        for (name, is_dir) in entries {
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if is_dir {
                out.insert(r.clone(), None);
                walk(d, &r, out);
            } else {
                let mut buf = vec![0u8; 1 << 20];
                let n = d
                    .read(&r, &mut buf)
                    .unwrap_or_else(|e| panic!("read {r}: {e}"))
                    .unwrap_or_else(|| panic!("{r} listed but not found"));
                buf.truncate(n);
                out.insert(r, Some(buf));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(d, "", &mut out);
    out
}

fn open(img: &Path, want: &str) -> AnyDrive {
    let d = drive::open(img.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.describe(), want, "{}", img.display());
    d
}

/// Reads `img` back and compares it with `src`, names included.
fn check_same(img: &Path, want: &str, src: &Path) {
    let mut d = open(img, want);
    let got = drive_tree(&mut d);
    let expected = tree(src);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "names in {} ({want}) from {}",
        img.display(),
        src.display()
    );
    for (k, v) in &expected {
        assert!(got[k] == *v, "{k} differs in {} ({want})", img.display());
    }
}

#[test]
fn every_corpus_case_reads_back_from_nova_iso_and_vfat() {
    let s = Scratch::new("corpus");
    for (i, case) in corpus_cases().iter().enumerate() {
        let img = s.path(&format!("{i}.iso"));
        iso("genisoimage", NOVA_FLAGS, case, &img);
        check_same(&img, "ISO9660, Rock Ridge names", case);
        fs::remove_file(&img).unwrap();

        let img = s.path(&format!("{i}.vfat"));
        vfat(&[], "64M", case, &img);
        check_same(&img, "FAT16", case);
        fs::remove_file(&img).unwrap();
    }
}

#[test]
fn every_corpus_case_reads_back_from_xorriso_iso() {
    let s = Scratch::new("xorriso");
    for (i, case) in corpus_cases().iter().enumerate() {
        let img = s.path(&format!("{i}.iso"));
        iso("xorriso", NOVA_FLAGS, case, &img);
        check_same(&img, "ISO9660, Rock Ridge names", case);
        fs::remove_file(&img).unwrap();
    }
}

/// A tree with what the corpus lacks: long and non-ASCII names, names that differ only in
/// case or that look like 8.3 names, an empty file, a file of several clusters, a deep
/// path, and a directory of 300 entries (many sectors, many clusters).
fn awkward_tree(root: &Path) {
    let latest = root.join("openstack/latest");
    fs::create_dir_all(&latest).unwrap();
    fs::write(latest.join("network_data.json"), br#"{"links": []}"#).unwrap();
    fs::write(latest.join("meta_data.json"), br#"{"uuid": "x"}"#).unwrap();
    let long =
        "a-file-name-that-is-much-longer-than-any-8.3-name-and-than-64-characters-of-joliet.json";
    fs::write(latest.join(long), b"long name").unwrap();
    fs::write(latest.join("caf\u{e9}-\u{65e5}\u{672c}.txt"), "utf-8 name").unwrap();
    fs::write(latest.join("README"), b"upper case 8.3").unwrap();
    fs::write(latest.join("empty"), b"").unwrap();
    let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    fs::write(latest.join("big.bin"), &big).unwrap();
    let deep = root.join("openstack/content/a/b/c/d/e/f/g/h/i");
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("0000"), b"deep").unwrap();
    let many = root.join("openstack/many");
    fs::create_dir_all(&many).unwrap();
    for i in 0..300 {
        fs::write(
            many.join(format!("entry-number-{i:04}-with-a-long-name.json")),
            format!("{i}"),
        )
        .unwrap();
    }
}

/// What a Joliet tree holds of `src`: names cut at `max` UTF-16 units (64 by the Joliet
/// specification, 103 with `-joliet-long`), and, when `depth_limited` (genisoimage), no
/// directory below the eighth level, since Joliet cannot relocate them as Rock Ridge does.
fn joliet_view(src: &Path, max: usize, depth_limited: bool) -> BTreeMap<String, Option<Vec<u8>>> {
    tree(src)
        .into_iter()
        .filter(|(k, v)| {
            let depth = k.split('/').count();
            !depth_limited || depth < 8 || (depth == 8 && v.is_some())
        })
        .map(|(k, v)| {
            let k = k
                .split('/')
                .map(|c| {
                    let units: Vec<u16> = c.encode_utf16().take(max).collect();
                    String::from_utf16(&units).unwrap()
                })
                .collect::<Vec<_>>()
                .join("/");
            (k, v)
        })
        .collect()
}

#[test]
fn iso_with_and_without_rock_ridge_and_joliet() {
    let s = Scratch::new("flavours");
    let src = s.path("src");
    awkward_tree(&src);
    let base = [
        "-ldots",
        "-allow-lowercase",
        "-allow-multidot",
        "-l",
        "-quiet",
    ];
    for (tool, extra, want) in [
        (
            "genisoimage",
            &["-J", "-r"][..],
            "ISO9660, Rock Ridge names",
        ),
        ("genisoimage", &["-r"][..], "ISO9660, Rock Ridge names"),
        (
            "genisoimage",
            &["-J", "-joliet-long"][..],
            "ISO9660, Joliet names",
        ),
        ("genisoimage", &["-J"][..], "ISO9660, Joliet names"),
        ("xorriso", &["-J", "-r"][..], "ISO9660, Rock Ridge names"),
        // xorriso writes Rock Ridge unless told not to.
        ("xorriso", &["-J"][..], "ISO9660, Rock Ridge names"),
        ("xorriso", &["-J", "--norock"][..], "ISO9660, Joliet names"),
    ] {
        let img = s.path("x.iso");
        let flags: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        iso(tool, &flags, &src, &img);
        let mut d = open(&img, want);
        let mut got = drive_tree(&mut d);
        // Rock Ridge moves directories deeper than 8 levels to rr_moved/ and leaves a link
        // (CL) in their place; the moved ones (RE) are hidden there, as Linux does.
        if want.contains("Rock Ridge") && tool == "genisoimage" {
            assert_eq!(got.remove("rr_moved"), Some(None), "{tool} {extra:?}");
        }
        let mut expected = if want.contains("Joliet") {
            let max = if extra.contains(&"-joliet-long") {
                103
            } else {
                64
            };
            joliet_view(&src, max, tool == "genisoimage")
        } else {
            tree(&src)
        };
        if want.contains("Joliet") && tool == "xorriso" {
            // xorriso shortens long Joliet names its own way (keeping part of the
            // extension): check the name's start only.
            let long = |k: &String| k.contains("a-file-name-that-is-much-longer");
            expected.retain(|k, _| !long(k));
            let before = got.len();
            got.retain(|k, _| !long(k));
            assert_eq!(before, got.len() + 1, "the long name is there, shortened");
        }
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{tool} {extra:?}"
        );
        for (k, v) in &expected {
            assert!(got[k] == *v, "{k} differs ({tool} {extra:?})");
        }
    }
}

#[test]
fn iso_with_plain_names_only() {
    // Neither Rock Ridge nor Joliet: names are ISO9660 level-2-ish names (-l allows 31
    // characters), shown lower-case without the `;1` version, as Linux shows them.
    let s = Scratch::new("plain");
    let src = s.path("src");
    let latest = src.join("openstack/latest");
    fs::create_dir_all(&latest).unwrap();
    fs::write(latest.join("network_data.json"), b"{\"links\": []}").unwrap();
    fs::write(latest.join("meta_data.json"), b"{}").unwrap();
    fs::write(latest.join("NOEXT"), b"no extension").unwrap();
    let img = s.path("plain.iso");
    for flags in [
        &[
            "-ldots",
            "-allow-lowercase",
            "-allow-multidot",
            "-l",
            "-quiet",
        ][..],
        &["-l", "-quiet"][..],
    ] {
        iso("genisoimage", flags, &src, &img);
        let mut d = open(&img, "ISO9660, plain names");
        let got = drive_tree(&mut d);
        let names: Vec<_> = got.keys().cloned().collect();
        assert_eq!(
            names,
            [
                "openstack",
                "openstack/latest",
                "openstack/latest/meta_data.json",
                "openstack/latest/network_data.json",
                "openstack/latest/noext",
            ],
            "{flags:?}"
        );
        assert_eq!(
            got["openstack/latest/network_data.json"].as_deref(),
            Some(&b"{\"links\": []}"[..])
        );
    }
}

#[test]
fn fat12_fat16_fat32_with_long_names_and_big_directories() {
    let s = Scratch::new("fat");
    let src = s.path("src");
    awkward_tree(&src);
    for (flags, size, want) in [
        (&["-F", "12"][..], "4M", "FAT12"),
        (&["-F", "16"][..], "16M", "FAT16"),
        (&[][..], "64M", "FAT16"),
        (&["-F", "32", "-s", "1"][..], "64M", "FAT32"),
        (&["-F", "32", "-S", "4096", "-s", "1"][..], "300M", "FAT32"),
        (&["-F", "16", "-s", "1"][..], "16M", "FAT16"),
    ] {
        let img = s.path("x.vfat");
        let _ = fs::remove_file(&img);
        vfat(flags, size, &src, &img);
        check_same(&img, want, &src);
    }
}

#[test]
fn fat_lookups_ignore_case_and_iso_lookups_do_not() {
    let s = Scratch::new("case");
    let src = s.path("src");
    awkward_tree(&src);
    let img = s.path("x.vfat");
    vfat(&[], "64M", &src, &img);
    let mut d = open(&img, "FAT16");
    let mut buf = [0u8; 64];
    let n = d.read("OPENSTACK/Latest/readme", &mut buf).unwrap();
    assert_eq!(n.map(|n| &buf[..n]), Some(&b"upper case 8.3"[..]));

    let img = s.path("x.iso");
    iso("genisoimage", NOVA_FLAGS, &src, &img);
    let mut d = open(&img, "ISO9660, Rock Ridge names");
    assert_eq!(d.read("OPENSTACK/latest/README", &mut buf).unwrap(), None);
    assert_eq!(
        d.read("openstack/latest/README", &mut buf).unwrap(),
        Some(14)
    );
}

#[test]
fn reading_errors_are_typed() {
    let s = Scratch::new("errors");
    let src = s.path("src");
    awkward_tree(&src);
    for (img, want) in [
        (s.path("x.iso"), "ISO9660, Rock Ridge names"),
        (s.path("x.vfat"), "FAT16"),
    ] {
        if want.starts_with("ISO") {
            iso("genisoimage", NOVA_FLAGS, &src, &img);
        } else {
            vfat(&[], "64M", &src, &img);
        }
        let mut d = open(&img, want);
        let mut small = [0u8; 1000];
        let e = d.read("openstack/latest/big.bin", &mut small).unwrap_err();
        assert_eq!(e.kind, drive::DriveErrorKind::TooLarge { max: 1000 });
        let e = d.read("openstack/latest", &mut small).unwrap_err();
        assert_eq!(e.kind, drive::DriveErrorKind::NotAFile);
        assert_eq!(d.read("openstack/nothing.json", &mut small).unwrap(), None);
        assert_eq!(
            d.read("openstack/latest/empty/x", &mut small).unwrap(),
            None
        );
        assert_eq!(
            d.read("openstack/latest/empty", &mut small).unwrap(),
            Some(0)
        );
        let mut n = 0;
        d.list("openstack/missing", &mut |_, _| n += 1).unwrap();
        d.list("openstack/latest/meta_data.json", &mut |_, _| n += 1)
            .unwrap();
        assert_eq!(n, 0);
    }
    // Neither a directory nor a filesystem.
    let junk = s.path("junk");
    fs::write(&junk, vec![0x5a; 100_000]).unwrap();
    let e = drive::open(junk.to_str().unwrap()).err().unwrap();
    assert_eq!(e.kind, drive::DriveErrorKind::Unrecognised);
}
