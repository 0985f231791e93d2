#!/bin/sh
# initqueue/settled hook (sourced): once configdrive-net has configured its interfaces, do
# what dracut's own network handlers do for an interface that is up — run the online hooks
# and /sbin/netroot, so an NFS, NBD or iSCSI root proceeds without DHCP. Once.
[ -e /run/configdrive-net/done ] || return 0
[ -e /run/configdrive-net/online-done ] && return 0
: > /run/configdrive-net/online-done
CONFIGDRIVE_NET_IFACES=
[ -r /run/configdrive-net/handoff ] && . /run/configdrive-net/handoff
for _cdn_if in $CONFIGDRIVE_NET_IFACES; do
    source_hook initqueue/online "$_cdn_if"
    [ -x /sbin/netroot ] && /sbin/netroot "$_cdn_if"
done
unset _cdn_if
