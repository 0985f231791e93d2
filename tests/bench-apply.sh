#!/bin/bash
# Benchmark (not a test): `configdrive-net apply` for a ~20-operation configuration against
# the same configuration done by (a) a script running one process per operation (`ip`,
# `sysctl`, `hostname`, a resolv.conf write) and (b) one `ip -batch` plus the same three
# non-ip steps. All three run in the same session, interleaved, each on a fresh network
# namespace (set up outside the timed part) and inside `unshare -u`; times are taken with
# bash's $EPOCHREALTIME around the configuring commands only. Prints means and ratios.
# Goal: apply >= 30x faster than the one-process-per-operation script.
#   sudo tests/bench-apply.sh [ROUNDS]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench-apply: needs root (network namespaces)" >&2; exit 1; }
BIN=$PWD/target/release/configdrive-net
[ -x "$BIN" ] || cargo build --release --locked -q
TMP=$(mktemp -d /dev/shm/cdn-bench.XXXXXX)   # tmpfs: resolv.conf's fsync is not a disk flush
NS=cdn-bench-$$
trap 'ip netns del $NS 2>/dev/null || true; rm -rf "$TMP"' EXIT

# Four NICs: 4 MTUs, 1 sysctl, 4 links up, 6 addresses, 5 routes, hostname, resolv.conf
# = 21 operations.
mkdir -p "$TMP/drive/openstack/latest"
cat >"$TMP/drive/openstack/latest/network_data.json" <<'EOF'
{
  "links": [
    {"id": "l0", "type": "phy", "ethernet_mac_address": "02:be:00:00:00:00", "mtu": 1450},
    {"id": "l1", "type": "phy", "ethernet_mac_address": "02:be:00:00:00:01", "mtu": 9000},
    {"id": "l2", "type": "phy", "ethernet_mac_address": "02:be:00:00:00:02", "mtu": 1500},
    {"id": "l3", "type": "phy", "ethernet_mac_address": "02:be:00:00:00:03", "mtu": 1400}
  ],
  "networks": [
    {"id": "a", "type": "ipv4", "link": "l0", "ip_address": "192.0.2.10", "netmask": "255.255.255.0",
     "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"}]},
    {"id": "b", "type": "ipv6", "link": "l0", "ip_address": "2001:db8::10", "netmask": "64",
     "routes": [{"network": "::", "netmask": "::", "gateway": "fe80::1"}]},
    {"id": "c", "type": "ipv4", "link": "l1", "ip_address": "198.51.100.10", "netmask": "255.255.255.0",
     "routes": [{"network": "203.0.113.0", "netmask": "255.255.255.0", "gateway": "198.51.100.1"}]},
    {"id": "d", "type": "ipv4", "link": "l2", "ip_address": "10.1.0.10", "netmask": "255.255.0.0",
     "routes": [{"network": "10.2.0.0", "netmask": "255.255.0.0", "gateway": "10.1.0.1"}]},
    {"id": "e", "type": "ipv4", "link": "l3", "ip_address": "10.3.0.10", "netmask": "255.255.255.0",
     "routes": [{"network": "10.4.0.0", "netmask": "255.255.0.0", "gateway": "10.3.0.1"}]},
    {"id": "f", "type": "ipv4", "link": "l3", "ip_address": "10.3.1.10", "netmask": "255.255.255.0"}
  ],
  "services": [{"type": "dns", "address": "192.0.2.53"}]
}
EOF
echo '{"hostname": "bench-guest"}' >"$TMP/drive/openstack/latest/meta_data.json"
: >"$TMP/cmdline"

