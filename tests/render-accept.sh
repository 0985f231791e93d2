#!/bin/bash
# Feeds rendered files to their real consumers (Debian packages, see tests/setup), each in
# its own mount and network namespace: the host's network, /run and /etc are never touched.
#
#   tests/render-accept.sh FORMAT ROOT [NAME=MAC ...]
#
# FORMAT: networkd | nm | eni | netplan | ifcfg. ROOT: a root render wrote into (--format
# FORMAT). NAME=MAC: NICs to create (veth pairs) for the consumers that configure devices.
# Prints what the consumer reports and what it configured; exits non-zero when the
# consumer rejected something. tests/render_consumers.rs checks the printed state.
#
# This kernel may lack bonding and 802.1q: there bonds and VLANs are checked as parsed and
# loaded (no warnings, connection loaded), not created; tests/vm covers creating them.
set -euo pipefail
fmt=$1 root=$(realpath "$2")
shift 2
nics=("$@")

if [ "${INNER:-}" != 1 ]; then
    INNER=1 exec unshare -m -n --propagation private "$0" "$fmt" "$root" "${nics[@]}"
fi

# Private /run and a read-only sysfs of this network namespace: networkd and NetworkManager
# then treat links as initialized without udev (as in a container).
mount -t tmpfs tmpfs /run
mount -t sysfs -o ro sysfs /sys
ip link set lo up
for n in "${nics[@]}"; do
    name=${n%%=*} mac=${n#*=}
    ip link add "$name" address "$mac" type veth peer name "p-$name"
    ip link set "p-$name" up
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Waits (bounded: 10 s) until `ip addr` shows every address in $want.
wait_addrs() {
    for _ in $(seq 50); do
        local ok=1
        for a in $want; do ip -o addr | grep -q " $a " || ok=0; done
        [ $ok = 1 ] && return 0
        sleep 0.2
    done
}
state() {
    echo "## addresses"
    ip -o addr | awk '{print $2, $4}'
    echo "## routes"
    ip -4 route; ip -6 route | grep -v '^fe80::/64\|^multicast\|^ff00::/8' || true
}

case $fmt in
networkd)
    mount -t tmpfs tmpfs /etc/systemd/network
    cp "$root"/etc/systemd/network/* /etc/systemd/network/
    mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
    # A route the initramfs added (proto static): KeepConfiguration=static must keep it.
    for n in "${nics[@]}"; do
        ip link set "${n%%=*}" up
        ip route add 198.51.100.0/24 dev "${n%%=*}" proto static
        break
    done
    want=$(sed -n 's/^Address=//p' "$root"/etc/systemd/network/*.network | tr '\n' ' ')
    SYSTEMD_LOG_LEVEL=debug /lib/systemd/systemd-networkd >"$work/log" 2>&1 &
    pid=$!
    wait_addrs
    sleep 1
    kill $pid; wait $pid || true
    echo "## log"
    grep -E "^/etc/systemd/network/|found matching network|Could not|Failed" "$work/log" || true
    state
    # Any message about a line of our files is a rejection.
    ! grep -q "^/etc/systemd/network/10-configdrive-" "$work/log"
    ;;
nm)
    mount -t tmpfs tmpfs /var/lib/NetworkManager
    mount -t tmpfs tmpfs /etc/NetworkManager/conf.d
    printf '[main]\nno-auto-default=*\n' >/etc/NetworkManager/conf.d/test.conf
    mount --bind "$root/etc/NetworkManager/system-connections" /etc/NetworkManager/system-connections
    mkdir -p /run/dbus
    dbus-daemon --system --fork --nopidfile
    want=$(sed -n 's/^address[0-9]*=//p' "$root"/etc/NetworkManager/system-connections/* | tr '\n' ' ')
    NetworkManager --no-daemon --debug >"$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do nmcli -t general status >/dev/null 2>&1 && break; sleep 0.2; done
    wait_addrs
    echo "## connections"
    nmcli -t -f FILENAME,TYPE,DEVICE connection show | sed -n 's|^/etc/NetworkManager/system-connections/||p'
    echo "## log"
    grep -E "keyfile" "$work/log" | grep -E "<warn>|<error>" || true
    state
    kill $pid; wait $pid || true
    ! grep -E "keyfile" "$work/log" | grep -qE "<warn>|<error>"
    ;;
eni)
    printf 'auto lo\niface lo inet loopback\nsource %s/etc/network/interfaces.d/*\n' "$root" >"$work/interfaces"
    echo "## list"
    ifquery -i "$work/interfaces" --list
    echo "## commands (ifup --no-act prints them on stderr)"
    mkdir -p "$work/state"
    rc=0
    ifup --no-act -a -i "$work/interfaces" --state-dir "$work/state" >"$work/out" 2>&1 || rc=$?
    cat "$work/out"
    # ifupdown reports a rejected file or stanza on lines starting with "ifup:".
    ! grep -q "^ifup:" "$work/out" && [ $rc = 0 ]
    ;;
netplan)
    mkdir -p "$work/r/etc/netplan"
    cp -p "$root"/etc/netplan/*.yaml "$work/r/etc/netplan/"
    netplan generate --root-dir "$work/r" 2>"$work/err"
    echo "## errors"
    cat "$work/err"
    echo "## generated"
    for f in "$work"/r/run/systemd/network/*.net*; do
        echo "### $(basename "$f")"
        cat "$f"
    done
    [ ! -s "$work/err" ]
    ;;
ifcfg)
    # network-scripts (initscripts) sources ifcfg files in sh and runs `ip route add LINE`
    # for each line of route-/route6- files (ifup-routes, "ip" format): do exactly that.
    dir=$root/etc/sysconfig/network-scripts
    for f in "$dir"/ifcfg-*; do
        (
            set -u
            . "$f"
            echo "ifcfg $DEVICE TYPE=$TYPE BOOTPROTO=$BOOTPROTO"
            ip link show "$DEVICE" >/dev/null 2>&1 || exit 0
            ip link set "$DEVICE" up
            [ -n "${MTU:-}" ] && ip link set "$DEVICE" mtu "$MTU"
            for i in "" 1 2 3 4 5 6 7 8 9; do
                a=IPADDR$i p=PREFIX$i
                [ -n "${!a:-}" ] && ip addr add "${!a}/${!p}" dev "$DEVICE"
            done
            for a in ${IPV6ADDR:-} ${IPV6ADDR_SECONDARIES:-}; do ip -6 addr add "$a" dev "$DEVICE" nodad; done
            [ -n "${GATEWAY:-}" ] && ip route add default via "$GATEWAY" dev "$DEVICE"
            [ -n "${IPV6_DEFAULTGW:-}" ] && ip -6 route add default via "$IPV6_DEFAULTGW" dev "$DEVICE"
            for r in route route6; do
                [ -f "$dir/$r-$DEVICE" ] || continue
                fam=-4; [ $r = route6 ] && fam=-6
                grep -v '^#' "$dir/$r-$DEVICE" | while read -r line; do ip $fam route add $line; done
            done
        )
    done
    state
    ;;
*)
    echo "unknown format $fmt" >&2
    exit 2
    ;;
esac
