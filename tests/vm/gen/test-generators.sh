#!/bin/bash
# The product as image builders ship it (issue 7): initramfs images made by the real dracut
# and the real initramfs-tools with configdrive-net installed by dracut/install.sh (roots.sh),
# booted in QEMU with the binary under test overlaid (an appended cpio), NICs of chosen MACs
# on QEMU user networks that run no DHCP for us (restrict=on: nothing leaves QEMU but the
# guestfwd rules to servers on the host's 127.0.0.1), and a config drive made as nova makes
# it. The probe (tests/vm/gen/guest) reports at the end of the initramfs ("initrd") and after
# switch_root ("root"); check.py asserts from the host:
#   a. static-root:  configured only from the drive, the guest fetches from the host's HTTP
#                    server; no DHCP client ran; the hand-off files are there;
#   b. static-root:  after switch_root the real root still has the addresses and routes with
#                    its network manager (systemd-networkd) running, fetches again, and has
#                    the runtime (/run) and persisted (rd.configdrive.persist=) configuration;
#   c. nbd-root:     the root is mounted over NBD (qemu-nbd on 127.0.0.1) with no DHCP;
#      nbd-bond:     the same with a bond and a VLAN beside the root's NIC (dracut): no DHCP on
#                    bond members or on the bond either;
#      nm-root:      the NBD root with NetworkManager as dracut's network layer: it keeps the
#                    drive's addresses, no DHCP lease, our runtime keyfiles are there;
#   d. no-drive:     no drive attached: the boot goes on once rd.configdrive.timeout is over;
#   e. bond-vlan:    a corpus case with a bond and VLANs comes up in the real image (for
#                    dracut, the image without systemd: the hook's initqueue path).
# usage: test-generators.sh [dracut|itools]... [-- NAME-FILTER]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
GENS=()
ONLY=
while [ $# -gt 0 ]; do
    case $1 in
    --) ONLY=${2:-}; break ;;
    *) GENS+=("$1") ;;
    esac
    shift