# The same operations, one process each.
cat >"$TMP/script.sh" <<'EOF'
ip link set dev n0 mtu 1450
ip link set dev n1 mtu 9000
ip link set dev n2 mtu 1500
ip link set dev n3 mtu 1400
sysctl -qw net.ipv6.conf.n0.accept_ra=0
ip link set dev n0 up
ip link set dev n1 up
ip link set dev n2 up
ip link set dev n3 up
ip addr add 192.0.2.10/24 broadcast 192.0.2.255 dev n0
ip addr add 2001:db8::10/64 dev n0
ip addr add 198.51.100.10/24 broadcast 198.51.100.255 dev n1
ip addr add 10.1.0.10/16 broadcast 10.1.255.255 dev n2
ip addr add 10.3.0.10/24 broadcast 10.3.0.255 dev n3
ip addr add 10.3.1.10/24 broadcast 10.3.1.255 dev n3
ip route add default via 192.0.2.1 dev n0 proto static
ip route add ::/0 via fe80::1 dev n0 proto static onlink
ip route add 203.0.113.0/24 via 198.51.100.1 dev n1 proto static
ip route add 10.2.0.0/16 via 10.1.0.1 dev n2 proto static
ip route add 10.4.0.0/16 via 10.3.0.1 dev n3 proto static
hostname bench-guest
printf '# resolv.conf\nnameserver 192.0.2.53\n' | tee "$RESOLV" >/dev/null
EOF
# The ip operations as one `ip -batch`, the rest as above.
grep '^ip ' "$TMP/script.sh" | sed 's/^ip //' >"$TMP/batch.txt"
{
    echo 'ip -batch "$BATCH"'
    grep -v '^ip ' "$TMP/script.sh"
} >"$TMP/batch.sh"

fresh_ns() {
    ip netns del "$NS" 2>/dev/null || true
    ip netns add "$NS"
    for i in 0 1 2 3; do
        ip -n "$NS" link add name "n$i" address "02:be:00:00:00:0$i" type veth peer name "p$i"
        ip -n "$NS" link set dev "p$i" up
    done
}

# Runs one variant on a fresh namespace; prints its time in microseconds.
timed() {
    fresh_ns
    ip netns exec "$NS" unshare -u env RESOLV="$TMP/resolv.conf" BATCH="$TMP/batch.txt" \
        BIN="$BIN" TMP="$TMP" bash -c '
        t0=$EPOCHREALTIME
        case $1 in
        apply) "$BIN" apply --quiet --drive "$TMP/drive" --cmdline "$TMP/cmdline" \
                   --resolv-conf "$RESOLV" ;;
        script) bash -e "$TMP/script.sh" ;;
        batch) bash -e "$TMP/batch.sh" ;;
        true) /bin/true ;;
        esac
        t1=$EPOCHREALTIME
        echo $(( (${t1/./} - ${t0/./}) ))' _ "$1"
}

declare -A total=([apply]=0 [script]=0 [batch]=0 [true]=0)
for _ in $(seq "$ROUNDS"); do
    for v in apply script batch true; do
        us=$(timed "$v")
        total[$v]=$((total[$v] + us))
    done
done
# Check the last apply really configured everything (a benchmark of a failing run is moot).
fresh_ns
ip netns exec "$NS" unshare -u "$BIN" apply --quiet --drive "$TMP/drive" \
    --cmdline "$TMP/cmdline" --resolv-conf "$TMP/resolv.conf"
[ "$(ip -n "$NS" route show proto static | wc -l)" -eq 4 ] || { echo "apply did not configure" >&2; exit 1; }

mean() { echo $((total[$1] / ROUNDS)); }
printf 'rounds: %d, 21 operations each (times in microseconds, mean)\n' "$ROUNDS"
printf '  configdrive-net apply   %8d\n' "$(mean apply)"
printf '  ip script (1 proc/op)   %8d\n' "$(mean script)"
printf '  ip -batch (+3 procs)    %8d\n' "$(mean batch)"
printf '  (one fork+exec of /bin/true: %d; it bounds every ratio here)\n' "$(mean true)"
awk -v a="$(mean apply)" -v s="$(mean script)" -v b="$(mean batch)" 'BEGIN {
    printf "ratio script/apply: %.1fx (goal >= 30x)\nratio batch/apply:  %.1fx\n", s / a, b / a }'
