#!/usr/bin/env python3
"""Command-line front of the library, for shell scripts (later VM tests build on it).

  vmrun.py kernel                      prints KVER and the vmlinux path (fetches once)
  vmrun.py initramfs OUT [DIR...]      the base initramfs, plus each DIR's files on top
                                       (e.g. DIR/test.sh, DIR/cfg/openstack/...)
  vmrun.py drive iso|vfat SRC OUT      a config drive image of folder SRC, as nova makes it
  vmrun.py boot --log FILE [--timeout S] [--mark REGEX]... INITRD -- QEMU-ARGS...
                                       boots the cached kernel with INITRD and QEMU-ARGS
                                       (NICs, disks), console to FILE; prints the marks'
                                       times; exits with QEMU's status (124: timed out,
                                       QEMU killed)
  vmrun.py blocks LOG                  the @@VM blocks of a console log as JSON
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmlib  # noqa: E402


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "kernel":
        k = vmlib.kernel()
        print(k.kver, k.vmlinux)
    elif cmd == "initramfs" and rest:
        k = vmlib.kernel()
        with tempfile.TemporaryDirectory() as work:
            parts = [vmlib.base_initramfs(k, os.path.join(work, "base"))]
            for i, d in enumerate(rest[1:]):
                parts.append(vmlib.cpio(d, os.path.join(work, f"overlay{i}")))
            vmlib.concat(rest[0], parts)
    elif cmd == "drive" and len(rest) == 3:
        vmlib.drive_image(rest[1], rest[0], os.path.splitext(rest[2])[0])
        made = os.path.splitext(rest[2])[0] + "." + rest[0]
        if made != rest[2]:
            shutil.move(made, rest[2])
    elif cmd == "boot":
        ap = argparse.ArgumentParser(prog="vmrun.py boot")
        ap.add_argument("--log", required=True)
        ap.add_argument("--timeout", type=float, default=120)
        ap.add_argument("--mark", action="append", default=[])
        ap.add_argument("initrd")
        ap.add_argument("qemu", nargs=argparse.REMAINDER)
        a = ap.parse_args(rest)
        extra = a.qemu[1:] if a.qemu[:1] == ["--"] else a.qemu
        r = vmlib.run_vm(vmlib.qemu_cmd(vmlib.kernel(), a.initrd, extra), a.log, a.timeout, a.mark)
        for m, t in r.marks.items():
            print(f"mark {m!r}: " + (f"{t:.1f} s" if t is not None else "NOT SEEN"))
        print(f"rc={r.rc} wall={r.wall:.1f}s log={a.log}")
        return r.rc
    elif cmd == "blocks" and len(rest) == 1:
        text = open(rest[0], errors="replace").read().replace("\r\n", "\n")
        print(json.dumps({t: {"rc": rc, "out": out} for t, (rc, out) in vmlib.blocks(text).items()}, indent=1))
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