done
[ ${#GENS[@]} -gt 0 ] || GENS=(dracut itools)
kernel
need_binary
bash "$VM_DIR/roots.sh" "${GENS[@]}"
RD=$CACHE/roots

MAC_A=52:54:00:cd:00:01
MAC_B=52:54:00:cd:00:02
TOKEN=cdnvm-$$-$RANDOM

# The drive of tests a-d: two NICs, static IPv4 on QEMU's user networks.
W=$OUT/gen
rm -rf "$W"
mkdir -p "$W/drive/openstack/latest" "$W/www"
cat >"$W/drive/openstack/latest/meta_data.json" <<EOF
{"uuid": "0b9e7d55-5b2a-4a7e-9b55-cd0000000001", "hostname": "cdnvm-guest", "name": "cdnvm-guest"}
EOF
cat >"$W/drive/openstack/latest/network_data.json" <<EOF
{"links": [{"id": "tapa", "type": "ovs", "ethernet_mac_address": "$MAC_A", "mtu": 1500},
           {"id": "tapb", "type": "ovs", "ethernet_mac_address": "$MAC_B", "mtu": 1500}],
 "networks": [{"id": "net-a", "type": "ipv4", "link": "tapa", "ip_address": "10.0.2.50",
               "netmask": "255.255.255.0",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.2.2"}]},
              {"id": "net-b", "type": "ipv4", "link": "tapb", "ip_address": "10.0.3.50",
               "netmask": "255.255.255.0", "routes": []}],
 "services": [{"type": "dns", "address": "10.0.2.3"}]}
EOF
for k in iso vfat; do make_drive "$W/drive" "$W/drive.$k" "$k"; done
# The drive of the bonded network-root test: the root's NIC, and a bond with a VLAN.
MAC_M1=52:54:00:cd:00:11
MAC_M2=52:54:00:cd:00:12
mkdir -p "$W/bond-nbd/openstack/latest"
cp "$W/drive/openstack/latest/meta_data.json" "$W/bond-nbd/openstack/latest/"
cat >"$W/bond-nbd/openstack/latest/network_data.json" <<EOF
{"links": [{"id": "tapa", "type": "phy", "ethernet_mac_address": "$MAC_A"},
           {"id": "m1", "type": "phy", "ethernet_mac_address": "$MAC_M1"},
           {"id": "m2", "type": "phy", "ethernet_mac_address": "$MAC_M2"},
           {"id": "bond0", "type": "bond", "bond_links": ["m1", "m2"], "bond_mode": "active-backup",
            "bond_miimon": 100, "ethernet_mac_address": "$MAC_M1"},
           {"id": "vlan100", "type": "vlan", "vlan_link": "bond0", "vlan_id": 100, "vlan_mac_address": "$MAC_M1"}],
 "networks": [{"id": "net-a", "type": "ipv4", "link": "tapa", "ip_address": "10.0.2.50",
               "netmask": "255.255.255.0",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.2.2"}]},
              {"id": "net-v", "type": "ipv4", "link": "vlan100", "ip_address": "192.0.2.10",
               "netmask": "255.255.255.0", "routes": []}],
 "services": []}
EOF
make_drive "$W/bond-nbd" "$W/bond-nbd.iso" iso
echo "CDNVM-HELLO $TOKEN" >"$W/www/hello"
http_server "$W/www" "$W/http.log"
# The roots over NBD (read through a temporary overlay), one server per generator's root.
for g in "${GENS[@]}"; do
    nbd_server "$RD/$g-root.ext4"
    declare "NBD_${g^^}=$NBD_PORT"
done

# The binary under test, over the image's copy.
ov=$(mktemp -d)
install -D -m 755 "$BIN" "$ov/usr/sbin/configdrive-net"
overlay_cpio "$ov" "$W/binary.cpio.gz"
rm -rf "$ov"

# expect NAME STAGE PYTHON-DICT-EXPRESSION: writes $W/NAME.STAGE.json (a few helpers below).
expect() {
    python3 - "$W/$1.$2.json" "$3" "$MAC_A" "$MAC_B" "$TOKEN" <<'EOF'
import json, sys
out, expr, A, B, TOKEN = sys.argv[1:6]
NET = {
    "links": [{"mac": A, "up": True, "mtu": 1500, "addrs": ["10.0.2.50/24"]},
              {"mac": B, "up": True, "addrs": ["10.0.3.50/24"]}],
    "routes": [{"dst": "0.0.0.0/0", "gateway": "10.0.2.2", "dev": "mac:" + A, "protocol": "static"}],
    # slirp's DHCP server would have given 10.0.2.15: nobody asked it
    "absent_addrs": ["10.0.2.15", "10.0.3.15"],
    "absent_procs": ["dhclient", "dhcpcd", "udhcpc", "NetworkManager"],
    "fetch": ["CDNVM-HELLO " + TOKEN],
}
RUNTIME = {"/run/systemd/network/": [r"^Address=10\.0\.2\.50/24$"],
           "/run/NetworkManager/system-connections/": [r"address1=10\.0\.2\.50/24"]}
e = eval(expr)
json.dump(e, open(out, "w"), indent=1)
EOF
}

# boot NAME GEN APPEND [qemu options]: the generator's image + the binary overlay.
# IMAGE: dracut, dracut-shell (dracut without systemd) or itools.
boot() {
    local name=$1 image=$2 append=$3
    shift 3
    cat "$RD/$image.img" "$W/binary.cpio.gz" >"$W/$image-test.img"
    local safety=
    [[ "$image" == dracut* ]] && safety="rd.shell=0 rd.emergency=poweroff"
    say "generators/$name: booting ($image)"
    local rc=0
    run_vm "gen-$name" "$W/$image-test.img" "$safety $append" "$@" || rc=$?
    [ "$rc" -eq 0 ] || result FAIL "generators/$name" "QEMU exit $rc (console: $OUT/gen-$name.console)"
    return 0
}
want() { [ -z "$ONLY" ] || [[ "$1" == *$ONLY* ]]; }

NET_A="$MAC_A|$(guestfwd 10.0.2.100 80 "$HTTP_PORT")"
NET_B="$MAC_B|net=10.0.3.0/24"
ROOTDISK="-drive file=$RD/GEN-root.ext4,if=virtio,format=raw,snapshot=on"
FETCH="cdnvm.fetch=http://10.0.2.100/hello"

# run_one GEN KIND: one test.
run_one() {
    local gen=$1 kind=$2 rootdisk handoff nbdroot nbdport sysroot local_drive bond_drive bond_image name cj nics
    rootdisk=${ROOTDISK/GEN/$gen}
    if [ "$gen" = dracut ]; then
        handoff='{"/tmp/net.{mac:'$MAC_A'}.did-setup": [], "/tmp/net.{mac:'$MAC_B'}.did-setup": [],
                  "/tmp/net.{mac:'$MAC_A'}.up": [], "/tmp/net.ifaces": [r"{mac:'$MAC_A'}"],
                  "/run/configdrive-net/handoff": [r"^CONFIGDRIVE_NET_BOOTDEV=.?{mac:'$MAC_A'}.?$"]}'
        # dracut 059 takes a port or an export name (then port 10809), not both
        nbdroot="root=nbd:10.0.2.100:root:ext4"
        nbdport=${NBD_DRACUT:-}
        sysroot=/sysroot
        local_drive="$W/drive.vfat virtio"
        bond_drive=cdrom
        # dracut without systemd: configdrive-net runs as an initqueue job there
        bond_image=dracut-shell
    else
        handoff='{"/run/net-{mac:'$MAC_A'}.conf": [r"^PROTO=.none.$", r"^IPV4ADDR=.10\.0\.2\.50.$", r"^IPV4NETMASK=.255\.255\.255\.0.$", r"^IPV4GATEWAY=.10\.0\.2\.2.$"],
                  "/conf/param.conf": [r"^DEVICE=.?{mac:'$MAC_A'}.?$"],
                  "/run/configdrive-net/handoff": [r"^CONFIGDRIVE_NET_BOOTDEV=.?{mac:'$MAC_A'}.?$"]}'
        nbdroot="root=/dev/nbd0 nbdroot=10.0.2.100:10809/root"
        nbdport=${NBD_ITOOLS:-}
        sysroot=/root
        # initramfs-tools' udev makes no by-label link for CD-ROMs: found by probing sr0.
        local_drive="$W/drive.iso cdrom"
        bond_drive=virtio
        bond_image=itools
    fi

    # --- a + b: local root, static network from the drive, persist asked for -------------
    name=$gen-static-root
    if [ "$kind" = static-root ]; then
        boot "$name" "$gen" "root=LABEL=cdn-root rd.configdrive.timeout=30 rd.configdrive.persist=networkd $FETCH cdnvm.poweroff=root" \
            $(nic_opts "$NET_A" "$NET_B") $(drive_opt $local_drive) $rootdisk
        expect "$name" initrd 'dict(NET, hostname="cdnvm-guest", files='"$handoff"', files_under=dict(RUNTIME, **{"'"$sysroot"'/etc/systemd/network/": [r"^Address=10\.0\.2\.50/24$"]}), kmsg=[r"configdrive-net: .*0 failed, 0 skipped"])'
        expect "$name" root 'dict(NET, procs=["systemd-network"], files_under=dict(RUNTIME, **{"/etc/systemd/network/": [r"^Address=10\.0\.2\.50/24$"]}))'
        check_result "generators/$name (a: initramfs)" "$OUT/gen-$name.probe" "$W/$name.initrd.json" initrd
        check_result "generators/$name (b: after switch_root)" "$OUT/gen-$name.probe" "$W/$name.root.json" root
    fi

    # --- c: the root over NBD, no DHCP ---------------------------------------------------
    name=$gen-nbd-root
    if [ "$kind" = nbd-root ]; then
        boot "$name" "$gen" "$nbdroot rd.configdrive.timeout=30 $FETCH cdnvm.poweroff=root" \
            $(nic_opts "$NET_A|$(guestfwd 10.0.2.100 10809 "$nbdport")" "$NET_B") $(drive_opt "$W/drive.iso" virtio)
        expect "$name" initrd 'dict(NET, files='"$handoff"', mounts=[r"^/dev/nbd0 \S+ ext4 "])'
        expect "$name" root 'dict(NET, procs=["systemd-network"], mounts=[r"^/dev/nbd0 / ext4 "])'
        check_result "generators/$name (c: initramfs)" "$OUT/gen-$name.probe" "$W/$name.initrd.json" initrd
        check_result "generators/$name (c: after switch_root)" "$OUT/gen-$name.probe" "$W/$name.root.json" root
    fi

    # --- c with a bond: members and bonds without addresses get no DHCP either ----------
    # With a network root, network-legacy runs ifup on every NIC: one with no
    # /tmp/net.<if>.did-setup gets DHCP unless /tmp/net.bootdev names another interface.
    # Bond members and a VLAN's parent bond have no address, so no marker of their own; the
    # markers must name the interfaces as they are named once udev has renamed them.
    name=$gen-nbd-bond
    if [ "$kind" = nbd-bond ]; then
        boot "$name" "$gen" "$nbdroot rd.configdrive.timeout=30 $FETCH cdnvm.poweroff=initrd" \
            $(nic_opts "$NET_A|$(guestfwd 10.0.2.100 10809 "$nbdport")" "$MAC_M1" "$MAC_M2") \
            $(drive_opt "$W/bond-nbd.iso" virtio)
        expect "$name" initrd '{"links": [{"mac": A, "up": True, "addrs": ["10.0.2.50/24"]},
              {"mac": "'$MAC_M1'", "master": "bond0", "up": True}, {"mac": "'$MAC_M2'", "master": "bond0", "up": True},
              {"name": "bond0", "kind": "bond", "mode": "active-backup", "slaves": ["'$MAC_M1'", "'$MAC_M2'"]},
              {"name": "bond0.100", "kind": "vlan", "id": 100, "parent": "bond0", "addrs": ["192.0.2.10/24"]}],
            "absent_procs": ["dhclient"], "absent_addrs": ["10.0.2.15"], "fetch": ["CDNVM-HELLO " + TOKEN],
            "mounts": [r"^/dev/nbd0 \S+ ext4 "],
            "files": {"/tmp/net.{mac:'$MAC_A'}.did-setup": [], "/tmp/net.bond0.100.did-setup": [],
                      "/tmp/net.bootdev": [r"^({mac:'$MAC_A'}|'$MAC_A')$"]},
            "absent_files": ["/tmp/leaseinfo.", "/tmp/dhclient."]}'
        check_result "generators/$name (c, bond members)" "$OUT/gen-$name.probe" "$W/$name.initrd.json" initrd
    fi

    # --- c with NetworkManager as dracut's network layer ---------------------------------
    # nm-initrd-generator makes a DHCP profile for every NIC (the root is on the network).
    # NetworkManager starts after apply: it must keep the drive's addresses (seen on this
    # kernel: it assumes the configured NICs as external, and our runtime keyfiles carry
    # autoconnect-priority 120 should it activate a profile) and get no DHCP lease.
    name=$gen-nm-root
    if [ "$kind" = nm-root ]; then
        boot "$name" dracut-nm "$nbdroot rd.neednet=1 rd.configdrive.timeout=30 $FETCH cdnvm.poweroff=initrd" \
            $(nic_opts "$NET_A|$(guestfwd 10.0.2.100 10809 "$nbdport")" "$NET_B") $(drive_opt "$W/drive.iso" virtio)
        expect "$name" initrd 'dict({k: v for k, v in NET.items() if k != "absent_procs"},
            absent_procs=["dhclient", "dhcpcd", "udhcpc"], procs=["NetworkManager"],
            mounts=[r"^/dev/nbd0 \S+ ext4 "],
            files_under={"/run/NetworkManager/system-connections/": [r"^autoconnect-priority=120$"]})'
        check_result "generators/$name (c, NetworkManager in the initramfs)" "$OUT/gen-$name.probe" "$W/$name.initrd.json" initrd
    fi

    # --- d: no drive: the boot goes on after the timeout ---------------------------------
    name=$gen-no-drive
    if [ "$kind" = no-drive ]; then
        # The probe runs once the root is mounted: the boot went on.
        boot "$name" "$gen" "root=LABEL=cdn-root rd.configdrive.timeout=6 cdnvm.poweroff=initrd" \
            $(nic_opts "$NET_A" "$NET_B") $rootdisk
        expect "$name" initrd '{"absent_addrs": ["10.0.2.50", "10.0.3.50"], "mounts": [r"^\S+ '"$sysroot"' ext4 "],
            "kmsg": [r"configdrive-net: starting apply in the initramfs", r"configdrive-net: .*no config drive labelled .* found within 6 s"],
            "kmsg_gap": [{"from": r"configdrive-net: starting apply", "to": r"no config drive labelled", "min": 5, "max": 20}],
            "absent_files": ["/run/net-", "/run/configdrive-net/handoff"]}'
        check_result "generators/$name (d)" "$OUT/gen-$name.probe" "$W/$name.initrd.json" initrd
    fi

    # --- e: a corpus case with a bond and VLANs, in the real image -------------------------
    name=$gen-bond-vlan
    if [ "$kind" = bond-vlan ]; then
        cj=$VM_DIR/cases/nd-bond-two-vlans.json
        cp -r "$CORPUS/cloud-init/nd-bond-two-vlans/config-drive" "$W/$gen-bond-drive"
        make_drive "$W/$gen-bond-drive" "$W/$gen-bond-drive.iso" iso
        mapfile -t nics < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["nics"]))' "$cj")
        boot "$name" "$bond_image" "root=LABEL=cdn-root rd.configdrive.timeout=30 cdnvm.poweroff=initrd" \
            $(nic_opts "${nics[@]}") $(drive_opt "$W/$gen-bond-drive.iso" "$bond_drive") $rootdisk
        check_result "generators/$name (e, $bond_image)" "$OUT/gen-$name.probe" "$cj" initrd
        rm -rf "$W/$gen-bond-drive"
    fi
}

# The tests, longest first; CDN_VM_JOBS (default 2) at a time, as a pool, so both host cores
# stay busy to the end (a TCG guest is one busy host thread).
QUEUE=("dracut static-root" "dracut nbd-root" "itools static-root" "dracut nbd-bond" "dracut nm-root"
    "itools nbd-root" "dracut bond-vlan" "dracut no-drive" "itools bond-vlan" "itools no-drive")
BG_SERVERS=$(jobs -rp | wc -l)
running=()
for t in "${QUEUE[@]}"; do
    read -r g k <<<"$t"
    [[ " ${GENS[*]} " == *" $g "* ]] && want "$g-$k" || continue
    while [ "$(jobs -rp | wc -l)" -ge "$((${CDN_VM_JOBS:-2} + BG_SERVERS))" ]; do wait -n || true; done
    (
        trap '[ -n "${VM_PID:-}" ] && kill "$VM_PID" 2>/dev/null; exit 143' TERM
        run_one "$g" "$k"
    ) &
    track $!
    running+=($!)
done
for j in "${running[@]}"; do wait "$j" || true; done
say "generators: the host's HTTP server answered $(grep -c 'GET /hello' "$W/http.log" || true) guest requests"
