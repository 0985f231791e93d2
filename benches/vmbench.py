"""The VM rows of the benchmark (benches/bench.py): boot (row 6) and 256 VLANs (row 5c), in
QEMU/TCG with the VM tests' harness (tests/vm/vmlib.py: Debian's kernel, a busybox
initramfs with our release binary, drives made as nova makes them).

Times come from the guest's kernel: the guest writes marks into /dev/kmsg (a shell builtin
`echo`, no process), the kernel stamps each with its clock (microseconds since the kernel
started), and the guest prints them from `dmesg` onto the console as `@@VM mark WORDS TIME`.
The kernel's own "Run /init as init process" line is the start of the initramfs.

Debian's kernel has no CONFIG_IP_PNP (checked from the cached kernel's config on every run),
so there is no in-kernel `ip=` to compare with. The peers here are a busybox `ip` script
(one process per operation, what a hand-written initramfs hook does; dracut's
network-legacy `ifup` does the same with iproute2) and klibc's `ipconfig` from Debian's
package, the tool initramfs-tools' `configure_networking` runs for `IP=`/`ip=` (it does one
interface's IPv4 address and default route: a subset of the sample drive).

The real images (row 6c): Debian's dracut and initramfs-tools images as the VM harness's
real-generator tests build them (ROOTS), booted with a stopwatch as the first process
(guest/bench-init.c) that execs the image's own /init: ours from the drive against each
generator's own static `ip=` on the same image, kernel, NIC and disk (_real_boots).
"""

import json
import os
import re
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "vm"))
import vmlib  # noqa: E402

SAMPLE = os.path.join(REPO, "tests", "data", "sample-drive")
SAMPLE_MACS = ["02:cd:00:00:00:01", "02:cd:00:00:00:02"]
VLAN_MAC = "02:5c:00:00:01:00"

# Guest helpers, /bench/lib.sh.
LIB = r"""
mark() { echo "bench: $*" > /dev/kmsg; }
# The marks (and the kernel's start of /init) from the kernel log, which is then cleared.
marks() {
    dmesg -c | sed -n -e 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/@@VM mark init \1/p' \
        -e 's/^\[ *\([0-9.]*\)\] bench: \(.*\)$/@@VM mark \2 \1/p'
}
IP=/usr/sbin/ip   # iproute2, for checks and resets (never timed)
# Undoes any variant's configuration (not timed).
reset() {
    for i in eth0 eth1; do $IP link set $i down; $IP addr flush dev $i; $IP link set $i mtu 1500; done
    echo 1 > /proc/sys/net/ipv6/conf/eth0/accept_ra
    hostname reset
    rm -f /etc/resolv.conf /run/net-eth0.conf
}
# How many global addresses the NICs hold now.
count() { $IP -o addr show scope global | wc -l; }
"""

# The sample drive's 15 operations (`configdrive-net plan`), one busybox process each.
SCRIPT = """/bin/ip link set dev eth0 mtu 1450
/bin/ip link set dev eth1 mtu 9000
/bin/sysctl -w net.ipv6.conf.eth0.accept_ra=0
/bin/ip link set dev eth0 up
/bin/ip link set dev eth1 up
/bin/ip addr add 192.0.2.10/24 brd 192.0.2.255 dev eth0
/bin/ip addr add 2001:db8:0:1::10/64 dev eth0
/bin/ip addr add 198.51.100.10/24 brd 198.51.100.255 dev eth1
/bin/ip addr add 198.51.101.10/25 brd 198.51.101.127 dev eth1
/bin/ip route add default via 192.0.2.1 dev eth0 proto static
/bin/ip route add ::/0 via fe80::1 dev eth0 onlink proto static
/bin/ip route add 203.0.113.0/24 via 198.51.100.1 dev eth1 proto static
/bin/ip route add 10.20.0.0/16 via 172.16.0.1 dev eth1 onlink proto static
/bin/hostname demo-guest.example.com
printf 'nameserver 192.0.2.53\\nnameserver 2001:db8::53\\nsearch example.com\\n' > /etc/resolv.conf
"""

KLIBC_IP = "192.0.2.10::192.0.2.1:255.255.255.0:demo-guest:eth0:off"

