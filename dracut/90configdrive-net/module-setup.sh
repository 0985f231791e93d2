#!/bin/bash
# dracut module: configure the network from an OpenStack config drive (configdrive-net).
# Add it to an image with: add_dracutmodules+=" configdrive-net " (dracut.conf.d) or
# `dracut --add configdrive-net`.

# Only when asked for: the module changes how the initramfs brings the network up.
check() {
    require_binaries configdrive-net || return 1
    return 255
}

# Nothing: the binary configures links itself. Network-root modules (nfs, nbd, iscsi) bring
# dracut's network layer; the hooks below hand our interfaces over to it.
depends() {
    return 0
}

installkernel() {
    # Bonds and VLANs; the drive is read without the isofs/vfat modules.
    hostonly='' instmods bonding 8021q
}

install() {
    # A static binary: no libraries to follow.
    inst_binary "$(command -v configdrive-net)" /usr/sbin/configdrive-net
    inst_script "$moddir/configdrive-net-run.sh" /usr/sbin/configdrive-net-run
    # In the initramfs only: no default bond0 when bonding loads (see the file).
    inst_simple "$moddir/configdrive-net-modprobe.conf" /etc/modprobe.d/configdrive-net.conf
    inst_hook cmdline 20 "$moddir/configdrive-net-cmdline.sh"
    inst_hook initqueue/settled 20 "$moddir/configdrive-net-online.sh"
    inst_hook pre-pivot 20 "$moddir/configdrive-net-persist.sh"
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/configdrive-net.service" "$systemdsystemunitdir/configdrive-net.service"
        $SYSTEMCTL -q --root "$initdir" enable configdrive-net.service
    fi
    # The online/netroot hand-off and the non-systemd run happen in the initqueue.
    dracut_need_initqueue
}
