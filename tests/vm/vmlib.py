"""The VM test library: a cached Debian kernel, a busybox initramfs with our binary, config
drives as nova makes them, a QEMU runner (TCG only) and the parser for the guest's state.

Tests import this module (tests/vm/test-*.py); tests/vm/vmrun.py is a command-line wrapper of
the runner for shell scripts. Everything is built under CACHE (target/vm-cache by default,
VM_CACHE overrides): the kernel once per machine, the rest per run in a temporary folder.

The guest prints what the host checks between marker lines on the serial console:
    @@VM begin TAG
    ...output...
    @@VM end TAG RC
(see guest/vmtest.sh); `blocks()` turns a console log into {TAG: (RC, text)}.
"""

import fcntl
import json
import lzma
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("VM_CACHE", os.path.join(REPO, "target", "vm-cache"))
BINARY = os.environ.get("VM_BIN", os.path.join(REPO, "target", "release", "configdrive-net"))

# How the guest hands the drive to `configdrive-net apply` (one switch for every test):
#   dir      --drive /cfg: the drive's folder, copied into the initramfs (no block-device
#            readers needed)
#   dev      --drive /dev/vda: the attached ISO/VFAT image, read without mounting
#   discover no --drive: the binary finds the drive by its label
DRIVE_MODE = os.environ.get("VM_DRIVE", "dev")

# Modules /init loads (with their dependencies), in this order: the virtual hardware.
MODULES = ["virtio_pci", "virtio_net", "virtio_blk"]
# Modules in the initramfs (with their dependencies) that the kernel loads when asked for
# them, as in a real early boot: creating a bond or VLAN makes it run /sbin/modprobe
# (busybox's, reading the modules.dep/modules.alias made by depmod for the initramfs).
ON_DEMAND = ["bonding", "8021q"]
# /etc/modprobe.d/ in the base initramfs: what systemd ships (systemd.conf), so loading
# bonding does not create a bond0 of its own. Tests replace a file to change it.
MODPROBE_D = {"bonding.conf": "options bonding max_bonds=0\n"}

QEMU = "qemu-system-x86_64"