# What klibc's ipconfig can do, as a drive: eth0's IPv4 address, default route, hostname.
ETH0_ONLY = {
    "links": [{"id": "a", "type": "phy", "ethernet_mac_address": SAMPLE_MACS[0]}],
    "networks": [{"id": "v4", "type": "ipv4", "link": "a", "ip_address": "192.0.2.10",
                  "netmask": "255.255.255.0",
                  "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"}]}],
}

# Each variant: the guest command that configures, and the global addresses it leaves. The
# sample drive is /dev/vda, the eth0-only drive /dev/vdb (both attached to every VM).
VARIANTS = {
    "ours": ("/bin/configdrive-net apply --drive /dev/vda --quiet --timeout 10", 4),
    "script": ("sh -e /bench/script.sh", 4),
    "ours-eth0": ("/bin/configdrive-net apply --drive /dev/vdb --quiet --timeout 10", 1),
    "klibc": (f"/usr/lib/klibc/bin/ipconfig -t 10 -d {KLIBC_IP} >/dev/null", 1),
}
# Who is compared with whom: the same work.
PAIRS = [("script", "ours"), ("klibc", "ours-eth0")]

# The guest's clock. "icount" (default): QEMU's -icount shift=0 makes it count the guest's
# instructions (1 ns each) instead of following the host's clock, so the VM's times do not
# depend on the host's load (other builds on a shared machine) nor on TCG translating code the
# first time it runs; they measure the guest's own work on a notional in-order 1 GIPS CPU.
# While the guest is idle (waiting for a disk read) its clock follows the host's (sleep=on):
# the drive is read for real. "real": the host's clock throughout, as the VM tests run
# (noisy on a loaded machine).
CLOCK = os.environ.get("BENCH_VM_CLOCK", "icount")
CLOCK_ARGS = {"icount": ["-icount", "shift=0"], "real": []}[CLOCK]
# The VLAN runs read no device (their drives are in the initramfs): idle time there is the
# kernel waiting for its own timers (RCU grace periods), which sleep=off counts in guest
# time too, so those figures do not depend on the host at all.
VLAN_CLOCK_ARGS = {"icount": ["-icount", "shift=0,sleep=off"], "real": []}[CLOCK]


# --- real initramfs images -------------------------------------------------------------------

# The images the VM harness's real-generator tests boot (tests/vm/gen/roots.sh, which
# benches/run.sh runs first): Debian bookworm's dracut (systemd, network-legacy, our module installed by
# dracut/install.sh and enabled as the README says) and initramfs-tools (our hook), both made
# by the generator itself for the cached kernel. BENCH_VM_ROOTS: where they are.
ROOTS = os.environ.get("BENCH_VM_ROOTS", "/var/cache/configdrive-net-vm/roots")
REAL_ADDR, REAL_GW = "192.0.2.10", "192.0.2.1"
REAL_IP = f"{REAL_ADDR}::{REAL_GW}:255.255.255.0:demo-guest:eth0"
# Every variant: eth0 by name (net.ifnames=0: the peers' ip= names its interface), the
# stopwatch (guest/bench-init.c) as the first process, and the address and gateway it waits
# for. A root that never appears: each boot ends when the stopwatch powers the VM off.
REAL_COMMON = f"net.ifnames=0 rdinit=/bench/init bench.addr={REAL_ADDR} bench.gw={REAL_GW}"
# (name, image, kernel command line, what configures eth0)
REAL_VARIANTS = [
    ("dracut-ours", "dracut", "rd.shell=0 rd.emergency=poweroff root=LABEL=bench-none",
     "our dracut module from the drive (eth0 only)"),
    ("dracut-ip", "dracut", f"rd.shell=0 rd.emergency=poweroff root=LABEL=bench-none "
     f"rd.configdrive=0 rd.neednet=1 ip={REAL_IP}:none", "dracut's network-legacy, `ip=`"),
    # initramfs-tools configures `IP=` when a network root needs it (configure_networking,
    # from the nbd/nfs boot scripts): an NBD root that does not exist asks for it.
    ("itools-ours", "itools", "root=/dev/nbd0 nbdroot=192.0.2.1,root",
     "our initramfs-tools script from the drive (eth0 only)"),
    ("itools-ip", "itools", f"root=/dev/nbd0 nbdroot=192.0.2.1,root rd.configdrive=0 "
     f"ip={REAL_IP}:off", "initramfs-tools' configure_networking (klibc ipconfig), `IP=`"),
]


