#!/usr/bin/env python3
"""Configured only from the drive, with no DHCP anywhere, the guest reaches the host.

The sample drive (tests/data/sample-drive) gives NIC 02:cd:00:00:00:01 192.0.2.10/24 with a
default route via 192.0.2.1, and NIC 02:cd:00:00:00:02 198.51.100.10/24 with a route to
203.0.113.0/24 via 198.51.100.1. Each NIC is on its own isolated QEMU user network
(restrict=on) whose subnet is wider than the drive's prefix and whose gateway is the drive's:
  - eth0's network (192.0.0.0/16) forwards 192.0.9.100:80 to an HTTP server on the host's
    loopback: outside 192.0.2.0/24, so the guest only gets there over the default route;
  - eth1's network (192.0.0.0/4) forwards 203.0.113.100:8080 to it (QEMU wants a different
    port per guestfwd): only over the static route;
  - the host connects to 127.0.0.1:PORT, forwarded to 192.0.2.10:80 in the guest: answered
    only if the guest really holds that address.
The guest has no DHCP client running and its kernel command line configures no network.

usage: tests/vm/test-static-reach.py        (VM_DRIVE=dir|dev|discover as for every VM test)
"""

import os
import secrets
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netstate  # noqa: E402
import vmlib  # noqa: E402

DRIVE = os.path.join(vmlib.REPO, "tests", "data", "sample-drive")

GUEST = """. /lib/vmtest.sh
vm_apply apply {drive} --timeout 5
vm_state after
vm_block fetch-default-route timeout 15 wget -q -O - http://192.0.9.100/{n0}
vm_block fetch-static-route timeout 15 wget -q -O - http://203.0.113.100:8080/{n1}
# One answer on port 80 for the host, who connects through hostfwd to 192.0.2.10:80.
printf 'HTTP/1.0 200 OK\\r\\n\\r\\n{n2} from the guest\\n' | nc -l -p 80 &
nc_pid=$!
vm_say serving
i=0
while kill -0 $nc_pid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill $nc_pid 2>/dev/null
vm_say served "after $i tenths of a second"
"""


def main():
    k = vmlib.kernel()
    logs = vmlib.logdir("static-reach")
    n0, n1, n2 = (f"nonce-{secrets.token_hex(6)}" for _ in range(3))
    host_port = vmlib.free_port()
    seen_by_host = {}
    with tempfile.TemporaryDirectory(prefix="vm-static-reach-") as work, vmlib.HttpServer() as http:
        base = vmlib.base_initramfs(k, os.path.join(work, "base.cpio"))
        image = vmlib.drive_image(DRIVE, "iso", os.path.join(work, "drive"))
        ov = vmlib.overlay(os.path.join(work, "overlay.cpio"),
                           files={"/test.sh": GUEST.format(drive=vmlib.drive_arg(), n0=n0, n1=n1, n2=n2)},
                           trees={"/cfg": DRIVE})
        initrd = vmlib.concat(os.path.join(work, "initrd"), [base, ov])
        to_host = f"tcp:127.0.0.1:{http.port}"
        args = vmlib.nic("02:cd:00:00:00:01", 0, net="192.0.0.0/16", host="192.0.2.1", ipv6=False,
                         fwd=[f"guestfwd=tcp:192.0.9.100:80-{to_host}",
                              f"hostfwd=tcp:127.0.0.1:{host_port}-192.0.2.10:80"])
        args += vmlib.nic("02:cd:00:00:00:02", 1, net="192.0.0.0/4", host="198.51.100.1", ipv6=False,
                          fwd=[f"guestfwd=tcp:203.0.113.100:8080-{to_host}"])
        args += vmlib.disk(image)

        def reach_guest(_text):
            seen_by_host["answer"] = vmlib.http_get(host_port, "/", want=n2, timeout=20)

        r = vmlib.run_vm(vmlib.qemu_cmd(k, initrd, args), os.path.join(logs, "sample-drive.log"),
                         timeout=180, marks=[r"^@@VM test-done"], on={r"^@@VM serving": reach_guest})
    b = r.blocks()
    bad = []
    if r.rc != 0 or r.marks[r"^@@VM test-done"] is None:
        bad.append(f"QEMU exit {r.rc}, test not finished")
    else:
        rc, log = b["apply"]
        if rc != 0:
            bad.append(f"apply exited {rc}:\n{log}")
        st = netstate.State(b, "after")
        bad += netstate.check(st, {
            "links": {
                "nic 02:cd:00:00:00:01": {"mtu": 1450},
                "nic 02:cd:00:00:00:02": {"mtu": 9000},
            },
            "addrs": {
                "nic 02:cd:00:00:00:01": ["192.0.2.10/24 brd 192.0.2.255", "2001:db8:0:1::10/64"],
                "nic 02:cd:00:00:00:02": ["198.51.100.10/24 brd 198.51.100.255",
                                          "198.51.101.10/25 brd 198.51.101.127"],
            },
            "routes": [
                "default via 192.0.2.1 dev nic 02:cd:00:00:00:01",
                "203.0.113.0/24 via 198.51.100.1 dev nic 02:cd:00:00:00:02",
                "10.20.0.0/16 via 172.16.0.1 dev nic 02:cd:00:00:00:02 onlink",
                "default via fe80::1 dev nic 02:cd:00:00:00:01 onlink",
            ],
            "hostname": "demo-guest.example.com",
        })
        for tag, nonce in (("fetch-default-route", n0), ("fetch-static-route", n1)):
            rc, out = b.get(tag, (None, ""))
            if rc != 0 or f"{nonce} from the host" not in out:
                bad.append(f"{tag}: the guest did not get the host's answer (exit {rc}): {out.strip()}")
        got = sorted(http.paths)
        if got != sorted([f"/{n0}", f"/{n1}"]):
            bad.append(f"the host's server saw {got}, expected /{n0} and /{n1}")
        if f"{n2} from the guest" not in seen_by_host.get("answer", ""):
            bad.append(f"the host did not reach 192.0.2.10:80 in the guest: {seen_by_host.get('answer')!r}")
    t = r.marks.get(r"^@@VM test-done")
    what = f"sample-drive (iso, --drive mode {vmlib.DRIVE_MODE}, {r.wall:.1f} s" + \
        (f", test done at {t:.1f} s)" if t else ")")
    if bad:
        print(f"FAIL {what}")
        for line in bad:
            print("     " + line.replace("\n", "\n     "))
        print(f"log: {logs}/sample-drive.log")
        return 1
    print(f"PASS {what}: guest -> host over the default and the static route, host -> guest "
          f"192.0.2.10:80; logs in {logs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
