#!/usr/bin/env python3
"""Host-side checks of what a guest reported on its probe channel (tests/vm/gen/guest/cdnvm-probe).

usage: check.py PROBE_FILE EXPECT_JSON [STAGE] [--known REGEX=REASON]...
       (STAGE default: initrd)

EXPECT_JSON is a case file (tests/vm/gen/cases/*.json, its "expect" member) or the expectation
itself.

The probe file holds sections "@@@ STAGE NAME". EXPECT_JSON says what the kernel state must
be (the keys are described in tests/vm/gen/cases/README.md). Prints one line per check: "ok", "FAIL", or, for a check
marked pending (it waits for a feature that has not landed), "PENDING" or "NOW-PASSES".
A failing check whose text matches a --known REGEX is a known bug (reported, with REASON, as
"KNOWN-BUG", not counted); if it passes it shows as "NOW-PASSES" so the mark can go.
Exit status: 1 if any check failed, else 0.
"""
import ipaddress
import json
import re
import sys


def sections(path, stage):
    out, cur = {}, None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            m = re.match(r"^@@@ (\S+) (.*)$", line)
            if m:
                cur = m.group(2) if m.group(1) == stage else None
                if cur is not None:
                    out[cur] = []
                continue
            if cur is not None:
                out[cur].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


