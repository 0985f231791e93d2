"""The guest's network state as printed by vm_state (guest/vmtest.sh), reduced to what the
tests compare, and the comparison of that state with a test's expectations.

    st = netstate.State(result.blocks(), "after1")
    st.nic("0c:c4:7a:34:6e:3c")     -> the kernel name of the NIC with that permanent MAC
    st.links[name]                   -> {"kind", "mac", "perm", "mtu", "up", "master",
                                         "parent", "id", "mode", "miimon", ...}
    st.addrs[name]                   -> ["10.0.0.5/24 brd 10.0.0.255", "2001:db8::5/64"]
    st.routes                        -> ["default via 10.0.0.1 dev eth0", ...] (proto static)
    netstate.check(st, expect)       -> a list of differences (empty: as expected)
"""

import ipaddress
import json

# Bond options read from `ip -d` (IFLA_INFO_DATA as iproute2 names them).
BOND_KEYS = ("mode", "miimon", "updelay", "downdelay", "xmit_hash_policy", "ad_lacp_rate",
             "lacp_rate", "primary", "fail_over_mac", "arp_interval", "min_links", "ad_select")


def _json(blocks, tag):
    rc, text = blocks[tag]
    if rc != 0:
        raise ValueError(f"{tag}: exit {rc}: {text.strip()}")
    return json.loads(text)


class State:
    def __init__(self, blocks, prefix):
        self.links = {}
        for l in _json(blocks, f"{prefix}.link"):
            info = l.get("linkinfo", {})
            data = info.get("info_data", {})
            slave = info.get("info_slave_data", {})
            d = {
                "kind": info.get("info_kind", "nic" if l.get("link_type") == "ether" else l.get("link_type")),
                "mac": l.get("address"),
                # A bond slave carries the bond's MAC: its own is kept as the permanent one.
                "perm": (slave.get("perm_hwaddr") or l.get("permaddr") or l.get("address") or "").lower(),
                "mtu": l.get("mtu"),
                "up": "UP" in l.get("flags", []),
                "master": l.get("master"),
            }
            if d["kind"] == "vlan":
                d.update(parent=l.get("link"), id=data.get("id"), protocol=data.get("protocol"))
            if d["kind"] == "bond":
                d.update({k: data[k] for k in BOND_KEYS if k in data})
                if "ad_lacp_rate" in d:
                    d["lacp_rate"] = d["ad_lacp_rate"]
            self.links[l["ifname"]] = d
        for name, d in self.links.items():
            if d["kind"] == "bond":
                d["slaves"] = sorted(n for n, s in self.links.items() if s["master"] == name)
        self.addrs = {}
        for l in _json(blocks, f"{prefix}.addr"):
            out = []
            for a in l.get("addr_info", []):
                # Only what was configured: not link-local, not SLAAC/DHCP (dynamic).
                if a.get("scope") == "link" or a.get("dynamic") or l["ifname"] == "lo":
                    continue
                s = f"{a['local']}/{a['prefixlen']}"
                if a.get("broadcast"):
                    s += f" brd {a['broadcast']}"
                out.append(s)
            if out:
                self.addrs[l["ifname"]] = sorted(out)
        self.routes = sorted(
            _route(r, 4) for r in _json(blocks, f"{prefix}.route4") if r.get("protocol") == "static"
        ) + sorted(
            _route(r, 6) for r in _json(blocks, f"{prefix}.route6") if r.get("protocol") == "static"
        )
        self.resolv = [l.strip() for l in blocks[f"{prefix}.resolv"][1].splitlines()
                       if l.strip() and not l.startswith("#")]
        self.hostname = blocks[f"{prefix}.hostname"][1].strip()
        self.sysctl = {}
        for line in blocks[f"{prefix}.sysctl"][1].splitlines():
            w = line.split()  # /proc/sys/net/ipv6/conf/IFACE/KEY VALUE
            if len(w) == 2 and w[0].count("/") == 7:
                _, _, _, _, _, _, iface, key = w[0].split("/")
                self.sysctl.setdefault(iface, {})[key] = int(w[1])
        self.bonding = blocks[f"{prefix}.bonding"][1]
        self.vlan_config = blocks[f"{prefix}.vlan"][1]

    def nic(self, mac):
        """The name of the NIC whose permanent MAC is `mac`."""
        names = [n for n, d in self.links.items() if d["perm"] == mac.lower() and d["kind"] == "nic"]
        if len(names) != 1:
            raise KeyError(f"no single NIC with MAC {mac}: {names}")
        return names[0]

    def comparable(self):
        """Everything the tests look at, for comparing two states (idempotency)."""
        return {"links": self.links, "addrs": self.addrs, "routes": self.routes,
                "sysctl": self.sysctl, "resolv": self.resolv, "hostname": self.hostname}


