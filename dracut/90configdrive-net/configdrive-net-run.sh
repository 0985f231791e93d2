#!/bin/sh
# Runs configdrive-net once in the initramfs: configure the network from the drive, write the
# runtime configuration the real root's network manager reads after switch_root (/run
# survives it), and the hand-off files for dracut's network root (/tmp/net.*).
# Never fails the boot: what failed is in the journal/dmesg (configdrive-net: ...).
[ -e /run/configdrive-net/done ] && exit 0
mkdir -p /run/configdrive-net
# udev may still be renaming NICs (eth0 -> ens2): the hand-off files must name interfaces as
# they end up. apply finds NICs by MAC and waits for missing ones itself; this only lets
# the events already queued finish (bounded).
command -v udevadm >/dev/null 2>&1 && udevadm settle --timeout=30 >/dev/null 2>&1
# When the run began, in dmesg: the wait for the drive that may follow is bounded by
# rd.configdrive.timeout, and this line lets a reader see how long it lasted.
echo "<5>configdrive-net: starting apply in the initramfs (dracut)" >/dev/kmsg 2>/dev/null
/usr/sbin/configdrive-net apply --handoff dracut --root / --runtime --format networkd,nm
echo "$?" > /run/configdrive-net/done
exit 0