class Checker:
    def __init__(self, sec, known=()):
        self.sec = sec
        self.known = known
        self.failed = 0
        self.links = self.json("ip-link") or []
        self.addrs = self.json("ip-addr") or []
        self.routes = {4: self.json("ip-route4") or [], 6: self.json("ip-route6") or []}

    def json(self, name):
        text = self.sec.get(name, "").strip()
        try:
            return json.loads(text) if text else None
        except json.JSONDecodeError as e:
            self.report(False, f"section {name} is valid JSON ({e})")
            return None

    def report(self, ok, what, pending=None):
        bug = next((reason for rx, reason in self.known if re.search(rx, what)), None)
        if bug and not pending:
            print(f"  {'NOW-PASSES' if ok else 'KNOWN-BUG':10} {what}  [known bug: {bug}]")
            return
        if pending:
            tag = "NOW-PASSES" if ok else "PENDING"
            print(f"  {tag:10} {what}  [pending: {pending}]")
        else:
            print(f"  {'ok' if ok else 'FAIL':10} {what}")
            if not ok:
                self.failed += 1

    # -- links -------------------------------------------------------------------------------
    @staticmethod
    def perm(link):
        return (link.get("permaddr") or link.get("address") or "").lower()

    def find(self, ref):
        """A link by name, or `mac:<MAC>`: the physical NIC with that permanent MAC."""
        if ref.startswith("mac:"):
            mac = ref[4:].lower()
            for l in self.links:
                kind = l.get("linkinfo", {}).get("info_kind")
                if kind in (None, "") and l.get("link_type") == "ether" and self.perm(l) == mac:
                    return l
            return None
        for l in self.links:
            if l.get("ifname") == ref:
                return l
        return None

    def name(self, ref):
        l = self.find(ref)
        return l["ifname"] if l else ref

    def check_link(self, e):
        ref = e.get("name") or "mac:" + e["mac"]
        pend = e.get("pending")
        l = self.find(ref)
        self.report(l is not None, f"{ref}: exists" + (f" ({l['ifname']})" if l else ""), pend)
        if l is None:
            return
        n = l["ifname"]
        info = l.get("linkinfo", {})
        data = info.get("info_data", {})
        if "kind" in e:
            self.report(info.get("info_kind") == e["kind"], f"{n}: kind {e['kind']} (is {info.get('info_kind')})", pend)
        if "up" in e:
            self.report(("UP" in l.get("flags", [])) == e["up"], f"{n}: {'up' if e['up'] else 'down'}", pend)
        if "mtu" in e:
            self.report(l.get("mtu") == e["mtu"], f"{n}: mtu {e['mtu']} (is {l.get('mtu')})", e.get("mtu_pending", pend))
        if "address" in e:
            self.report(l.get("address", "").lower() == e["address"].lower(),
                        f"{n}: MAC {e['address']} (is {l.get('address')})", pend)
        if "master" in e:
            want = self.name(e["master"])
            self.report(l.get("master") == want, f"{n}: in {want} (is {l.get('master')})", pend)
        for k in ("mode", "miimon", "xmit_hash_policy", "lacp_rate", "updelay", "downdelay"):
            if k in e:
                self.report(data.get(k) == e[k], f"{n}: bond {k} {e[k]} (is {data.get(k)})", pend)
        if "slaves" in e:
            have = sorted(self.perm(s) for s in self.links if s.get("master") == n)
            want = sorted(m.lower() for m in e["slaves"])
            self.report(have == want, f"{n}: members {want} (are {have})", pend)
            self.check_proc_bonding(n, e, pend)
        if "id" in e:
            self.report(data.get("id") == e["id"], f"{n}: VLAN id {e['id']} (is {data.get('id')})", pend)
        if "parent" in e:
            want = self.name(e["parent"])
            self.report(l.get("link") == want, f"{n}: VLAN on {want} (is {l.get('link')})", pend)
            vc = self.sec.get("file:/proc/net/vlan/config", "")
            row = re.search(rf"^{re.escape(n)}\s*\|\s*(\d+)\s*\|\s*(\S+)\s*$", vc, re.M)
            self.report(bool(row) and row.group(1) == str(e["id"]) and row.group(2) == want,
                        f"{n}: /proc/net/vlan/config says id {e['id']} on {want}", pend)
        for a in e.get("addrs", []):
            iface = next((x for x in self.addrs if x.get("ifname") == n), {})
            have = {f"{i['local']}/{i['prefixlen']}" for i in iface.get("addr_info", [])}
            want = str(ipaddress.ip_interface(a))
            self.report(want in have, f"{n}: address {want}", e.get("addrs_pending", pend))

    def check_proc_bonding(self, n, e, pend):
        text = self.sec.get(f"file:/proc/net/bonding/{n}")
        self.report(text is not None, f"/proc/net/bonding/{n} present", pend)
        if text is None:
            return
        modes = {"802.3ad": "IEEE 802.3ad Dynamic link aggregation", "balance-rr": "load balancing (round-robin)",
                 "active-backup": "fault-tolerance (active-backup)", "balance-xor": "load balancing (xor)",
                 "broadcast": "fault-tolerance (broadcast)", "balance-tlb": "transmit load balancing",
                 "balance-alb": "adaptive load balancing"}
        if "mode" in e:
            self.report(f"Bonding Mode: {modes[e['mode']]}" in text, f"/proc/net/bonding/{n}: mode {e['mode']}", pend)
        if "miimon" in e:
            self.report(f"MII Polling Interval (ms): {e['miimon']}" in text, f"/proc/net/bonding/{n}: miimon {e['miimon']}", pend)
        if "xmit_hash_policy" in e:
            self.report(f"Transmit Hash Policy: {e['xmit_hash_policy']} " in text,
                        f"/proc/net/bonding/{n}: xmit_hash_policy {e['xmit_hash_policy']}", pend)
        perms = sorted(m.lower() for m in re.findall(r"Permanent HW addr: (\S+)", text))
        self.report(perms == sorted(m.lower() for m in e["slaves"]), f"/proc/net/bonding/{n}: members by MAC", pend)

    # -- routes ------------------------------------------------------------------------------
    def check_route(self, e):
        fam = 6 if ":" in e["dst"] or ":" in e.get("gateway", "") else 4
        dst = e["dst"]
        net = ipaddress.ip_network(dst)
        shown = "default" if net.prefixlen == 0 else (str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net))
        dev = self.name(e["dev"])
        found = [r for r in self.routes[fam]
                 if r.get("dst") == shown and r.get("dev") == dev
                 and ("gateway" not in e or r.get("gateway") == e["gateway"])]
        what = f"route {dst}" + (f" via {e['gateway']}" if "gateway" in e else "") + f" dev {dev}"
        self.report(bool(found), what, e.get("pending"))
        if found:
            if "protocol" in e:
                self.report(found[0].get("protocol") == e["protocol"], f"{what}: proto {e['protocol']} (is {found[0].get('protocol')})", e.get("pending"))
            if e.get("onlink"):
                self.report("onlink" in found[0].get("flags", []), f"{what}: onlink", e.get("pending"))

    def subst(self, text):
        """`{mac:<MAC>}` in a path or pattern stands for that NIC's name in the guest."""
        return re.sub(r"\{mac:([0-9a-fA-F:]+)\}", lambda m: self.name("mac:" + m.group(1)), text)

    def check_files(self, e, prefix=False):
        """{path: patterns}: the file exists and each pattern matches it. With prefix, any
        file whose path starts with `path` will do. Patterns: a list, or {"contains": list,
        "pending": why}."""
        for path, want in e.items():
            pend = None
            if isinstance(want, dict):
                pend, want = want.get("pending"), want["contains"]
            path = self.subst(path)
            if prefix:
                texts = [v for k, v in self.sec.items() if k.startswith(f"file:{path}")]
            else:
                texts = [self.sec[f"file:{path}"]] if f"file:{path}" in self.sec else []
            where = f"a file under {path}" if prefix else path
            if not want:
                self.report(bool(texts), f"{where} exists", pend)
            for w in want if isinstance(want, list) else [want]:
                w = self.subst(w)
                self.report(any(re.search(w, t, re.M) for t in texts), f"{where} matches {w!r}", pend)

    def check_absent_files(self, paths):
        for path in paths:
            path = self.subst(path)
            hits = [k[5:] for k in self.sec if k.startswith(f"file:{path}")]
            self.report(not hits, f"nothing at {path} (found {hits})" if hits else f"nothing at {path}")

    def check_absent_addrs(self, addrs):
        have = {i["local"] for x in self.addrs for i in x.get("addr_info", [])}
        for a in addrs:
            self.report(a not in have, f"no interface has {a}")

    def kmsg_times(self, pattern):
        out = []
        for line in self.sec.get("kmsg", "").splitlines():
            m = re.match(r"^\[\s*(\d+\.\d+)\]\s*(.*)$", line)
            if m and re.search(pattern, m.group(2)):
                out.append(float(m.group(1)))
        return out

    def check_kmsg_gap(self, e):
        """The time between the first kernel-log line matching `from` and the first one
        matching `to` is within [min, max] seconds (guest clock)."""
        a, b = self.kmsg_times(e["from"]), self.kmsg_times(e["to"])
        ok = bool(a) and bool(b) and e["min"] <= b[0] - a[0] <= e["max"]
        gap = f"{b[0] - a[0]:.1f}s" if a and b else "lines missing"
        self.report(ok, f"kmsg: {e['from']!r} to {e['to']!r} within {e['min']}..{e['max']}s (is {gap})")


