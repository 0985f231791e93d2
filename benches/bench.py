#!/usr/bin/env python3
"""The benchmark: configdrive-net against its peers, one run, one table (benches/run.sh calls
this after building and installing what it needs; see README "Benchmarks").

  benches/bench.py [--quick] [--only PART,...] [--out DIR]
  PART: size, rss, render, apply, scale, vm (boot and VLANs in QEMU)

Every figure in the table is measured in this run, on this machine, and every ratio is of two
figures of this run. Times: each command is started with posix_spawn and timed from just
before the spawn to the end of its waitpid (so a process's exec and exit are in its time);
median and minimum of many runs, peers and ours interleaved so a load change on the (shared)
machine hits both. Setup (namespaces, veths, fresh output folders) is never timed.
Writes DIR/table.md (the table) and DIR/results.json (every sample); DIR is target/bench.
"""

import argparse
import ctypes
import datetime
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "tools"))
import peak_rss  # noqa: E402

BIN = os.path.join(REPO, "target", "release", "configdrive-net")
VENV = os.path.join(REPO, "target", "bench-venv")
GLEAN = os.path.join(VENV, "bin", "glean")
DEBS = os.path.join(REPO, "target", "bench-cache")
CORPUS = os.path.join(REPO, "tests", "corpus")
LARGEST = "glean/liberty"  # the corpus case with most links (17), bonds (3) and VLANs (3)
SAMPLE = os.path.join(REPO, "tests", "data", "sample-drive")
APPLY21 = os.path.join(HERE, "data", "apply21")
KIB = 1024

# Goals (issue 9).
GOAL_SIZE = 96 * KIB
GOAL_RSS_KIB = 256
GOAL_RENDER = 100.0
GOAL_APPLY = 30.0
GOAL_SCALE_MS = 50.0
# Linear: the last quarter costs at most this much more than the second (quadratic: 7/3).
LINEAR_MAX = 1.5


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- processes, namespaces, timing ------------------------------------------------------------

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWNET = 0x00020000, 0x04000000, 0x40000000
MS_PRIVATE, MS_REC, MNT_DETACH = 1 << 18, 0x4000, 2


def _ok(r, what):
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def mount(src, target, fstype, flags=0, data=None):
    _ok(libc.mount(src.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                   data.encode() if data else None), f"mount {target}")


