#!/bin/sh
# Runs configdrive-net once in the initramfs: configure the network from the drive, write the
# runtime configuration the real root's network manager reads after switch_root (/run
# survives it), and the hand-off files for dracut's network root (/tmp/net.*).
# Never fails the boot: what failed is in the journal/dmesg (configdrive-net: ...).
[ -e /run/configdrive-net/done ] && exit 0
mkdir -p /run/configdrive-net
/usr/sbin/configdrive-net apply --handoff dracut --root / --runtime --format networkd,nm
echo "$?" > /run/configdrive-net/done
exit 0