def run(probe, expect, stage="initrd", known=()):
    sec = sections(probe, stage)
    c = Checker(sec, known)
    c.report("END" in sec, f"probe finished (stage {stage})")
    for k, want in expect.get("rc", {}).items():
        have = sec.get(k, "").strip()
        c.report(have == str(want), f"{k} = {want} (is {have or 'absent'})")
    for k, pat in expect.get("log", {}).items():
        c.report(re.search(pat, sec.get(k, ""), re.M) is not None, f"{k} matches {pat!r}")
    for e in expect.get("links", []):
        c.check_link(e)
    for e in expect.get("routes", []):
        c.check_route(e)
    if "hostname" in expect:
        have = sec.get("hostname", "").strip()
        c.report(have == expect["hostname"], f"hostname {expect['hostname']} (is {have})")
    c.check_files(expect.get("files", {}))
    c.check_files(expect.get("files_under", {}), prefix=True)
    c.check_absent_files(expect.get("absent_files", []))
    c.check_absent_addrs(expect.get("absent_addrs", []))
    procs = sec.get("procs", "").split()
    if expect.get("absent_procs"):
        c.report(len(procs) > 3, f"the process list was read ({len(procs)} processes)")
    for p in expect.get("absent_procs", []):
        c.report(p not in procs, f"no {p} process")
    for p in expect.get("procs", []):
        c.report(p in sec.get("procs", "").split(), f"a {p} process runs")
    for pat in expect.get("mounts", []):
        c.report(re.search(pat, sec.get("mounts", ""), re.M) is not None, f"/proc/mounts matches {pat!r}")
    for pat in expect.get("kmsg", []):
        c.report(re.search(pat, sec.get("kmsg", ""), re.M) is not None, f"kmsg matches {pat!r}")
    for g in expect.get("kmsg_gap", []):
        c.check_kmsg_gap(g)
    for pat in expect.get("fetch", []):
        c.report(re.search(pat, sec.get("fetch", "")) is not None, f"fetch from the host's server: {pat!r}")
    return c.failed


if __name__ == "__main__":
    args, known = [], []
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--known":
            rx, _, reason = next(it).partition("=")
            known.append((rx, reason))
        else:
            args.append(a)
    exp = json.load(open(args[1]))
    stage = args[2] if len(args) > 2 else "initrd"
    sys.exit(1 if run(args[0], exp.get("expect", exp), stage, known) else 0)