def real_images(k):
    """{image: path} of the real images for kernel `k`, or the reason they cannot be used."""
    imgs = {}
    for g in ("dracut", "itools"):
        p = os.path.join(ROOTS, f"{g}.img")
        if not os.path.exists(p):
            return f"no {p} (built by tests/vm/gen/roots.sh)"
        if not os.path.isdir(os.path.join(ROOTS, g, "usr", "lib", "modules", k.kver)):
            return f"{ROOTS}/{g} is not made for kernel {k.kver}"
        imgs[g] = p
    return imgs


def _stopwatch(work):
    """guest/bench-init.c, built static."""
    out = os.path.join(work, "bench-init")
    if not os.path.exists(out):
        vmlib.run(["gcc", "-static", "-Os", "-o", out, os.path.join(HERE, "guest", "bench-init.c")])
    return out


def _real_boots(k, quick, work, logs, image2):
    """Boots of the real images: /init starts -> eth0's address and default route are there
    (the stopwatch's two kernel-log lines), ours from the drive against each generator's
    own static configuration on the kernel command line, same image, kernel, NIC and disk."""
    imgs = real_images(k)
    if isinstance(imgs, str):
        return {"skipped": imgs}
    rounds = int(os.environ.get("BENCH_VM_REAL_ROUNDS", "3"))
    t = os.path.join(work, "vm-real-overlay")
    os.makedirs(os.path.join(t, "bench"))
    os.makedirs(os.path.join(t, "usr", "sbin"))
    vmlib._copy(_stopwatch(work), t, "/bench/init")
    vmlib._copy(vmlib.BINARY, t, "/usr/sbin/configdrive-net")  # the binary under test
    ov = vmlib.cpio(t, os.path.join(work, "vm-real.cpio"))
    initrd = {}
    for g, p in imgs.items():
        # The kernel reads an uncompressed archive after a compressed one only at an offset
        # that is a multiple of 4 (zero bytes in between are skipped).
        pad = os.path.join(work, f"vm-real-{g}.pad")
        with open(pad, "wb") as f:
            f.write(b"\0" * (-os.path.getsize(p) % 4))
        initrd[g] = vmlib.concat(os.path.join(work, f"vm-real-{g}.img"), [p, pad, ov])
    args = list(CLOCK_ARGS) + vmlib.nic(SAMPLE_MACS[0], 0, ipv6=False) + vmlib.disk(image2)
    times = {v: [] for v, _, _, _ in REAL_VARIANTS}
    for r in range(rounds):
        for v, g, append, _ in REAL_VARIANTS:
            log = os.path.join(logs, f"real-{v}-{r}.log")
            res = vmlib.run_vm(vmlib.qemu_cmd(k, initrd[g], args, mem=1024,
                                              append=f"{REAL_COMMON} {append}"),
                               log, timeout=300, marks=[r"bench: configured"])
            m = dict((w, float(x)) for x, w in
                     re.findall(r"^\[ *([0-9]+\.[0-9]+)\] bench: (init|configured)$", res.text, re.M))
            if "init" not in m or "configured" not in m:
                _fail(f"real image boot {v}", res, log)
            times[v].append((m["configured"] - m["init"]) * 1e3)
            vmlib.log(f"boot {v}: /init -> configured {times[v][-1]:.0f} ms")
    return {"rounds": rounds, "times": {v: stats(x) for v, x in times.items()},
            "what": {v: w for v, _, _, w in REAL_VARIANTS}, "roots": ROOTS,
            "versions": {p: _version(g, p) for g, p in (("dracut", "dracut"),
                                                        ("itools", "initramfs-tools"))}}


def _version(root, package):
    """A package's version in one of the images' systems (its dpkg status)."""
    try:
        text = open(os.path.join(ROOTS, root, "var", "lib", "dpkg", "status")).read()
    except OSError:
        return "?"
    m = re.search(rf"^Package: {re.escape(package)}\n(?:[^\n]+\n)*?Version: (\S+)", text, re.M)
    return m.group(1) if m else "?"


def _check_pnp(k):
    cfg = os.path.join(k.root, "boot", f"config-{k.kver}")
    try:
        text = open(cfg).read()
    except OSError:
        return "unknown"
    return "built in" if re.search(r"^CONFIG_IP_PNP=y", text, re.M) else "not built in"


def marks(text):
    """[(words, seconds)] of the `@@VM mark WORDS TIME` lines, in order."""
    return [(m.group(1), float(m.group(2)))
            for m in re.finditer(r"^@@VM mark (.+) ([0-9]+\.[0-9]+)$", text, re.M)]


