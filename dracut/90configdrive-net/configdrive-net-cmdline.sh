#!/bin/sh
# cmdline hook (sourced). In an initramfs without systemd, run configdrive-net as the first
# initqueue job: it sorts before network-legacy's ifup-* jobs, whose interfaces it then marks
# as set up (/tmp/net.<if>.did-setup), so they are not configured a second time.
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh
if [ -z "$DRACUT_SYSTEMD" ] && getargbool 1 rd.configdrive; then
    /sbin/initqueue --onetime --unique --name 00-configdrive-net /usr/sbin/configdrive-net-run
    # The main loop ends as soon as every finished check passes, maybe before running the
    # job above (a local root already there): this one passes only once it has run.
    echo '[ -e /run/configdrive-net/done ]' >"$hookdir/initqueue/finished/configdrive-net.sh"
fi
