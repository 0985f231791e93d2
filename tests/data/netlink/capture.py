#!/usr/bin/env python3
"""Captures the kernel replies the wire-format unit tests parse (src/wire/netlink/tests.rs).

Run as root: `unshare -n python3 tests/data/netlink/capture.py tests/data/netlink`.
It builds a throwaway namespace state (a veth pair, addresses, routes), then saves raw
datagrams: a link dump, an address dump, a route dump, and the error reply (with the
kernel's extended-ack message) to a conflicting route. Not run by the test suite.
"""
import os, socket, struct, subprocess, sys

out = sys.argv[1]
def ip(*a): subprocess.run(["ip", *a], check=True)
ip("link", "add", "name", "cap0", "address", "02:00:00:00:0a:01", "type", "veth",
   "peer", "name", "cap1", "address", "02:00:00:00:0a:02")
ip("link", "set", "dev", "cap0", "mtu", "1400")
ip("link", "set", "dev", "cap0", "up"); ip("link", "set", "dev", "cap1", "up")
ip("addr", "add", "192.0.2.10/24", "broadcast", "192.0.2.255", "dev", "cap0")
ip("-6", "addr", "add", "2001:db8::10/64", "dev", "cap0", "nodad")
ip("route", "add", "198.51.100.0/24", "via", "192.0.2.1", "dev", "cap0", "proto", "static", "metric", "7")
ip("-6", "route", "add", "default", "via", "fe80::1", "dev", "cap0", "proto", "static")

SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_CAP_ACK = 270, 11, 10
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
s.bind((0, 0))

def request(kind, flags, body, seq):
    s.send(struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body)

def collect(name, seq):
    data = b""
    while True:
        d = s.recv(65536)
        data += d
        # stop at NLMSG_DONE or NLMSG_ERROR
        off, done = 0, False
        while off + 16 <= len(d):
            ln, ty = struct.unpack_from("=IH", d, off)
            if ty in (2, 3): done = True
            off += (ln + 3) & ~3
        if done: break
    open(os.path.join(out, name), "wb").write(data)

ifinfomsg = struct.pack("=BxHiII", 0, 0, 0, 0, 0)
ext_mask = struct.pack("=HHI", 8, 29, 1 << 3)  # IFLA_EXT_MASK: skip stats
request(18, 0x301, ifinfomsg + ext_mask, 1); collect("link-dump.bin", 1)
request(22, 0x301, struct.pack("=BBBBI", 0, 0, 0, 0, 0), 2); collect("addr-dump.bin", 2)
request(26, 0x301, struct.pack("=BBBBBBBBI", 0, 0, 0, 0, 0, 0, 0, 0, 0), 3); collect("route-dump.bin", 3)
# A conflicting route: same destination and metric, other gateway, NLM_F_CREATE|NLM_F_EXCL.
idx = socket.if_nametoindex("cap0")
body = struct.pack("=BBBBBBBBI", 2, 24, 0, 0, 254, 4, 0, 1, 0)
body += struct.pack("=HH4s", 8, 1, socket.inet_aton("198.51.100.0"))
body += struct.pack("=HH4s", 8, 5, socket.inet_aton("192.0.2.254"))
body += struct.pack("=HHI", 8, 4, idx) + struct.pack("=HHI", 8, 6, 7)
request(24, 0x605, body, 4); collect("route-eexist.bin", 4)
# A gateway the kernel refuses, for an extended-ack message.
body = struct.pack("=BBBBBBBBI", 2, 24, 0, 0, 254, 4, 0, 1, 0)
body += struct.pack("=HH4s", 8, 1, socket.inet_aton("203.0.113.0"))
body += struct.pack("=HH4s", 8, 5, socket.inet_aton("10.99.0.1"))
body += struct.pack("=HHI", 8, 4, idx)
request(24, 0x605, body, 5); collect("route-badgw.bin", 5)