def stats(xs):
    return {"median": statistics.median(xs), "min": min(xs), "n": len(xs), "samples": xs}


def _fail(what, r, log):
    tail = "\n".join(r.text.splitlines()[-40:])
    raise RuntimeError(f"{what}: QEMU exit {r.rc}; console ({log}):\n{tail}")


def boot_test(variant):
    cmd, _ = VARIANTS[variant]
    return f""". /lib/vmtest.sh
. /bench/lib.sh
mark begin {variant}
{cmd}
mark end {variant} $?
marks
vm_say count {variant} $(count)
"""


def steps_test(variants, rounds):
    lines = [". /lib/vmtest.sh", ". /bench/lib.sh", "marks >/dev/null"]
    lines.append(f"for r in $(seq {rounds}); do")
    for v in variants:
        cmd, _ = VARIANTS[v]
        lines += ["  reset", f"  mark begin {v} $r", f"  {cmd}", f"  mark end {v} $r $?",
                  "  marks", f"  vm_say count {v} $(count)"]
    # One process that does nothing: what a process costs in this VM.
    lines += ["  mark begin true $r", "  /bin/true", "  mark end true $r $?", "  marks", "done"]
    return "\n".join(lines) + "\n"


def run(quick, work, debs_root):
    k = vmlib.kernel()
    out = {"kver": k.kver, "ip_pnp": _check_pnp(k), "clock": CLOCK}
    logs = vmlib.logdir("bench")
    base = vmlib.base_initramfs(k, os.path.join(work, "vm-base.cpio"), workdir=work)
    out["boot"] = _boot(k, quick, work, debs_root, base, logs)
    out["vlans"] = _vlans(k, quick, work, base, logs)
    out["vlans"]["kver"] = k.kver
    return out


def _klibc_tree(debs_root, work):
    """klibc's ipconfig and its library (the ELF interpreter) from the unpacked packages."""
    t = os.path.join(work, "vm-klibc")
    if not os.path.isdir(t):
        os.makedirs(os.path.join(t, "usr/lib/klibc/bin"))
        os.makedirs(os.path.join(t, "lib"))
        vmlib._copy(os.path.join(debs_root, "usr/lib/klibc/bin/ipconfig"), t, "/usr/lib/klibc/bin/ipconfig")
        for d in ("lib", "usr/lib"):
            for f in os.listdir(os.path.join(debs_root, d)):
                if f.startswith("klibc-") and f.endswith(".so"):
                    vmlib._copy(os.path.join(debs_root, d, f), t, "/" + d + "/" + f)
    return t


