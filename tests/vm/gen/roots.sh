#!/bin/bash
# roots.sh [dracut|itools]...: builds, or takes from the cache, what the real-generator tests
# boot. For each generator, in $CACHE/roots:
#   <gen>/            a Debian bookworm system (debootstrap minbase) with systemd, udev,
#                     iproute2, nbd-client, Debian's kernel (the cached package's files) and
#                     the generator: dracut (+ dracut-network) or initramfs-tools;
#   <gen>.img         its initramfs, made by the real generator (dracut / update-initramfs)
#                     (and dracut-shell.img: dracut without systemd, its shell init;
#                     dracut-nm.img: NetworkManager instead of network-legacy)
#                     after configdrive-net was installed with the packagers' command
#                     (dracut/install.sh) and enabled as the README tells image builders,
#                     plus the test probe (tests/vm/gen/guest);
#   <gen>-root.ext4   that system as a root filesystem (label cdn-root), made without
#                     mounting (mkfs.ext4 -d), with a probe unit that reports after boot.
# Each piece is rebuilt only when what it is made from changed (a key file next to it).
# Chroot work runs in a private mount namespace: its mounts vanish with it, whatever happens.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kernel
need_binary
RD=$CACHE/roots
mkdir -p "$RD"
GENS=("$@")
[ ${#GENS[@]} -gt 0 ] || GENS=(dracut itools)

COMMON_PKGS="systemd systemd-sysv udev iproute2 kmod busybox-static nbd-client zstd"
declare -A GEN_PKGS=(
    # procps: pgrep, which network-legacy needs; network-manager: the dracut-nm image (not
    # enabled in the real root, where systemd-networkd is the network manager under test)
    [dracut]="dracut dracut-network procps network-manager"
    [itools]="initramfs-tools"
)

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
fresh() { [ -e "$1" ] && [ "$(cat "$1.key" 2>/dev/null)" = "$2" ]; }

# in_root DIR CMD...: runs CMD chrooted into DIR with /proc, /sys, /dev, a fresh /tmp and /run.
in_root() {
    local r=$1
    shift
    unshare -m --propagation private bash -c '
        set -e
        r=$1; shift
        mount -t proc proc "$r/proc"
        mount -t sysfs sys "$r/sys"
        mount --rbind /dev "$r/dev"
        mount -t tmpfs tmp "$r/tmp"
        mount -t tmpfs run "$r/run"
        exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
            DEBIAN_FRONTEND=noninteractive "$@"' _ "$r" "$@"
}

mirror() {
    local m
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    echo "${m:-http://deb.debian.org/debian}"
}

# --- base: debootstrap --------------------------------------------------------------------
build_base() {
    local key
    key=$(echo "bookworm minbase $(mirror)" | sha256sum | cut -c1-16)
    fresh "$RD/base" "$key" && return 0
    say "roots: debootstrap bookworm (minbase) from $(mirror)"
    rm -rf "$RD/base" "$RD/base.tmp"
    unshare -m --propagation private debootstrap --variant=minbase bookworm "$RD/base.tmp" "$(mirror)" \
        >"$OUT/debootstrap.log" 2>&1 || die "debootstrap failed: $OUT/debootstrap.log"
    # The host's suites (with updates and security), so the roots get what the host gets.
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        rm -f "$RD/base.tmp/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/debian.sources "$RD/base.tmp/etc/apt/sources.list.d/"
    fi
    mv "$RD/base.tmp" "$RD/base"
    echo "$key" >"$RD/base.key"
}

# --- a generator's system -----------------------------------------------------------------
build_system() {
    local gen=$1 r=$RD/$1 key
    key=$(echo "$(cat "$RD/base.key") $KVER $COMMON_PKGS ${GEN_PKGS[$gen]}" | sha256sum | cut -c1-16)
    fresh "$r" "$key" && return 0
    say "roots: $gen: installing $COMMON_PKGS ${GEN_PKGS[$gen]}"
    rm -rf "$r" "$r.tmp"
    cp -a "$RD/base" "$r.tmp"
    # No service starts during the installation.
    printf '#!/bin/sh\nexit 101\n' >"$r.tmp/usr/sbin/policy-rc.d"
    chmod 755 "$r.tmp/usr/sbin/policy-rc.d"
    {
        in_root "$r.tmp" apt-get update -q
        in_root "$r.tmp" apt-get install -y -q --no-install-recommends $COMMON_PKGS ${GEN_PKGS[$gen]}
        in_root "$r.tmp" apt-get clean
    } >"$OUT/apt-$gen.log" 2>&1 || die "$gen: apt-get failed: $OUT/apt-$gen.log"
    rm -f "$r.tmp/usr/sbin/policy-rc.d"
    # Debian's kernel: the same package's files as the minimal tests boot. Its postinst would
    # only run depmod and the generator, which happen below.
    mkdir -p "$r.tmp/usr/lib/modules"
    cp -a "$KDIR/tree/boot/." "$r.tmp/boot/"
    cp -a "$KDIR/tree/lib/modules/$KVER" "$r.tmp/usr/lib/modules/"
    in_root "$r.tmp" depmod "$KVER"
    # What makes it a system to boot: a root without fstab entries (mounted read-only by the
    # initramfs), networkd as the network manager that must keep the initramfs's link.
    echo cdnvm-$gen >"$r.tmp/etc/hostname"
    : >"$r.tmp/etc/fstab"
    : >"$r.tmp/etc/resolv.conf"
    in_root "$r.tmp" systemctl enable systemd-networkd.service >>"$OUT/apt-$gen.log" 2>&1
    if [ -e "$r.tmp/lib/systemd/system/NetworkManager.service" ]; then
        in_root "$r.tmp" systemctl disable NetworkManager.service >>"$OUT/apt-$gen.log" 2>&1
    fi
    mv "$r.tmp" "$r"
    echo "$key" >"$r.key"
}

# --- the initramfs, by the real generator ---------------------------------------------------
integration_files() {
    find "$REPO/dracut" "$REPO/initramfs-tools" "$VM_DIR/guest" -type f | LC_ALL=C sort
    echo "$0"
}
build_image() {
    local gen=$1 r=$RD/$1 key
    key=$(hash_of "$r.key" $(integration_files))
    fresh "$RD/$gen.img" "$key" && return 0
    say "roots: $gen: installing configdrive-net (dracut/install.sh) and generating the initramfs"
    # The packagers' command, into the image's root; the binary is overlaid per test anyway.
    sh "$REPO/dracut/install.sh" "$r" "$BIN"
    local t=$VM_DIR/guest
    if [ "$gen" = dracut ]; then
        # As the README tells image builders, then what the tests add: the probe, every
        # driver (the image is built in a chroot: hostonly would size it for this machine),
        # NBD for the network-root test and the classic network layer it uses.
        echo 'add_dracutmodules+=" configdrive-net "' >"$r/etc/dracut.conf.d/50-configdrive-net.conf"
        cat >"$r/etc/dracut.conf.d/90-cdnvm-test.conf" <<'EOF'
hostonly="no"
compress="zstd"
add_dracutmodules+=" cdnvm-probe nbd network-legacy "
add_drivers+=" virtio_net virtio_pci virtio_blk virtio_scsi sr_mod ata_piix "
EOF
        local m=$r/usr/lib/dracut/modules.d/99cdnvm-probe
        mkdir -p "$m"
        install -m 755 "$t/cdnvm-probe" "$m/cdnvm-probe"
        install -m 755 "$t/dracut-probe-setup.sh" "$m/module-setup.sh"
        printf '#!/bin/sh\n/usr/bin/cdnvm-probe initrd "$NEWROOT"\n' >"$m/cdnvm-probe-hook.sh"
        chmod 755 "$m/cdnvm-probe-hook.sh"
        in_root "$r" dracut -f --kver "$KVER" "/boot/initrd.img-$KVER" >"$OUT/gen-$gen.log" 2>&1 ||
            die "dracut failed: $OUT/gen-$gen.log"
        # The same without systemd: dracut's own shell init, where configdrive-net runs as
        # an initqueue job instead of a unit.
        in_root "$r" dracut -f --kver "$KVER" --omit "systemd systemd-initrd dracut-systemd systemd-networkd" \
            "/boot/initrd-shell.img-$KVER" >"$OUT/gen-$gen-shell.log" 2>&1 ||
            die "dracut (without systemd) failed: $OUT/gen-$gen-shell.log"
        cp "$r/boot/initrd-shell.img-$KVER" "$RD/dracut-shell.img"
        # The same with NetworkManager as the initramfs's network layer instead of
        # network-legacy: configdrive-net's runtime keyfiles must win over the DHCP
        # profile nm-initrd-generator makes.
        in_root "$r" dracut -f --kver "$KVER" --add network-manager --omit network-legacy \
            "/boot/initrd-nm.img-$KVER" >"$OUT/gen-$gen-nm.log" 2>&1 ||
            die "dracut (NetworkManager) failed: $OUT/gen-$gen-nm.log"
        cp "$r/boot/initrd-nm.img-$KVER" "$RD/dracut-nm.img"
    else
        # initramfs-tools picks the installed hook up by itself. The probe: a hook and an
        # init-bottom script (after ours, which persists into the root there).
        install -m 755 "$t/itools-probe-hook" "$r/etc/initramfs-tools/hooks/cdnvm-probe"
        install -D -m 755 "$t/cdnvm-probe" "$r/usr/local/lib/cdnvm/cdnvm-probe"
        install -D -m 755 "$t/itools-probe-script" "$r/usr/share/initramfs-tools/scripts/init-bottom/zz-cdnvm-probe"
        in_root "$r" update-initramfs -c -k "$KVER" >"$OUT/gen-$gen.log" 2>&1 ||
            { in_root "$r" update-initramfs -u -k "$KVER" >>"$OUT/gen-$gen.log" 2>&1 ||
                die "update-initramfs failed: $OUT/gen-$gen.log"; }
    fi
    cp "$r/boot/initrd.img-$KVER" "$RD/$gen.img.tmp"
    mv "$RD/$gen.img.tmp" "$RD/$gen.img"
    echo "$key" >"$RD/$gen.img.key"
    say "roots: $gen: initramfs $(du -h "$RD/$gen.img" | cut -f1)"
}

# --- the root filesystem --------------------------------------------------------------------
build_rootfs() {
    local gen=$1 r=$RD/$1 key img=$RD/$1-root.ext4
    key=$(hash_of "$RD/$gen.img.key" "$VM_DIR/guest/cdnvm-probe" "$VM_DIR/guest/cdnvm-probe.service")
    fresh "$img" "$key" && return 0
    say "roots: $gen: root filesystem image"
    install -D -m 755 "$VM_DIR/guest/cdnvm-probe" "$r/usr/local/bin/cdnvm-probe"
    install -m 644 "$VM_DIR/guest/cdnvm-probe.service" "$r/etc/systemd/system/cdnvm-probe.service"
    in_root "$r" systemctl enable cdnvm-probe.service >/dev/null 2>&1
    # Without what only the image build needs (kernel modules, /boot, documentation), hidden
    # under empty directories in a private mount namespace while mkfs copies the tree.
    unshare -m --propagation private bash -c '
        set -e
        r=$1 img=$2
        e=$(mktemp -d)
        for d in usr/lib/modules boot usr/share/doc usr/share/man usr/share/locale var/cache/apt var/lib/apt/lists; do
            [ -d "$r/$d" ] && mount --bind "$e" "$r/$d"
        done
        mb=$(( $(du -sxm "$r" | cut -f1) * 13 / 10 + 64 ))
        rm -f "$img"
        truncate -s "${mb}M" "$img"
        mkfs.ext4 -q -F -L cdn-root -E root_owner=0:0 -d "$r" "$img"
        rmdir "$e"' _ "$r" "$img.tmp" || die "mkfs.ext4 failed"
    mv "$img.tmp" "$img"
    echo "$key" >"$img.key"
    say "roots: $gen: root filesystem $(du -h --apparent-size "$img" | cut -f1)"
}

build_gen() {
    with_lock "roots-$1" build_system "$1"
    with_lock "roots-$1" build_image "$1"
    with_lock "roots-$1" build_rootfs "$1"
}
with_lock roots-base build_base
# The two systems are built side by side (downloads, dpkg and the generators overlap);
# CDN_VM_JOBS=1 builds them one after the other.
if [ "${CDN_VM_JOBS:-2}" -gt 1 ] && [ ${#GENS[@]} -gt 1 ]; then
    pids=()
    for g in "${GENS[@]}"; do
        build_gen "$g" &
        track $!
        pids+=($!)
    done
    fail=0
    for p in "${pids[@]}"; do wait "$p" || fail=1; done
    [ "$fail" -eq 0 ] || die "building the roots failed (logs in $OUT)"
else
    for g in "${GENS[@]}"; do build_gen "$g"; done
fi
