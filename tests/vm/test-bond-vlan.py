#!/usr/bin/env python3
"""Bonds and VLANs in a real kernel: the corpus cases that have them, applied in a VM.

For each case: boot the Debian kernel (QEMU, TCG) with one virtio NIC per physical link of the
case's network_data, carrying that link's MAC (some deliberately left out), and the drive as
a config-drive image (ISO or VFAT, as nova makes them); in the guest run
`configdrive-net apply` twice, printing the kernel's state after each run; on the host check
the first run's exit code, the state against what the case's network_data asks for (written
out below by hand from the drive), and that the second run changed nothing and exited like
the first. bonding and 8021q are loaded on demand by the kernel, as in a real early boot.

usage: tests/vm/test-bond-vlan.py [CASE...]     (default: every case; VM_DRIVE=dir|dev|discover)
"""

import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netstate  # noqa: E402
import vmlib  # noqa: E402

CORPUS = os.path.join(vmlib.REPO, "tests", "corpus")

# A NIC no link names: apply must leave it alone (down, default MTU, no address).
STRANGER = "52:54:00:00:00:99"

LACP = {"mode": "802.3ad", "miimon": 100, "lacp_rate": "slow", "updelay": 0, "downdelay": 0}

CASES = [
    {
        "name": "nd-bond-two-vlans",
        "drive": "cloud-init/nd-bond-two-vlans/config-drive",
        "format": "iso",
        "extra_nics": [STRANGER],
        "rc": 0,
        "expect": {
            "links": {
                "nic 0c:c4:7a:34:6e:3c": {"mtu": 1500, "master": "bond0"},
                "nic 0c:c4:7a:34:6e:3d": {"mtu": 1500, "master": "bond0"},
                "nic " + STRANGER: {"up": False, "mtu": 1500, "master": None},
                "bond0": dict(LACP, kind="bond", mac="fa:16:3e:b3:72:36", mtu=1500,
                              xmit_hash_policy="layer3+4",
                              slaves=["0c:c4:7a:34:6e:3c", "0c:c4:7a:34:6e:3d"]),
                "bond0.602": {"kind": "vlan", "id": 602, "protocol": "802.1Q", "parent": "bond0",
                              "mac": "fa:16:3e:b3:72:30", "mtu": 1500},
                "bond0.612": {"kind": "vlan", "id": 612, "protocol": "802.1Q", "parent": "bond0",
                              "mac": "fa:16:3e:66:ab:a6", "mtu": 1500},
            },
            "addrs": {
                "bond0.602": ["2.2.2.13/29 brd 2.2.2.15"],
                "bond0.612": ["10.0.1.5/29 brd 10.0.1.7"],
            },
            "routes": [
                "default via 2.2.2.9 dev bond0.602",
                "192.168.1.0/32 via 10.0.1.1 dev bond0.612",
            ],
            "resolv": ["nameserver 1.1.1.191", "nameserver 1.1.1.4"],
        },
    },
    {
        # As above in an image without systemd's modprobe.d (options bonding max_bonds=0):
        # loading bonding makes a bond0 of its own (balance-rr, no miimon) before apply's.
        "name": "nd-bond-two-vlans-module-bond0",
        "like": "nd-bond-two-vlans",
        "format": "vfat",
        "modprobe_d": {"bonding.conf": ""},
    },
    {
        "name": "ironic-bond-vlan-ipv6-cidr",
        "drive": "ironic/json-sample-bond-vlan-ipv6-cidr/config-drive",
        "format": "vfat",
        "rc": 0,
        "expect": {
            "links": {
                "nic a0:36:9f:2c:e8:70": {"mtu": 1500, "master": None},
                "nic a0:36:9f:2c:e8:80": {"mtu": 9000, "master": "bond0"},
                "nic a0:36:9f:2c:e8:81": {"mtu": 9000, "master": "bond0"},
                "bond0": dict(LACP, kind="bond", mac="a0:36:9f:2c:e8:82", mtu=9000,
                              xmit_hash_policy="layer3+4",
                              slaves=["a0:36:9f:2c:e8:80", "a0:36:9f:2c:e8:81"]),
                "bond0.101": {"kind": "vlan", "id": 101, "parent": "bond0",
                              "mac": "a0:36:9f:2c:e8:80", "mtu": 9000},
            },
            # The networks on interface0 (a bond member) are not applied.
            "addrs": {"bond0.101": ["23.253.157.244/24 brd 23.253.157.255"]},
            "routes": ["default via 23.253.157.1 dev bond0.101"],
            "resolv": ["nameserver 8.8.8.8", "nameserver 8.8.4.4",
                       "nameserver 69.20.0.164", "nameserver 69.20.0.196"],
        },
    },
    {
        "name": "talos-mixed-bond-vlan-ipv6",
        "drive": "talos/openstack-mixed-bond-vlan-ipv6/config-drive",
        "format": "iso",
        "rc": 0,
        "expect": {
            "links": {
                "nic a4:bf:00:10:20:30": {"mtu": 1450, "master": None},
                "nic a4:bf:00:10:20:31": {"mtu": 9000, "master": None},
                "nic a4:bf:00:10:20:33": {"mtu": 1500, "master": None},
                # Bond members: a "bridge"-typed link (a NIC here) and a phy with the bond's MAC.
                "nic 4c:d9:8f:b3:34:f8": {"mtu": 1500, "master": "bond0"},
                "nic 4c:d9:8f:b3:34:f7": {"mtu": 1500, "master": "bond0"},
                "bond0": dict(LACP, kind="bond", mac="4c:d9:8f:b3:34:f7", mtu=1500,
                              xmit_hash_policy="layer2+3",
                              slaves=["4c:d9:8f:b3:34:f8", "4c:d9:8f:b3:34:f7"]),
                # No vlan_mac_address: the bond's MAC.
                "bond0.100": {"kind": "vlan", "id": 100, "parent": "bond0",
                              "mac": "4c:d9:8f:b3:34:f7", "mtu": 1400},
            },
            "addrs": {
                "nic a4:bf:00:10:20:30": ["2000:0:100::/56"],
                "nic a4:bf:00:10:20:31": ["10.184.0.244/20 brd 10.184.15.255", "2001:db8::3257:9652/64"],
                "bond0": ["94.156.45.48/24 brd 94.156.45.255"],
            },
            "routes": [
                # The gateway is outside 2000:0:100::/56: on-link.
                "default via 2000:0:100:2fff:ff:ff:ff:ff dev nic a4:bf:00:10:20:30 onlink",
                "2000:0:100:2f00::/58 via 2000:0:100:2fff:ff:ff:ff:f0 dev nic a4:bf:00:10:20:30 onlink",
                "192.168.0.0/16 via 10.184.0.1 dev nic a4:bf:00:10:20:31",
                "default via 10.184.0.1 dev nic a4:bf:00:10:20:31",
                # Second IPv6 default: a higher metric; fd00::1 is outside 2001:db8::/64.
                "default via fd00::1 dev nic a4:bf:00:10:20:31 onlink metric 1025",
                # Second IPv4 default (eth1 has the first): metric 1.
                "default via 94.156.45.1 dev bond0 metric 1",
            ],
            "sysctl": {
                "nic a4:bf:00:10:20:30": {"accept_ra": 0},
                "nic a4:bf:00:10:20:31": {"accept_ra": 0},
                "nic a4:bf:00:10:20:33": {"accept_ra": 1, "autoconf": 1},
            },
            "resolv": ["nameserver 8.8.8.8", "nameserver 1.1.1.1", "nameserver 2000:0:100::1",
                       "nameserver 8.8.4.4"],
            "hostname": "talos",
        },
    },
    {
        # Eleven links; one NIC (tap8aac87b9-37, DHCP only) deliberately absent: waited for
        # up to --timeout, skipped, the rest configured, exit 1.
        "name": "glean-liberty",
        "drive": "glean/liberty/config-drive",
        "format": "iso",
        "missing": ["bc:76:4e:12:a4:bb"],
        "timeout": 2,
        "rc": 1,
        "expect": {
            "links": {
                **{f"nic bc:76:4e:05:7b:{x}": {"mtu": 1500, "master": f"bond{i // 2}"}
                   for i, x in enumerate(["13", "14", "15", "16", "17", "18"])},
                **{f"bond{i}": dict(LACP, kind="bond", mac=f"bc:76:4e:05:7b:{m}", mtu=1500,
                                    xmit_hash_policy="layer3+4",
                                    slaves=[f"bc:76:4e:05:7b:{m}", f"bc:76:4e:05:7b:{s}"])
                   for i, (m, s) in enumerate([("13", "14"), ("15", "16"), ("17", "18")])},
                "nic bc:76:4e:12:a4:bc": {"mtu": 1500, "master": None},
                "nic bc:76:4e:12:a4:bc.25": {"kind": "vlan", "id": 25, "parent": "nic bc:76:4e:12:a4:bc",
                                             "mac": "bc:76:4e:12:a4:bc"},
                "nic bc:76:4e:12:a4:bc.26": {"kind": "vlan", "id": 26, "parent": "nic bc:76:4e:12:a4:bc",
                                             "mac": "bc:76:4e:12:a4:bd"},
                "bond1.27": {"kind": "vlan", "id": 27, "parent": "bond1", "mac": "bc:76:4e:12:a4:be"},
            },
            "addrs": {
                "nic bc:76:4e:01:62:86": ["23.253.229.154/24 brd 23.253.229.255"],
                "nic bc:76:4e:05:7b:06": ["10.208.169.118/19 brd 10.208.191.255"],
                "nic bc:76:4e:05:7b:12": ["192.0.2.2/24 brd 192.0.2.255"],
                "bond2": ["192.0.2.2/24 brd 192.0.2.255"],
            },
            "routes": [
                "default via 23.253.229.1 dev nic bc:76:4e:01:62:86",
                "10.176.0.0/12 via 10.208.160.1 dev nic bc:76:4e:05:7b:06",
                "10.208.0.0/12 via 10.208.160.1 dev nic bc:76:4e:05:7b:06",
                "default via 192.0.2.1 dev nic bc:76:4e:05:7b:12 metric 1",
                "default via 192.0.2.1 dev bond2 metric 2",
            ],
            "resolv": ["nameserver 72.3.128.241", "nameserver 72.3.128.240"],
            "hostname": "test-monty-config-drive",
        },
    },
    {
        # Redacted upstream (xx:…:00, x.x.x.x): valid values put in their place.
        "name": "helpers-bond-vlan-mtu9000",
        "drive": "cloud-init/helpers-bond-vlan-mtu9000/config-drive",
        "subst": [("xx:xx:xx:xx:xx:", "02:00:00:00:90:"), ("x.x.x.x", "198.51.100.10"),
                  ("x.x.x.1", "198.51.100.1")],
        "format": "vfat",
        "rc": 0,
        "expect": {
            "links": {
                "nic 02:00:00:00:90:00": {"mtu": 9000, "master": "bond0"},
                "nic 02:00:00:00:90:01": {"mtu": 9000, "master": "bond0"},
                "bond0": dict(LACP, kind="bond", mac="02:00:00:00:90:00", mtu=9000,
                              xmit_hash_policy="layer3+4",
                              slaves=["02:00:00:00:90:00", "02:00:00:00:90:01"]),
                "bond0.123": {"kind": "vlan", "id": 123, "parent": "bond0",
                              "mac": "02:00:00:00:90:00", "mtu": 9000},
            },
            "addrs": {"bond0.123": ["198.51.100.10/24 brd 198.51.100.255"]},
            "routes": ["default via 198.51.100.1 dev bond0.123"],
            "resolv": ["nameserver 1.1.1.1"],
        },
    },
]