def _boot(k, quick, work, debs_root, base, logs):
    rounds = 1 if quick else 3
    step_rounds = 5 if quick else 20
    image = vmlib.drive_image(SAMPLE, "iso", os.path.join(work, "vm-sample"))
    d = os.path.join(work, "vm-eth0-only")
    os.makedirs(os.path.join(d, "openstack", "latest"))
    with open(os.path.join(d, "openstack", "latest", "network_data.json"), "w") as f:
        json.dump(ETH0_ONLY, f)
    with open(os.path.join(d, "openstack", "latest", "meta_data.json"), "w") as f:
        json.dump({"hostname": "demo-guest"}, f)
    image2 = vmlib.drive_image(d, "iso", d)
    args = list(CLOCK_ARGS)
    for i, m in enumerate(SAMPLE_MACS):
        args += vmlib.nic(m, i, ipv6=False)
    args += vmlib.disk(image) + vmlib.disk(image2)
    common = {"/bench/lib.sh": LIB, "/bench/script.sh": SCRIPT}
    klibc = _klibc_tree(debs_root, work)

    def initrd(name, test):
        files = dict(common)
        files["/test.sh"] = test
        ov = vmlib.overlay(os.path.join(work, f"vm-{name}.ov"), files=files, workdir=work)
        ov2 = vmlib.cpio(klibc, os.path.join(work, f"vm-{name}.klibc"))
        return vmlib.concat(os.path.join(work, f"vm-{name}.initrd"), [base, ov, ov2])

    variants = [(v, initrd(v, boot_test(v)), "") for v in VARIANTS]
    boot = {v: [] for v, _, _ in variants}
    kernel_start = {v: [] for v, _, _ in variants}
    cold = {v: [] for v, _, _ in variants}  # the configuring step of those boots
    for r in range(rounds):
        for v, rd, append in variants:
            log = os.path.join(logs, f"boot-{v}-{r}.log")
            res = vmlib.run_vm(vmlib.qemu_cmd(k, rd, args, append=append), log, timeout=240,
                               marks=[r"^@@VM test-done"])
            ms = dict(marks(res.text))
            end = next((t for w, t in ms.items() if w.startswith(f"end {v} ")), None)
            if res.rc != 0 or "init" not in ms or end is None or not any(
                    w == f"end {v} 0" for w in ms):
                _fail(f"boot {v}", res, log)
            want = VARIANTS[v][1] if v in VARIANTS else None
            got = vmlib.says(res.text, "count")
            if want is not None and got != [f"{v} {want}"]:
                _fail(f"boot {v}: global addresses {got}, expected {want}", res, log)
            boot[v].append((end - ms["init"]) * 1e3)
            cold[v].append((end - ms[f"begin {v}"]) * 1e3)
            kernel_start[v].append(end * 1e3)
            vmlib.log(f"boot {v}: /init → configured {boot[v][-1]:.0f} ms")

    # The configuring step alone, many times in one boot (reset in between, not timed).
    names = list(VARIANTS)
    rd = initrd("steps", steps_test(names, step_rounds))
    log = os.path.join(logs, "steps.log")
    res = vmlib.run_vm(vmlib.qemu_cmd(k, rd, args), log, timeout=600, marks=[r"^@@VM test-done"])
    if res.rc != 0 or res.marks[r"^@@VM test-done"] is None:
        _fail("steps", res, log)
    step = {v: [] for v in names + ["true"]}
    begin = {}
    for w, t in marks(res.text):
        f = w.split()
        if f[0] == "begin":
            begin[(f[1], f[2])] = t
        elif f[0] == "end":
            if f[3] != "0":
                _fail(f"steps: {f[1]} exited {f[3]}", res, log)
            step[f[1]].append((t - begin[(f[1], f[2])]) * 1e3)
    for c in vmlib.says(res.text, "count"):
        v, n = c.split()
        if int(n) != VARIANTS[v][1]:
            _fail(f"steps: {v} left {n} global addresses, expected {VARIANTS[v][1]}", res, log)
    if any(len(x) != step_rounds for x in step.values()):
        _fail(f"steps: runs {[(v, len(x)) for v, x in step.items()]}", res, log)
    if quick:
        real = {"skipped": "--quick (1 to 2.5 min of host time per boot under -icount)"}
    else:
        real = _real_boots(k, quick, work, logs, image2)
    return {"rounds": rounds, "boot": {v: stats(x) for v, x in boot.items()}, "real": real,
            "kernel_start": {v: stats(x) for v, x in kernel_start.items()},
            "cold": {v: stats(x) for v, x in cold.items()},
            "step": {v: stats(x) for v, x in step.items()}, "step_rounds": step_rounds}


VLAN_SIZES = [64, 128, 192, 256]


def vlan_drive(dest, n):
    """One NIC and `n` VLANs on it (ids 1..n), each with an IPv4 address."""
    links = [{"id": "p", "type": "phy", "ethernet_mac_address": VLAN_MAC}]
    nets = []
    for v in range(1, n + 1):
        links.append({"id": f"v{v}", "type": "vlan", "vlan_link": "p", "vlan_id": v})
        nets.append({"id": f"n{v}", "type": "ipv4", "link": f"v{v}",
                     "ip_address": f"10.{100 + v // 256}.{v % 256}.10", "netmask": "255.255.255.0"})
    d = os.path.join(dest, "openstack", "latest")
    os.makedirs(d)
    with open(os.path.join(d, "network_data.json"), "w") as f:
        json.dump({"links": links, "networks": nets}, f)
    return dest


def vlan_batch(n):
    """What a drive of vlan_drive(n) asks for, as an `ip -batch` file."""
    lines = ["link set dev eth0 up"]
    for v in range(1, n + 1):
        lines += [f"link add link eth0 name eth0.{v} type vlan id {v}",
                  f"link set dev eth0.{v} up",
                  f"addr add 10.{100 + v // 256}.{v % 256}.10/24 broadcast + dev eth0.{v}"]
    return "\n".join(lines) + "\n"