def log(msg):
    print(f"[vm {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    """subprocess.run that raises with the command's stderr on failure."""
    kw.setdefault("check", True)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    try:
        return subprocess.run(cmd, **kw)
    except subprocess.CalledProcessError as e:
        err = (e.stderr or b"").decode(errors="replace").strip()
        raise RuntimeError(f"{' '.join(map(str, cmd))}: exit {e.returncode}: {err}") from None


class Lock:
    """An exclusive flock on a file in CACHE, so two runs don't build the same thing at once."""

    def __init__(self, name):
        os.makedirs(CACHE, exist_ok=True)
        self.f = open(os.path.join(CACHE, name + ".lock"), "w")

    def __enter__(self):
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


# --- the kernel -------------------------------------------------------------------------------


class Kernel:
    """An unpacked Debian kernel package: `root` holds lib/modules/<kver>, `vmlinux` the ELF
    image QEMU boots through its PVH entry (no in-guest decompression: ~3 s faster on TCG)."""

    def __init__(self, root, kver):
        self.root = root
        self.kver = kver
        self.vmlinux = os.path.join(root, "vmlinux")
        self.moddir = os.path.join(root, "lib", "modules", kver)

    def module_files(self, names):
        """The .ko files for `names` and their dependencies, in load order, without repeats."""
        out = []
        for name in names:
            deps = run(["modprobe", "-d", self.root, "-S", self.kver, "--show-depends", name])
            for line in deps.stdout.decode().splitlines():
                f = line.split()
                if len(f) >= 2 and f[0] == "insmod" and f[1] not in out:
                    out.append(f[1])
        return out


def _apt_download(pkg, dest):
    cmd = ["apt-get", "download", "-q", pkg]
    if subprocess.run(cmd, cwd=dest, capture_output=True).returncode != 0:
        # A fresh machine may have no package lists yet.
        run(["apt-get", "update", "-q"])
        run(cmd, cwd=dest)
    debs = [f for f in os.listdir(dest) if f.startswith(pkg + "_") and f.endswith(".deb")]
    if len(debs) != 1:
        raise RuntimeError(f"apt-get download {pkg}: expected one .deb in {dest}, found {debs}")
    return os.path.join(dest, debs[0])


def _extract_vmlinux(vmlinuz, out):
    """Debian's bzImage holds an xz-compressed ELF vmlinux (CONFIG_KERNEL_XZ)."""
    data = open(vmlinuz, "rb").read()
    at = data.find(b"\xfd7zXZ\x00")
    if at < 0:
        raise RuntimeError(f"{vmlinuz}: no xz stream")
    elf = lzma.LZMADecompressor().decompress(data[at:])
    if elf[:4] != b"\x7fELF":
        raise RuntimeError(f"{vmlinuz}: the xz stream is not an ELF image")
    with open(out + ".tmp", "wb") as f:
        f.write(elf)
    os.rename(out + ".tmp", out)


def kernel():
    """The cached kernel, fetched and unpacked on first use (apt-get download of the package
    linux-image-amd64 depends on, dpkg -x, depmod -b, vmlinux extracted). VM_KERNEL_REFRESH=1
    fetches the archive's current one even when a kernel is cached."""
    base = os.path.join(CACHE, "kernel")
    current = os.path.join(base, "current")
    with Lock("kernel"):
        if os.path.exists(os.path.join(current, "READY")) and not os.environ.get("VM_KERNEL_REFRESH"):
            return Kernel(os.path.realpath(current), open(os.path.join(current, "READY")).read().strip())
        t0 = time.monotonic()
        dl = os.path.join(base, "download")
        shutil.rmtree(dl, ignore_errors=True)
        os.makedirs(dl)
        meta = _apt_download("linux-image-amd64", dl)
        depends = run(["dpkg-deb", "-f", meta, "Depends"]).stdout.decode()
        m = re.search(r"\b(linux-image-(\d[^\s,()]*))", depends)
        if not m:
            raise RuntimeError(f"{meta}: no linux-image-<version> in Depends: {depends!r}")
        pkg, kver = m.group(1), m.group(2)
        root = os.path.join(base, kver)
        if not os.path.exists(os.path.join(root, "READY")):
            log(f"kernel: fetching {pkg}")
            deb = _apt_download(pkg, dl)
            shutil.rmtree(root, ignore_errors=True)
            run(["dpkg-deb", "-x", deb, root])
            # The package leaves modules.dep to its postinst.
            run(["depmod", "-b", root, kver])
            _extract_vmlinux(os.path.join(root, "boot", f"vmlinuz-{kver}"), os.path.join(root, "vmlinux"))
            with open(os.path.join(root, "READY"), "w") as f:
                f.write(kver + "\n")
        shutil.rmtree(dl, ignore_errors=True)
        if os.path.islink(current) or os.path.exists(current):
            os.unlink(current)
        os.symlink(kver, current)
        log(f"kernel: {kver} ready in {time.monotonic() - t0:.1f} s ({root})")
        return Kernel(root, kver)


# --- the initramfs ----------------------------------------------------------------------------


def _libs(exe):
    """The shared libraries (and the loader) `exe` needs, as absolute host paths."""
    out = []
    for line in run(["ldd", exe]).stdout.decode().splitlines():
        m = re.search(r"(/\S+)\s+\(0x", line)
        if m:
            out.append(m.group(1))
    return out


def _copy(src, root, dest=None):
    dest = os.path.join(root, (dest or src).lstrip("/"))
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    shutil.copy2(src, dest)
    return dest


def cpio(root, out, compress=False):
    """A newc archive of the folder `root` (owned by root), gzip -1 if `compress`."""
    names = ["."]
    for d, subdirs, files in os.walk(root):
        subdirs.sort()
        for n in sorted(subdirs + files):
            names.append(os.path.relpath(os.path.join(d, n), root))
    with open(out, "wb") as f:
        p = subprocess.Popen(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=root,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE if compress else f)
        if compress:
            g = subprocess.Popen(["gzip", "-1", "-n"], stdin=p.stdout, stdout=f)
            p.stdout.close()
        p.communicate("\n".join(names).encode() + b"\n")
        if compress and g.wait() != 0:
            raise RuntimeError("gzip failed")
    if p.returncode != 0:
        raise RuntimeError(f"cpio of {root} failed")
    return out


def base_initramfs(k, out, binary=BINARY, modules=MODULES, on_demand=ON_DEMAND,
                   modprobe_d=MODPROBE_D, workdir=None):
    """The part of the initramfs every test shares: busybox, iproute2's `ip` (for JSON
    state), our binary as /bin/configdrive-net, the `modules` /init loads and the
    `on_demand` ones the kernel loads through modprobe (each with its dependencies), /init
    and /lib/vmtest.sh. Tests append their own archive (overlay()) with /test.sh and data."""
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"{binary}: not built (cargo build --release)")
    root = tempfile.mkdtemp(prefix="initramfs-", dir=workdir)
    os.chmod(root, 0o755)  # the guest's / (mkdtemp makes it 0700)
    try:
        for d in ["bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "run", "tmp", "etc", "lib"]:
            os.makedirs(os.path.join(root, d), exist_ok=True)
        bb = shutil.which("busybox") or "/bin/busybox"
        _copy(bb, root, "/bin/busybox")
        for applet in run([bb, "--list"]).stdout.decode().split():
            # `busybox --list` names busybox itself: a self-link would shadow the binary.
            if applet != "busybox" and not os.path.exists(os.path.join(root, "bin", applet)):
                os.symlink("busybox", os.path.join(root, "bin", applet))
        ip = os.path.realpath(shutil.which("ip") or "/usr/bin/ip")
        _copy(ip, root, "/usr/sbin/ip")
        for lib in _libs(ip):
            _copy(os.path.realpath(lib), root, lib)
        _copy(binary, root, "/bin/configdrive-net")
        mods = []
        for f in k.module_files(modules):
            rel = os.path.relpath(f, k.root)
            _copy(f, root, "/" + rel)
            mods.append("/" + rel)
        with open(os.path.join(root, "mods.list"), "w") as f:
            f.write("".join(m + "\n" for m in mods))
        for f in k.module_files(on_demand):
            _copy(f, root, "/" + os.path.relpath(f, k.root))
        for f in ["modules.order", "modules.builtin", "modules.builtin.modinfo"]:
            _copy(os.path.join(k.moddir, f), root, f"/lib/modules/{k.kver}/{f}")
        run(["depmod", "-b", root, k.kver])
        os.symlink("../bin/busybox", os.path.join(root, "sbin", "modprobe"))
        os.makedirs(os.path.join(root, "etc", "modprobe.d"))
        for name, text in modprobe_d.items():
            with open(os.path.join(root, "etc", "modprobe.d", name), "w") as f:
                f.write(text)
        os.chmod(_copy(os.path.join(HERE, "guest", "init"), root, "/init"), 0o755)
        _copy(os.path.join(HERE, "guest", "vmtest.sh"), root, "/lib/vmtest.sh")
        return cpio(root, out)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def overlay(out, files=None, trees=None, workdir=None):
    """An archive to append to the base: `files` maps guest paths to text (str) or
    content (bytes), `trees` maps guest folders to host folders copied whole."""
    root = tempfile.mkdtemp(prefix="overlay-", dir=workdir)
    os.chmod(root, 0o755)
    try:
        for path, content in (files or {}).items():
            dest = os.path.join(root, path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(content.encode() if isinstance(content, str) else content)
        for path, src in (trees or {}).items():
            shutil.copytree(src, os.path.join(root, path.lstrip("/")), symlinks=True)
        return cpio(root, out)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def concat(out, parts):
    """One initrd from several archives: the kernel unpacks them in order, later files win."""
    with open(out, "wb") as f:
        for p in parts:
            with open(p, "rb") as g:
                shutil.copyfileobj(g, f)
    return out


# --- config drives ----------------------------------------------------------------------------


def iso_drive(src, out):
    """An ISO 9660 config drive with genisoimage's options as nova passes them (Rock Ridge,
    Joliet, label config-2)."""
    run(["genisoimage", "-o", out, "-ldots", "-allow-lowercase", "-allow-multidot", "-l",
         "-publisher", "configdrive-net vm tests", "-quiet", "-J", "-r", "-V", "config-2", src])
    return out


def vfat_drive(src, out):
    """A VFAT config drive as nova makes it: 64 MiB, label config-2, the openstack tree copied
    in with mtools (no mount)."""
    if os.path.exists(out):
        os.unlink(out)
    with open(out, "wb") as f:
        f.truncate(64 << 20)
    run(["mkfs.vfat", "-n", "config-2", out])
    for top in sorted(os.listdir(src)):
        run(["mcopy", "-s", "-i", out, os.path.join(src, top), "::/"],
            env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return out


# --- QEMU -------------------------------------------------------------------------------------


def nic(mac, idx, net=None, host=None, fwd=(), ipv6=True):
    """QEMU arguments for virtio NIC `idx` with MAC `mac` on its own user-mode network,
    isolated (restrict=on: nothing leaves the host's loopback) except for `fwd`
    (guestfwd=/hostfwd= rules). `net`/`host` set slirp's subnet and its own address;
    ipv6=False: no IPv6 on it (no router advertisements, no SLAAC addresses)."""
    opts = [f"user,id=n{idx},restrict=on"]
    if not ipv6:
        opts.append("ipv6=off")
    if net:
        opts.append(f"net={net}")
    if host:
        opts.append(f"host={host}")
    opts += list(fwd)
    # romfile= (none): no option ROM to load per NIC.
    return ["-netdev", ",".join(opts),
            "-device", f"virtio-net-pci,netdev=n{idx},mac={mac},romfile="]


def disk(path, fmt="raw"):
    """QEMU arguments for a read-only virtio disk (/dev/vda for the first)."""
    return ["-drive", f"file={path},if=virtio,format={fmt},readonly=on"]


def qemu_cmd(k, initrd, extra, mem=512, append=""):
    return [QEMU, "-accel", "tcg", "-cpu", "max", "-m", str(mem), "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-no-reboot",
            "-kernel", k.vmlinux, "-initrd", initrd,
            "-append", f"console=ttyS0 panic=-1 quiet {append}".strip()] + list(extra)


class Result:
    def __init__(self, rc, wall, text, marks):
        self.rc = rc          # QEMU's exit status, 124 on timeout
        self.wall = wall      # seconds from start to exit
        self.text = text      # the console, \r\n turned into \n
        self.marks = marks    # {regex: seconds when first seen, or None}

    def blocks(self):
        return blocks(self.text)


_children = set()


def _kill_children(*_):
    for p in list(_children):
        try:
            p.kill()
        except OSError:
            pass


def _die_with_parent():
    """In the child before exec: SIGKILL when this process dies, however it dies."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _on_signal(sig, _frame):
    # QEMU first, then unwind so temporary folders and servers are cleaned up too.
    _kill_children()
    raise SystemExit(128 + sig)


for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def run_vm(cmd, log_path, timeout=120, marks=(), on=None):
    """Runs QEMU (`cmd`) with the serial console on a pipe, copying it to `log_path`.
    `marks`: regexes whose first appearance is timed. `on`: {regex: fn(text)} called once, in
    a thread, when the regex first appears (e.g. to reach the guest while it serves).
    After `timeout` seconds QEMU is killed by its PID (rc 124)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    _children.add(p)
    seen = {m: None for m in marks}
    pending = dict(on or {})
    threads = []
    buf = b""
    rc = None
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    try:
        with open(log_path, "wb") as logf:
            while True:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    p.kill()
                    p.wait()
                    rc = 124
                    break
                if not sel.select(timeout=min(left, 0.5)):
                    if p.poll() is not None:
                        break
                    continue
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                logf.write(chunk)
                logf.flush()
                buf += chunk
                text = buf.decode("utf-8", "replace")
                now = time.monotonic() - t0
                for m in seen:
                    if seen[m] is None and re.search(m, text, re.M):
                        seen[m] = now
                for m in list(pending):
                    if re.search(m, text, re.M):
                        fn = pending.pop(m)
                        t = threading.Thread(target=fn, args=(text,), daemon=True)
                        t.start()
                        threads.append(t)
        if rc is None:
            rc = p.wait()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        _children.discard(p)
        p.stdout.close()
    for t in threads:
        t.join(timeout=30)
    text = buf.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "")
    return Result(rc, time.monotonic() - t0, text, seen)


# --- what the guest printed -------------------------------------------------------------------


def blocks(text):
    """{TAG: (RC, OUTPUT)} for each `@@VM begin TAG` ... `@@VM end TAG RC` on the console."""
    out = {}
    for m in re.finditer(r"^@@VM begin (\S+)\n(.*?)@@VM end \1 (\d+)$", text, re.S | re.M):
        out[m.group(1)] = (int(m.group(3)), m.group(2))
    return out


def says(text, tag):
    """The words after `@@VM TAG` lines."""
    return [m.group(1) for m in re.finditer(rf"^@@VM {re.escape(tag)} ?(.*)$", text, re.M)]


# --- test cases -------------------------------------------------------------------------------


def network_json(drive):
    """The parsed network_data.json (or glean's network_info.json) of a drive folder."""
    for name in ("network_data.json", "network_info.json"):
        p = os.path.join(drive, "openstack", "latest", name)
        if os.path.exists(p):
            return json.load(open(p))
    raise FileNotFoundError(f"{drive}: no openstack/latest/network_data.json")


def nic_macs(drive):
    """The MACs of the links a drive expects as NICs (every link but bonds and VLANs), in
    file order: attach them in this order and the guest names them eth0, eth1, ..."""
    return [l["ethernet_mac_address"].lower() for l in network_json(drive).get("links", [])
            if l.get("type") not in ("bond", "vlan") and l.get("ethernet_mac_address")]


def copy_drive(src, dest, subst=None):
    """A copy of drive folder `src` at `dest`, with each (old, new) of `subst` replaced in
    every file (to turn a corpus case's redacted values into valid ones)."""
    shutil.copytree(src, dest)
    for d, _, files in os.walk(dest):
        for f in files:
            p = os.path.join(d, f)
            text = open(p, "rb").read()
            for old, new in subst or ():
                text = text.replace(old.encode(), new.encode())
            open(p, "wb").write(text)
    return dest


def drive_image(src, fmt, out_base):
    """`src` as an "iso" or "vfat" config drive image (path returned)."""
    if fmt == "iso":
        return iso_drive(src, out_base + ".iso")
    if fmt == "vfat":
        return vfat_drive(src, out_base + ".vfat")
    raise ValueError(fmt)


def drive_arg():
    """The --drive argument for the guest's `configdrive-net apply` (see DRIVE_MODE)."""
    return {"dir": "--drive /cfg", "dev": "--drive /dev/vda", "discover": ""}[DRIVE_MODE]


def logdir(test):
    """Where a test keeps its console logs: VM_LOGS (default target/vm-logs)/TEST."""
    d = os.path.join(os.environ.get("VM_LOGS", os.path.join(REPO, "target", "vm-logs")), test)
    os.makedirs(d, exist_ok=True)
    return d


# --- the host's side of the network -----------------------------------------------------------


class HttpServer:
    """An HTTP server on the host's loopback (a free port), in a thread of this process (so
    nothing outlives the test): GET /X answers "X from the host", and each request's path
    is recorded in `paths`. Guests reach it through a guestfwd rule to `port`."""

    def __init__(self):
        import http.server

        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                paths.append(self.path)
                body = f"{self.path.lstrip('/')} from the host\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def free_port():
    """A TCP port free on the host's loopback now (for a hostfwd rule)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path="/", want=None, timeout=20):
    """GET http://127.0.0.1:port/path over a raw socket, retried until the answer holds
    `want` (or anything, without `want`) or `timeout` passes; returns what was read."""
    import socket

    deadline = time.monotonic() + timeout
    got = b""
    while time.monotonic() < deadline:
        got = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                    if want and want.encode() in got:
                        break
        except OSError:
            pass
        if got and (not want or want.encode() in got):
            break
        time.sleep(0.5)
    return got.decode(errors="replace")