def _route(r, family):
    dst = r["dst"]
    if dst == "default":
        pass
    elif "/" not in dst:
        dst += "/32" if family == 4 else "/128"
    s = dst
    if r.get("gateway"):
        s += f" via {r['gateway']}"
    s += f" dev {r.get('dev')}"
    if "onlink" in r.get("flags", []):
        s += " onlink"
    metric = r.get("metric", 0)
    if metric != (0 if family == 4 else 1024):
        s += f" metric {metric}"
    return s


def check(st, expect):
    """Differences between state `st` and `expect`:
        links:  {NAME or "nic MAC": {key: value}}  keys as in State.links ("up" defaults to
                True); "slaves" lists MACs; the set of bonds and VLANs must be exactly the
                expected ones
        addrs:  {NAME or "nic MAC": [addresses]}   exactly, on every interface (others: none)
        routes: [routes with protocol static]      exactly
        sysctl: {NAME or "nic MAC": {"accept_ra": 0, "autoconf": 1}}
        resolv: [lines], hostname: str
    A "nic MAC" in a name or a value stands for the NIC's kernel name ("nic MAC.25": a VLAN).
    """
    bad = []

    def name_of(key):
        """"nic MAC" and "nic MAC.SUFFIX" (a VLAN on it) name the NIC with that MAC."""
        if isinstance(key, str) and key.startswith("nic "):
            try:
                return st.nic(key[4:21]) + key[21:]
            except KeyError as e:
                bad.append(str(e))
                return None
        return key

    for key, want in expect.get("links", {}).items():
        name = name_of(key)
        if name is None:
            continue
        have = st.links.get(name)
        if have is None:
            bad.append(f"{key}: no such interface")
            continue
        for k, v in dict({"up": True}, **want).items():
            got = have.get(k)
            if k == "slaves":
                got = sorted(st.links[s]["perm"] for s in got)
                v = sorted(m.lower() for m in v)
            elif k in ("parent", "master"):
                v = name_of(v)
            if isinstance(v, str) and isinstance(got, str):
                v, got = v.lower(), got.lower()
            if got != v:
                bad.append(f"{key} ({name}): {k} is {got!r}, expected {v!r}")
    made = sorted(n for n, d in st.links.items() if d["kind"] in ("bond", "vlan"))
    want_made = sorted(name_of(k) or k for k, v in expect.get("links", {}).items()
                       if v.get("kind") in ("bond", "vlan"))
    if made != want_made:
        bad.append(f"bonds and VLANs are {made}, expected {want_made}")
    if "addrs" in expect:
        want = {}
        for key, v in expect["addrs"].items():
            name = name_of(key)
            if name:
                want[name] = sorted(v)
        for name in sorted(set(want) | set(st.addrs)):
            if want.get(name, []) != st.addrs.get(name, []):
                bad.append(f"addresses of {name}: {st.addrs.get(name, [])}, expected {want.get(name, [])}")
    if "routes" in expect:
        want = sorted(_norm_route(r, name_of) for r in expect["routes"])
        if want != st.routes:
            for r in sorted(set(st.routes) - set(want)):
                bad.append(f"unexpected route: {r}")
            for r in sorted(set(want) - set(st.routes)):
                bad.append(f"missing route: {r}")
    for key, want in expect.get("sysctl", {}).items():
        name = name_of(key)
        for k, v in want.items():
            got = st.sysctl.get(name, {}).get(k)
            if got != v:
                bad.append(f"{key} ({name}): net.ipv6.conf.{name}.{k} is {got}, expected {v}")
    if "resolv" in expect and st.resolv != expect["resolv"]:
        bad.append(f"resolv.conf is {st.resolv}, expected {expect['resolv']}")
    if "hostname" in expect and st.hostname != expect["hostname"]:
        bad.append(f"hostname is {st.hostname!r}, expected {expect['hostname']!r}")
    return bad


def _norm_route(r, name_of):
    """Expected routes may name a NIC as `dev nic MAC`."""
    w = r.split()
    if "dev" in w and w[w.index("dev") + 1] == "nic":
        i = w.index("dev")
        w[i + 1:i + 3] = [name_of("nic " + w[i + 2]) or "?"]
    if w[0] not in ("default",) and "/" in w[0]:
        w[0] = str(ipaddress.ip_network(w[0], strict=False))
    return " ".join(w)
