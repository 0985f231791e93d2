#!/usr/bin/env python3
"""Runs QEMU with its serial console on a pipe, under a hard time limit.

usage: vmrun.py --log FILE [--timeout SECS] [--mark REGEX]... -- qemu-system-x86_64 ...

The console goes to FILE as it comes. Each --mark prints when its regex first matched, in
seconds since QEMU started. At the limit QEMU is killed by its PID (never by name) and the
exit status is 124; otherwise it is QEMU's.
"""
import argparse
import os
import re
import selectors
import signal
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--log", required=True)
ap.add_argument("--timeout", type=float, default=300)
ap.add_argument("--mark", action="append", default=[])
ap.add_argument("cmd", nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd

t0 = time.monotonic()
qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT, start_new_session=True)


def stop(*_):
    # SIGTERM to this runner (the suite's cleanup) takes QEMU down with it.
    if qemu.poll() is None:
        qemu.kill()
        qemu.wait()
    sys.exit(143)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)  # QEMU runs in its own session: Ctrl-C does not reach it
marks = {m: None for m in a.mark}
sel = selectors.DefaultSelector()
sel.register(qemu.stdout, selectors.EVENT_READ)
tail = ""
rc = None
with open(a.log, "wb") as log:
    while True:
        left = a.timeout - (time.monotonic() - t0)
        if left <= 0:
            qemu.kill()
            qemu.wait()
            rc = 124
            log.write(b"\n[vmrun: killed at the time limit]\n")
            break
        if not sel.select(timeout=min(left, 0.5)):
            if qemu.poll() is not None:
                break
            continue
        chunk = os.read(qemu.stdout.fileno(), 65536)
        if not chunk:
            break
        log.write(chunk)
        log.flush()
        tail = (tail + chunk.decode("utf-8", "replace"))[-8192:]
        now = time.monotonic() - t0
        for m in marks:
            if marks[m] is None and re.search(m, tail):
                marks[m] = now
if rc is None:
    rc = qemu.wait()
wall = time.monotonic() - t0
shown = " ".join(f"[{m}]@{t:.1f}s" if t is not None else f"[{m}]@-" for m, t in marks.items())
print(f"vmrun: rc={rc} wall={wall:.1f}s {shown}", file=sys.stderr)
sys.exit(rc)