def sandbox(net=True):
    """In the calling (child) process: private mounts, and with `net` a new network and UTS
    namespace with its own /sys (as `ip netns exec` does), so nothing reaches the host's
    network, hostname or mounts."""
    _ok(libc.unshare(CLONE_NEWNS | (CLONE_NEWNET | CLONE_NEWUTS if net else 0)), "unshare")
    _ok(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
    if net:
        libc.umount2(b"/sys", MNT_DETACH)
        mount("sysfs", "/sys", "sysfs")


def in_child(fn, *args):
    """fn(*args) in a forked child (which may enter namespaces); its JSON-able result."""
    sys.stdout.flush()
    sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            out = json.dumps({"ok": fn(*args)})
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            out = json.dumps({"err": "".join(traceback.format_exception(e))})
            code = 1
        with os.fdopen(w, "w") as f:
            f.write(out)
        os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    res = json.loads(data) if data else {"err": "the child died without a word"}
    if "err" in res:
        raise RuntimeError(res["err"])
    return res["ok"]


def sh(cmd, **kw):
    """A setup command (not timed); raises with its stderr on failure."""
    kw.setdefault("check", True)
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run(cmd, shell=isinstance(cmd, str), **kw)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{cmd}: exit {e.returncode}: {e.stderr.decode(errors='replace')}") from None


_NULL = None


def timed(argv, env=None, ok=(0,)):
    """Runs argv (argv[0] absolute) with stdout to /dev/null; returns its time in ms.
    A run that fails is an error: a benchmark of a failing run is moot."""
    return timed_cpu(argv, env, ok)[0]


def timed_cpu(argv, env=None, ok=(0,)):
    """timed(), and the CPU time (user + system, ms) the process used: unlike the wall time,
    it does not grow when other work on the machine takes the CPU away."""
    global _NULL
    if _NULL is None:
        _NULL = os.open(os.devnull, os.O_RDWR)
    err = tempfile.TemporaryFile(dir="/dev/shm")
    fa = [(os.POSIX_SPAWN_DUP2, _NULL, 0), (os.POSIX_SPAWN_DUP2, _NULL, 1),
          (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
    env = os.environ if env is None else env
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    _, st, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    rc = os.waitstatus_to_exitcode(st)
    if rc not in ok:
        err.seek(0)
        raise RuntimeError(f"{' '.join(argv)}: exit {rc}: {err.read().decode(errors='replace')[-3000:]}")
    err.close()
    return (t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3


def rss(argv, ok=(0,)):
    """Peak RSS (VmHWM, KiB) of argv's own process (tests/tools/peak_rss.py)."""
    kib, rc = peak_rss.peak_rss(argv)
    if rc not in ok or kib is None:
        raise RuntimeError(f"{' '.join(argv)}: exit {rc}")
    return kib


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "n": len(xs), "samples": xs}


def veths(pairs):
    """Creates veth NICs (name, mac) in the current namespace, peers up (one `ip -batch`)."""
    lines = []
    for name, mac in pairs:
        lines.append(f"link add name {name} address {mac} type veth peer name p{name}")
        lines.append(f"link set dev p{name} up")
    sh(["ip", "-batch", "-"], input="\n".join(lines).encode())


def which(name):
    p = shutil.which(name)
    if not p:
        raise RuntimeError(f"{name}: not installed")
    return p


# --- 1. size ----------------------------------------------------------------------------------

PEER_PKGS = ["klibc-utils", "libklibc", "busybox-static", "systemd", "libsystemd-shared"]


def debs():
    """The peers' Debian packages, downloaded (apt-get download, no install) and unpacked
    under target/bench-cache once; returns the unpacked root and {package: version}."""
    root = os.path.join(DEBS, "root")
    os.makedirs(DEBS, exist_ok=True)
    versions = {}
    for pkg in PEER_PKGS:
        found = glob.glob(os.path.join(DEBS, f"{pkg}_*.deb"))
        if not found:
            log(f"apt-get download {pkg}")
            cmd = ["apt-get", "download", "-q", pkg]
            if subprocess.run(cmd, cwd=DEBS, capture_output=True).returncode != 0:
                sh(["apt-get", "update", "-q"])
                sh(cmd, cwd=DEBS)
            found = glob.glob(os.path.join(DEBS, f"{pkg}_*.deb"))
            sh(["dpkg-deb", "-x", found[0], root])
        versions[pkg] = sh(["dpkg-deb", "-f", found[0], "Version"]).stdout.decode().strip()
    return root, versions


def stripped_size(path, work):
    """The size of `path` after `strip --strip-all` (Debian's binaries are stripped already;
    stripping a copy of every file, ours too, makes that sure)."""
    out = os.path.join(work, "strip-" + os.path.basename(path))
    if shutil.which("strip"):
        sh(["strip", "--strip-all", "-o", out, path])
        n = os.path.getsize(out)
        os.unlink(out)
        return n
    return os.path.getsize(path)


def part_size(q, work):
    root, versions = debs()

    def one(pattern):
        m = glob.glob(os.path.join(root, pattern.lstrip("/")))
        if len(m) != 1:
            raise RuntimeError(f"{pattern}: expected one file in the package, found {m}")
        return stripped_size(m[0], work)

    ours = stripped_size(BIN, work)
    ipconfig = one("/usr/lib/klibc/bin/ipconfig")
    klibc = one("/lib/klibc-*.so") if glob.glob(os.path.join(root, "lib/klibc-*.so")) \
        else one("/usr/lib/klibc-*.so")
    busybox = one("/bin/busybox")
    networkd = one("/lib/systemd/systemd-networkd")
    shared = one("/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-*.so")
    return {"ours": ours, "versions": versions,
            "peers": {"klibc ipconfig + libklibc": [ipconfig, klibc],
                      "busybox (static)": [busybox],
                      "systemd-networkd + libsystemd-shared": [networkd, shared]}}


# --- 2. peak RSS, 3. render -------------------------------------------------------------------

OUR_FORMATS = ["networkd", "nm", "eni", "ifcfg"]  # the four glean has, one process each
GLEAN_FORMATS = [["--distro", "networkd"], ["--distro", "redhat", "--use-nm"],
                 ["--distro", "debian"], ["--distro", "redhat"]]
SAMPLE_NICS = [("eth0", "02:cd:00:00:00:01"), ("eth1", "02:cd:00:00:00:02")]


def new_root(work, tag, n):
    """A fresh, empty real root for one render (as at a first boot), made before timing:
    only etc/network/interfaces with the `source` line ifupdown's output needs."""
    r = os.path.join(work, "roots", f"{tag}{n}")
    os.makedirs(os.path.join(r, "etc", "network"))
    with open(os.path.join(r, "etc", "network", "interfaces"), "w") as f:
        f.write("source /etc/network/interfaces.d/*\n")
    return r


def glean_root(work, case):
    """glean reads <root>/mnt/config (the drive) and <root>/sys/class/net (the NICs)."""
    g = os.path.join(work, "glean-root")
    os.makedirs(os.path.join(g, "mnt"))
    os.symlink(os.path.join(CORPUS, case, "config-drive"), os.path.join(g, "mnt", "config"))
    os.symlink(os.path.join(CORPUS, case, "sys"), os.path.join(g, "sys"))
    return g


def glean_sandbox(work):
    """glean writes NetworkManager's conf.d file (`--use-nm`) into the host's /etc even with
    --noop, and its lock into /tmp: here /etc is an overlay whose writes go to tmpfs, and /tmp
    is a tmpfs, in a private mount namespace."""
    sandbox(net=False)
    ov = os.path.join(work, "etc-overlay")
    os.makedirs(ov, exist_ok=True)
    mount("tmpfs", ov, "tmpfs")
    os.makedirs(os.path.join(ov, "upper"))
    os.makedirs(os.path.join(ov, "work"))
    mount("overlay", "/etc", "overlay",
          data=f"lowerdir=/etc,upperdir={ov}/upper,workdir={ov}/work")
    mount("tmpfs", "/tmp", "tmpfs")


def _render_child(q, work):
    glean_sandbox(work)
    case = os.path.join(CORPUS, LARGEST)
    drive, sysfs = os.path.join(case, "config-drive"), os.path.join(case, "sys")
    g = glean_root(work, LARGEST)
    glean = [GLEAN, "--noop", "--root", g]

    def ours(fmt, tag, n):
        return [BIN, "render", "--drive", drive, "--sysfs", sysfs, "--quiet",
                "--root", new_root(work, tag, n), "--format", fmt]

    # Sanity: every format renders, and glean produces output for each of its formats.
    out = ours("networkd,nm,eni,netplan,ifcfg", "check", 0)
    timed(out)
    files = sum(len(fs) for _, _, fs in os.walk(out[out.index("--root") + 1]))
    glean_files = {}
    for args in GLEAN_FORMATS:
        o = sh(glean + args).stdout.decode()
        glean_files[" ".join(args)] = o.count("### Write ")
        if "### Write " not in o:
            raise RuntimeError(f"glean {' '.join(args)}: wrote nothing")
    n_glean = 3 if q else 15
    per = 10 if q else 12  # our runs per glean run
    g_set, o_all, o_set = [], [], []
    g_each = {" ".join(a): [] for a in GLEAN_FORMATS}
    o_each = {f: [] for f in OUR_FORMATS}
    n = 0
    for _ in range(n_glean):
        t = 0.0
        for args in GLEAN_FORMATS:
            x = timed(glean + args)
            g_each[" ".join(args)].append(x)
            t += x
        g_set.append(t)
        for _ in range(per):
            n += 1
            o_all.append(timed(ours("networkd,nm,eni,netplan,ifcfg", "all", n)))
            t = 0.0
            for f in OUR_FORMATS:
                x = timed(ours(f, f, n))
                o_each[f].append(x)
                t += x
            o_set.append(t)
    # Peak RSS: ours rendering everything; glean, the largest of its four runs.
    r_ours = rss(ours("networkd,nm,eni,netplan,ifcfg", "rss", 0))
    r_glean = {" ".join(a): rss(glean + a) for a in GLEAN_FORMATS}
    return {"case": LARGEST, "files": files, "glean_files": glean_files,
            "glean_set": stats(g_set), "ours_all": stats(o_all), "ours_set": stats(o_set),
            "glean_each": {k: stats(v) for k, v in g_each.items()},
            "ours_each": {k: stats(v) for k, v in o_each.items()},
            "rss_ours": r_ours, "rss_glean": r_glean}


def part_render(q, work):
    return in_child(_render_child, q, work)


def _rss_apply_child(work):
    sandbox()
    veths(SAMPLE_NICS)
    resolv = os.path.join(work, "resolv-rss.conf")
    return rss([BIN, "apply", "--quiet", "--drive", SAMPLE, "--cmdline", os.devnull,
                "--resolv-conf", resolv, "--timeout", "5"])


def _rss_batch_child(work):
    sandbox()
    veths(APPLY21_NICS)
    return rss([which("ip"), "-batch", os.path.join(work, "apply21-batch.txt")])


# --- 4. apply ---------------------------------------------------------------------------------

APPLY21_NICS = [(f"n{i}", f"02:be:00:00:00:0{i}") for i in range(4)]


def apply21_files(work):
    """The script's `ip` lines as one `ip -batch` file, and the batch variant's script (the
    batch plus the three steps that are not `ip`)."""
    lines = [ln for ln in open(os.path.join(APPLY21, "script.sh")) if not ln.startswith("#")]
    batch = os.path.join(work, "apply21-batch.txt")
    with open(batch, "w") as f:
        f.writelines(ln[3:] for ln in lines if ln.startswith("ip "))
    script = os.path.join(work, "apply21-batch.sh")
    with open(script, "w") as f:
        f.write(f'ip -batch "{batch}"\n')
        f.writelines(ln for ln in lines if ln.strip() and not ln.startswith("ip "))
    return batch, script


def _apply_child(variant, work, check):
    sandbox()
    veths(APPLY21_NICS)
    resolv = os.path.join(work, f"resolv-{variant}.conf")
    if os.path.exists(resolv):
        os.unlink(resolv)
    env = dict(os.environ, RESOLV=resolv)
    bash = which("bash")
    argv = {
        "ours": [BIN, "apply", "--quiet", "--drive", os.path.join(APPLY21, "drive"),
                 "--cmdline", os.devnull, "--resolv-conf", resolv, "--timeout", "5"],
        "script": [bash, "-e", os.path.join(APPLY21, "script.sh")],
        "batch": [bash, "-e", os.path.join(work, "apply21-batch.sh")],
        "true": [which("true")],
    }[variant]
    t = timed(argv, env)
    if check and variant != "true":
        # All three configured the same: 6 addresses, 5 static routes, hostname, resolv.conf.
        addrs = json.loads(sh(["ip", "-j", "addr", "show", "scope", "global"]).stdout)
        n_addr = sum(a.get("scope") == "global" for i in addrs for a in i.get("addr_info", []))
        n_route = sum(len(json.loads(sh(["ip", "-j", f, "route", "show", "proto", "static"]).stdout))
                      for f in ("-4", "-6"))
        host = os.uname().nodename
        if (n_addr, n_route, host) != (6, 5, "bench-guest") or not os.path.exists(resolv):
            raise RuntimeError(f"apply row, {variant}: configured {n_addr} addresses, {n_route} "
                               f"static routes, hostname {host!r}; expected 6, 5, bench-guest")
    return t


def part_apply(q, work):
    apply21_files(work)
    rounds = 8 if q else 30
    res = {v: [] for v in ("ours", "script", "batch", "true")}
    for i in range(rounds):
        for v in res:
            res[v].append(in_child(_apply_child, v, work, i == 0))
    out = {v: stats(x) for v, x in res.items()}
    out["ops"] = 21
    out["rss_ours"] = in_child(_rss_apply_child, work)
    out["rss_batch"] = in_child(_rss_batch_child, work)
    return out


# --- 5. scale (this machine's kernel) ---------------------------------------------------------

SCALE_NICS = [(f"s{i}", f"02:5c:00:00:00:0{i}") for i in range(4)]
SCALE_FULL = (512, 256)  # addresses, routes
FRACTIONS = [1, 2, 3, 4]  # quarters


def scale_drive(dest, addrs, routes):
    """A drive with `addrs` static addresses (half IPv4 /24, half IPv6 /64) and `routes`
    routes (each via a gateway in one of those subnets), spread over the four NICs."""
    nics = len(SCALE_NICS)
    links = [{"id": f"l{i}", "type": "phy", "ethernet_mac_address": mac}
             for i, (_, mac) in enumerate(SCALE_NICS)]
    networks = []
    per, rper = addrs // nics, routes // nics
    for i in range(nics):
        for j in range(per):
            k = j // 2
            if j % 2 == 0:
                n = {"id": f"v4-{i}-{k}", "type": "ipv4", "link": f"l{i}",
                     "ip_address": f"10.{i}.{k}.10", "netmask": "255.255.255.0"}
                if j < rper:
                    n["routes"] = [{"network": f"172.{16 + i}.{k}.0", "netmask": "255.255.255.0",
                                    "gateway": f"10.{i}.{k}.1"}]
            else:
                n = {"id": f"v6-{i}-{k}", "type": "ipv6", "link": f"l{i}",
                     "ip_address": f"2001:db8:{i}:{k:x}::10", "netmask": "ffff:ffff:ffff:ffff::"}
                if j < rper:
                    n["routes"] = [{"network": f"2001:db8:ff{i:02x}:{k:x}::",
                                    "netmask": "ffff:ffff:ffff:ffff::",
                                    "gateway": f"2001:db8:{i}:{k:x}::1"}]
            networks.append(n)
    d = os.path.join(dest, "openstack", "latest")
    os.makedirs(d)
    with open(os.path.join(d, "network_data.json"), "w") as f:
        json.dump({"links": links, "networks": networks, "services": []}, f)
    with open(os.path.join(d, "meta_data.json"), "w") as f:
        json.dump({"uuid": "5c000000-0000-4000-8000-000000000000"}, f)
    return dest


def _scale_child(drive, addrs, routes, work, check):
    sandbox()
    veths(SCALE_NICS)
    argv = [BIN, "apply", "--quiet", "--drive", drive, "--cmdline", os.devnull,
            "--resolv-conf", os.path.join(work, "resolv-scale.conf"), "--timeout", "5"]
    fresh = timed_cpu(argv)
    again = timed_cpu(argv)
    if check:
        got = json.loads(sh(["ip", "-j", "addr", "show", "scope", "global"]).stdout)
        n_addr = sum(a.get("scope") == "global" for i in got for a in i.get("addr_info", []))
        n_route = sum(len(json.loads(sh(["ip", "-j", f, "route", "show", "proto", "static"]).stdout))
                      for f in ("-4", "-6"))
        if (n_addr, n_route) != (addrs, routes):
            raise RuntimeError(f"scale {addrs}/{routes}: {n_addr} addresses, {n_route} routes")
    return fresh, again


def linearity(times):
    """(full / quarter, last quarter's cost / second quarter's cost): a straight line with a
    fixed start-up cost gives < 4 and 1; a quadratic one 7/3 for the second."""
    t1, t2, t3, t4 = times
    return t4 / t1, (t4 - t3) / (t2 - t1) if t2 > t1 else float("inf")


def part_scale(q, work):
    rounds = 4 if q else 12
    drives = {}
    for f in FRACTIONS:
        a, r = SCALE_FULL[0] * f // 4, SCALE_FULL[1] * f // 4
        drives[f] = (scale_drive(os.path.join(work, f"scale-{f}"), a, r), a, r)
    out = {k: {f: [] for f in FRACTIONS} for k in ("fresh", "again", "fresh_cpu", "again_cpu")}
    for i in range(rounds):
        for f in FRACTIONS:
            d, a, r = drives[f]
            x, y = in_child(_scale_child, d, a, r, work, i == 0)
            out["fresh"][f].append(x[0])
            out["fresh_cpu"][f].append(x[1])
            out["again"][f].append(y[0])
            out["again_cpu"][f].append(y[1])
    res = {k: {f: stats(v) for f, v in x.items()} for k, x in out.items()}
    res["sizes"] = {f: drives[f][1:] for f in FRACTIONS}
    return res


# --- the machine ------------------------------------------------------------------------------


def machine():
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo")
                if ln.startswith("model name")), platform.processor())
    mem = next(int(ln.split()[1]) for ln in open("/proc/meminfo") if ln.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "ram_gib": round(mem / 1024 / 1024, 1), "load": os.getloadavg()[0],
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


# --- the table --------------------------------------------------------------------------------


def ms(x):
    return f"{x:.2f} ms" if x < 10 else f"{x:.1f} ms" if x < 100 else f"{x:.0f} ms"


def md(s):
    """A timing as 'median (min)'."""
    return f"{ms(s['median'])} (min {ms(s['min'])})"


def kib(n):
    return f"{n / KIB:.1f} KiB"


def ratio(a, b):
    return f"{a / b:.1f}×" if a / b < 10 else f"{a / b:.0f}×"


def verdict(ok):
    return "**PASS**" if ok else "**MISS**"


def table(res, quick):
    rows = []
    m = res["machine"]
    if "size" in res:
        s = res["size"]
        ours = s["ours"]
        peers, ratios = [], []
        for name, parts in s["peers"].items():
            t = sum(parts)
            peers.append(f"{name}: {kib(t)}")
            ratios.append(f"{name.split()[0]}: {ratio(t, ours)}")
        over = ours - GOAL_SIZE
        v = s.get("versions", {})
        if v:
            peers.append("Debian's " + ", ".join(f"{k} {v[k]}" for k in ("klibc-utils", "busybox-static",
                                                                         "systemd") if k in v))
        rows.append(["1. Binary size, stripped",
                     f"{kib(ours)} ({ours} B)" + (f"; over the goal by {kib(over)}" if over > 0 else ""),
                     "; ".join(peers), "; ".join(ratios), "≤ 96 KiB", verdict(ours <= GOAL_SIZE)])
    if "apply" in res and "render" in res:
        a, r = res["apply"], res["render"]
        rows.append(["2a. Peak RSS of `apply` (sample drive, 2 veth NICs)",
                     f"{a['rss_ours']} KiB",
                     f"iproute2 `ip -batch` (the 20 `ip` operations of row 4): {a['rss_batch']} KiB",
                     ratio(a["rss_batch"], a["rss_ours"]), "≤ 256 KiB", verdict(a["rss_ours"] <= GOAL_RSS_KIB)])
        g = max(r["rss_glean"].values())
        rows.append([f"2b. Peak RSS of `render` ({r['case']}, all 5 formats)",
                     f"{r['rss_ours']} KiB",
                     f"glean (Python, largest of its 4 formats): {g} KiB",
                     ratio(g, r["rss_ours"]), "≤ 256 KiB", verdict(r["rss_ours"] <= GOAL_RSS_KIB)])
    if "render" in res:
        r = res["render"]
        gs, os_, oa = r["glean_set"], r["ours_set"], r["ours_all"]
        rows.append([f"3a. Render {r['case']}, the 4 formats glean has, one process per format",
                     md(os_), f"glean 1.25.1 `--noop`: {md(gs)}",
                     f"{ratio(gs['median'], os_['median'])} (min: {ratio(gs['min'], os_['min'])})",
                     "≥ 100×", verdict(gs["median"] / os_["median"] >= GOAL_RENDER)])
        rows.append([f"3b. Render {r['case']}, all 5 formats in one process ({r['files']} files)",
                     md(oa), f"glean, its 4 formats (4 runs): {md(gs)}",
                     f"{ratio(gs['median'], oa['median'])} (min: {ratio(gs['min'], oa['min'])})",
                     "≥ 100×", verdict(gs["median"] / oa["median"] >= GOAL_RENDER)])
    if "apply" in res:
        a = res["apply"]
        o, s_, b, t = a["ours"], a["script"], a["batch"], a["true"]
        rows.append([f"4. Apply {a['ops']} operations (4 veth NICs, fresh namespace each run)",
                     md(o),
                     f"`ip` script, 1 process per operation: {md(s_)}; `ip -batch` + 3 processes: "
                     f"{md(b)}; one fork+exec of /bin/true: {ms(t['median'])}",
                     f"script: {ratio(s_['median'], o['median'])}; batch: "
                     f"{ratio(b['median'], o['median'])}",
                     "≥ 30× (script)", verdict(s_["median"] / o["median"] >= GOAL_APPLY)])
    if "scale" in res:
        s = res["scale"]
        for key, what in (("fresh", "fresh namespace"), ("again", "run again: nothing to do")):
            t = [s[key][f]["median"] for f in FRACTIONS]
            c = [s[key + "_cpu"][f]["median"] for f in FRACTIONS]
            grow, _ = linearity(t)
            cgrow, lin = linearity(c)
            ok = lin <= LINEAR_MAX and t[-1] <= GOAL_SCALE_MS
            rows.append([f"5{'a' if key == 'fresh' else 'b'}. Scale, this kernel: 128/256/384/512 "
                         f"addresses + 64/128/192/256 routes on 4 veth NICs ({what}), median",
                         " / ".join(ms(x) for x in t) + " (CPU: " + " / ".join(ms(x) for x in c) + ")",
                         "—",
                         f"full ÷ quarter: {grow:.2f} (CPU {cgrow:.2f}); last ÷ second quarter (CPU): {lin:.2f}",
                         f"linear (last ÷ second quarter ≤ {LINEAR_MAX}), full ≤ 50 ms", verdict(ok)])
    if "vm" in res:
        v = res["vm"]
        rows += v_rows(v)
    head = ["measure", "configdrive-net", "peers, same run", "ratio (peer ÷ ours)", "goal", "result"]
    out = [f"Benchmarks of {m['date']} on {m['nproc']} × {m['cpu']}, {m['ram_gib']} GiB RAM, "
           f"Linux {m['kernel']} (load average {m['load']:.1f} at the start"
           + (f", {m['load_end']:.1f} at the end" if "load_end" in m else "") + ")"
           + (", --quick" if quick else "") + f"; `{res['command']}`, {res['seconds']:.0f} s.", ""]
    out.append("| " + " | ".join(head) + " |")
    out.append("| " + " | ".join("---" for _ in head) + " |")
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out) + "\n"


def v_rows(v):
    rows = []
    b = v.get("boot")
    proc = b["step"]["true"]["median"] if b else None
    clock = {"icount": "VM clock: instructions at 1 ns (QEMU -icount), idle time at host time",
             "real": "VM clock: host time"}[v["clock"]]
    if "vlans" in v:
        x = v["vlans"]
        t = [x["times"][str(n)]["median"] for n in x["sizes"]]
        grow, lin = linearity(t)
        fast = t[-1] <= GOAL_SCALE_MS
        full = x["cpu"].get(str(x["sizes"][-1]), {})
        split = (f"; at full size the kernel's (system) time {ms(full['sys']['median'])}, ours "
                 f"(user) {ms(full['user']['median'])}") if "sys" in full and "user" in full else ""
        vclock = clock.replace("idle time at host time", "idle time too")
        batch, bratio = "—", ""
        if "batch" in x:
            bt = [x["batch"][str(n)]["median"] for n in x["sizes"]]
            batch = ("iproute2 `ip -batch` of the same links, ups and addresses (one process): "
                     + " / ".join(ms(a) for a in bt))
            bratio = f"; `ip -batch` ÷ ours at full size: {ratio(bt[-1], t[-1])}"
        rows.append([f"5c. Scale, VM (Debian {x['kver']}, QEMU TCG, 1 vCPU, {vclock}): "
                     f"{'/'.join(map(str, x['sizes']))} VLANs on one NIC, each up with an address, "
                     f"median of {x['rounds']}",
                     " / ".join(ms(a) for a in t) + split, batch,
                     f"full ÷ quarter: {grow:.2f}; last ÷ second quarter: {lin:.2f}" + bratio,
                     f"linear (≤ {LINEAR_MAX}), full ≤ 50 ms",
                     f"linear: {verdict(lin <= LINEAR_MAX)}; ≤ 50 ms: {verdict(fast)}"
                     + ("" if fast or proc is None else
                        f" (one fork+exec of `true` takes {ms(proc)} in this VM)")])
    if b:
        x, c = b["boot"], b["cold"]

        def med(d, k):
            return d[k]["median"]

        ok = med(x, "script") > med(x, "ours") and med(x, "klibc") > med(x, "ours-eth0")
        rows.append([f"6a. Boot, VM: /init starts → addresses configured, median of {b['rounds']} "
                     f"boots each; in brackets the configuring step of those boots ({clock})",
                     f"sample drive: {ms(med(x, 'ours'))} ({ms(med(c, 'ours'))}); eth0 only: "
                     f"{ms(med(x, 'ours-eth0'))} ({ms(med(c, 'ours-eth0'))})",
                     f"busybox `ip` script, 1 process per operation, sample drive: "
                     f"{ms(med(x, 'script'))} ({ms(med(c, 'script'))}); klibc `ipconfig` (what "
                     f"initramfs-tools runs for `IP=`), eth0 only: {ms(med(x, 'klibc'))} "
                     f"({ms(med(c, 'klibc'))})",
                     f"script: {ratio(med(x, 'script'), med(x, 'ours'))} "
                     f"({ratio(med(c, 'script'), med(c, 'ours'))}); klibc: "
                     f"{ratio(med(x, 'klibc'), med(x, 'ours-eth0'))} "
                     f"({ratio(med(c, 'klibc'), med(c, 'ours-eth0'))})",
                     "faster than dracut `ip=` and initramfs-tools `IP=`",
                     verdict(ok) + " against these two (same minimal initramfs); real images: 6c"])
        x = b["step"]
        rows.append([f"6b. Boot, VM: the configuring step alone, {b['step_rounds']} runs each in "
                     f"one boot ({clock})",
                     f"sample drive: {md(x['ours'])}; eth0 only: {md(x['ours-eth0'])}",
                     f"busybox `ip` script: {md(x['script'])}; klibc `ipconfig`: {md(x['klibc'])}; "
                     f"one fork+exec of `true`: {ms(med(x, 'true'))}",
                     f"script: {ratio(med(x, 'script'), med(x, 'ours'))}; klibc: "
                     f"{ratio(med(x, 'klibc'), med(x, 'ours-eth0'))}", "—", "—"])
        rows.append(real_row(b.get("real", {}), clock))
    return rows


def real_row(r, clock):
    """Row 6c: the real dracut and initramfs-tools images (vmbench._real_boots)."""
    what = ("6c. Boot, VM, real images (Debian bookworm's dracut with network-legacy, and "
            "initramfs-tools, each with our module/hook as the README installs it): /init "
            "starts → eth0's address and default route are there")
    if "times" not in r:
        return [what, "not measured", f"not measured: {r.get('skipped', 'no VM run')}", "—",
                "faster than dracut `ip=` and initramfs-tools `IP=`", "—"]
    t = r["times"]

    def med(v):
        return t[v]["median"]

    def cell(v):
        return f"{ms(med(v))} (min {ms(t[v]['min'])})"

    ok = med("dracut-ip") > med("dracut-ours") and med("itools-ip") > med("itools-ours")
    if r.get("versions"):
        what += " (" + ", ".join(f"{k} {x}" for k, x in r["versions"].items()) + ")"
    return [what + f", median of {r['rounds']} boots each ({clock}); eth0 only, from the drive",
            f"dracut: {cell('dracut-ours')}; initramfs-tools: {cell('itools-ours')}",
            f"dracut `ip=` (network-legacy): {cell('dracut-ip')}; initramfs-tools `IP=` "
            f"(configure_networking, klibc ipconfig; asked for by an NBD root): {cell('itools-ip')}",
            f"dracut: {ratio(med('dracut-ip'), med('dracut-ours'))}; initramfs-tools: "
            f"{ratio(med('itools-ip'), med('itools-ours'))}",
            "faster than dracut `ip=` and initramfs-tools `IP=`", verdict(ok)]


# --- main -------------------------------------------------------------------------------------

PARTS = ["size", "render", "apply", "scale", "vm"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few runs: a sanity check, not figures")
    ap.add_argument("--only", default=",".join(PARTS), help="parts: " + ",".join(PARTS))
    ap.add_argument("--out", default=os.path.join(REPO, "target", "bench"))
    ap.add_argument("--command", default="sudo benches/run.sh", help=argparse.SUPPRESS)
    ap.add_argument("--table", metavar="RESULTS_JSON",
                    help="print the table of an earlier run's results.json (nothing is measured)")
    a = ap.parse_args()
    if a.table:
        res = json.load(open(a.table))
        # JSON keeps the scale rows' fractions (1..4) as strings.
        for k, v in res.get("scale", {}).items():
            if isinstance(v, dict) and all(f.isdigit() for f in v):
                res["scale"][k] = {int(f): x for f, x in v.items()}
        print(table(res, res["command"].endswith("--quick")), end="")
        return
    parts = a.only.split(",")
    if any(p not in PARTS for p in parts):
        ap.error(f"--only: parts are {', '.join(PARTS)}")
    if os.geteuid() != 0:
        sys.exit("benches/bench.py: needs root (network namespaces, mounts)")
    t0 = time.monotonic()
    res = {"machine": machine(), "command": a.command + (" --quick" if a.quick else "")}
    work = tempfile.mkdtemp(prefix="cdn-bench.", dir="/dev/shm")  # tmpfs: see README
    try:
        for p in parts:
            log(f"{p} ...")
            t = time.monotonic()
            if p == "vm":
                sys.path.insert(0, HERE)
                import vmbench
                root, _ = debs()
                res["vm"] = vmbench.run(a.quick, work, root)
            else:
                res[p] = globals()[f"part_{p}"](a.quick, work)
            log(f"{p}: {time.monotonic() - t:.0f} s")
    finally:
        subprocess.run(["umount", "-R", "-q", work], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    res["seconds"] = time.monotonic() - t0
    res["machine"]["load_end"] = os.getloadavg()[0]
    text = table(res, a.quick)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(text)
    print(text)
    log(f"table in {a.out}/table.md, samples in {a.out}/results.json")


if __name__ == "__main__":
    main()