CASES.append({
    # The same with the options the corpus lacks, added: LACP rate fast, up/down delays.
    "name": "helpers-bond-vlan-mtu9000-lacp-fast",
    "like": "helpers-bond-vlan-mtu9000",
    "subst": CASES[-1]["subst"] + [('"bond_miimon": 100', '"bond_miimon": 100, "bond_lacp_rate": "fast", '
                                    '"bond_updelay": 200, "bond_downdelay": 300')],
    "format": "iso",
    "expect": {**CASES[-1]["expect"], "links": {
        **CASES[-1]["expect"]["links"],
        "bond0": dict(CASES[-1]["expect"]["links"]["bond0"], lacp_rate="fast", updelay=200, downdelay=300),
    }},
})


def complete(case):
    if "like" in case:
        base = next(c for c in CASES if c["name"] == case["like"])
        case = dict(base, **case)
    case.setdefault("subst", [])
    case.setdefault("missing", [])
    case.setdefault("extra_nics", [])
    case.setdefault("timeout", 5)
    case.setdefault("modprobe_d", {})
    return case


GUEST = """. /lib/vmtest.sh
vm_block drive sh -c 'dd if=/dev/vda bs=512 count=1 2>/dev/null | strings; dd if=/dev/vda bs=2048 skip=16 count=1 2>/dev/null | strings'
vm_apply apply1 {drive} --timeout {timeout}
vm_state after1
vm_apply apply2 {drive} --timeout {timeout}
vm_state after2
"""


