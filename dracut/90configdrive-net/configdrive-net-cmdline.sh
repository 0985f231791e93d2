#!/bin/sh
# cmdline hook (sourced). In an initramfs without systemd, run configdrive-net as the first
# initqueue job: it sorts before network-legacy's ifup-* jobs, whose interfaces it then marks
# as set up (/tmp/net.<if>.did-setup), so they are not configured a second time.
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh
if [ -z "$DRACUT_SYSTEMD" ] && getargbool 1 rd.configdrive; then
    /sbin/initqueue --onetime --unique --name 00-configdrive-net /usr/sbin/configdrive-net-run
fi