def _vlans(k, quick, work, base, logs):
    rounds = 1 if quick else 3
    trees = {}
    files = {"/bench/lib.sh": LIB}
    for n in VLAN_SIZES:
        trees[f"/cfg/v{n}"] = vlan_drive(os.path.join(work, f"vm-vlans-{n}"), n)
        files[f"/cfg/b{n}.txt"] = vlan_batch(n)
    test = [". /lib/vmtest.sh", ". /bench/lib.sh", "modprobe 8021q", "marks >/dev/null",
            f"for r in $(seq {rounds}); do", f"  for n in {' '.join(map(str, VLAN_SIZES))}; do",
            "    times > /tmp/t0",
            "    mark begin $n $r",
            "    /bin/configdrive-net apply --drive /cfg/v$n --quiet --timeout 5 "
            "--resolv-conf /tmp/resolv.conf",
            "    mark end $n $r $?",
            "    times > /tmp/t1",
            "    vm_say cpu $n $(tail -n 1 /tmp/t0) $(tail -n 1 /tmp/t1)",
            "    marks",
            "    vm_say count $n $(ls -d /sys/class/net/eth0.* | wc -l) $(count)",
            "    ls /sys/class/net | grep '^eth0\\.' | sed 's/^/link del /' | $IP -batch -",
            # The same links and addresses by iproute2's `ip -batch`: one process, one
            # netlink request per operation (the kernel's share of the work, nearly alone).
            "    mark begin b$n $r",
            "    $IP -batch /cfg/b$n.txt",
            "    mark end b$n $r $?",
            "    marks",
            "    vm_say count $n $(ls -d /sys/class/net/eth0.* | wc -l) $(count)",
            "    ls /sys/class/net | grep '^eth0\\.' | sed 's/^/link del /' | $IP -batch -",
            "  done", "done"]
    files["/test.sh"] = "\n".join(test) + "\n"
    ov = vmlib.overlay(os.path.join(work, "vm-vlans.ov"), files=files, trees=trees, workdir=work)
    rd = vmlib.concat(os.path.join(work, "vm-vlans.initrd"), [base, ov])
    log = os.path.join(logs, "vlans.log")
    res = vmlib.run_vm(vmlib.qemu_cmd(k, rd, VLAN_CLOCK_ARGS + vmlib.nic(VLAN_MAC, 0, ipv6=False)), log,
                       timeout=900, marks=[r"^@@VM test-done"])
    if res.rc != 0 or res.marks[r"^@@VM test-done"] is None:
        _fail("vlans", res, log)
    times = {str(n): [] for n in VLAN_SIZES}
    times.update({f"b{n}": [] for n in VLAN_SIZES})
    begin = {}
    for w, t in marks(res.text):
        f = w.split()
        if f[0] == "begin":
            begin[(f[1], f[2])] = t
        elif f[0] == "end":
            if f[3] != "0":
                _fail(f"vlans: apply of {f[1]} exited {f[3]}", res, log)
            times[f[1]].append((t - begin[(f[1], f[2])]) * 1e3)
    for c in vmlib.says(res.text, "count"):
        n, links, addrs = map(int, c.split())
        if links != n or addrs != n:
            _fail(f"vlans: {n} configured gave {links} VLANs, {addrs} addresses", res, log)
    if any(len(x) != rounds for x in times.values()):
        _fail("vlans: some runs are missing", res, log)
    # The children's user and system time (the shell's `times`, in 10 ms ticks) before and
    # after each apply: how much of it is ours and how much the kernel's.
    cpu = {n: {"user": [], "sys": []} for n in VLAN_SIZES}

    def sec(x):
        m = re.fullmatch(r"(\d+)m([\d.]+)s", x)
        return int(m.group(1)) * 60 + float(m.group(2)) if m else 0.0

    for c in vmlib.says(res.text, "cpu"):
        f = c.split()
        if len(f) == 5:
            cpu[int(f[0])]["user"].append((sec(f[3]) - sec(f[1])) * 1e3)
            cpu[int(f[0])]["sys"].append((sec(f[4]) - sec(f[2])) * 1e3)
    return {"sizes": VLAN_SIZES, "rounds": rounds,
            "times": {str(n): stats(times[str(n)]) for n in VLAN_SIZES},
            "batch": {str(n): stats(times[f"b{n}"]) for n in VLAN_SIZES},
            "cpu": {str(n): {k: stats(v) for k, v in x.items() if v} for n, x in cpu.items()}}