def run_case(case, k, base, work, logs):
    """Runs one case; returns a list of failures (empty: passed)."""
    name = case["name"]
    drive = vmlib.copy_drive(os.path.join(CORPUS, case["drive"]), os.path.join(work, name, "cfg"),
                             case["subst"])
    image = vmlib.drive_image(drive, case["format"], os.path.join(work, name, "drive"))
    macs = [m for m in vmlib.nic_macs(drive) if m not in case["missing"]] + case["extra_nics"]
    files = {"/test.sh": GUEST.format(drive=vmlib.drive_arg(), timeout=case["timeout"])}
    files.update({f"/etc/modprobe.d/{f}": t for f, t in case["modprobe_d"].items()})
    ov = vmlib.overlay(os.path.join(work, name, "overlay.cpio"), files=files, trees={"/cfg": drive})
    initrd = vmlib.concat(os.path.join(work, name, "initrd"), [base, ov])
    args = []
    for i, mac in enumerate(macs):
        args += vmlib.nic(mac, i, ipv6=False)
    args += vmlib.disk(image)
    r = vmlib.run_vm(vmlib.qemu_cmd(k, initrd, args), os.path.join(logs, name + ".log"),
                     timeout=180, marks=[r"^@@VM modules", r"^@@VM test-done"])
    b = r.blocks()
    bad = []
    t = r.marks.get(r"^@@VM test-done")
    timing = f"{r.wall:.1f} s" + (f" (test done at {t:.1f} s)" if t else "")
    if r.rc != 0 or t is None:
        return [f"QEMU exit {r.rc} after {timing}, test not finished; see {logs}/{name}.log"], timing
    for tag in ("apply1", "apply2", "drive", "after1.link", "after2.link"):
        if tag not in b:
            bad.append(f"no {tag} block on the console")
    if bad:
        return bad, timing
    # The drive image is /dev/vda, where the readers look for it: an ISO's primary volume
    # descriptor (CD001, label) at 32 KiB, a FAT boot sector (label, FAT type) at 0.
    seen = b["drive"][1]
    want = ["CD001", "config-2"] if case["format"] == "iso" else ["config-2", "FAT16"]
    if not all(w in seen for w in want):
        bad.append(f"/dev/vda is not the {case['format']} config drive: {seen.split()}")
    rc1, log1 = b["apply1"]
    rc2, log2 = b["apply2"]
    if rc1 != case["rc"]:
        bad.append(f"first apply exited {rc1}, expected {case['rc']}")
    counts = [re.findall(r"(\d+) changes, (\d+) failed, (\d+) skipped", t) for t in (log1, log2)]
    if len(counts[0]) != 1 or len(counts[1]) != 1:
        return bad + ["no summary line from apply"], timing
    (c1, f1, s1), (c2, f2, s2) = counts[0][0], counts[1][0]
    if f1 != "0" or (s1 != "0") != bool(case["missing"]):
        bad.append(f"first apply: {f1} failed, {s1} skipped; expected 0 failed and "
                   f"{'some' if case['missing'] else '0'} skipped")
    if rc2 != case["rc"] or (c2, f2, s2) != ("0", "0", s1):
        bad.append(f"second apply: exit {rc2}, {c2} changes, {f2} failed, {s2} skipped; expected "
                   f"exit {case['rc']}, 0 changes, 0 failed, {s1} skipped")
    for m in case["missing"]:
        if not re.search(rf"waiting up to {case['timeout']} s for {len(case['missing'])} network interface", log1):
            bad.append(f"first apply did not say it waited for the missing NIC {m}")
    st1 = netstate.State(b, "after1")
    st2 = netstate.State(b, "after2")
    bad += netstate.check(st1, case["expect"])
    if st1.comparable() != st2.comparable():
        bad.append("the second apply changed the state")
    if bad:
        bad += [f"first apply (exit {rc1}):\n{log1}", f"second apply (exit {rc2}):\n{log2}"]
    return bad, timing


def main(argv):
    names = argv[1:]
    cases = [complete(c) for c in CASES if not names or c["name"] in names]
    if names and len(cases) != len(names):
        sys.exit(f"unknown case; cases: {' '.join(c['name'] for c in CASES)}")
    k = vmlib.kernel()
    logs = vmlib.logdir("bond-vlan")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="vm-bond-vlan-") as work:
        base = vmlib.base_initramfs(k, os.path.join(work, "base.cpio"))
        for case in cases:
            os.makedirs(os.path.join(work, case["name"]))
            bad, timing = run_case(case, k, base, work, logs)
            what = f"{case['name']} ({case['format']}, --drive mode {vmlib.DRIVE_MODE}, {timing})"
            if bad:
                failed += 1
                print(f"FAIL {what}")
                for line in bad:
                    print("     " + line.replace("\n", "\n     "))
            else:
                print(f"PASS {what}")
    print(f"{len(cases) - failed}/{len(cases)} passed; logs in {logs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
