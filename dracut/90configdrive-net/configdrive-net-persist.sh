#!/bin/sh
# pre-pivot hook (sourced): with rd.configdrive.persist=LIST (formats, or `auto`), also write
# the configuration into the real root's /etc, from the drive apply found (render finds it
# again by its label; the hand-off file says apply found one). The root is usually mounted
# read-only here: it is remounted read-write for the write, and back afterwards.
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
_cdn_persist=$(getarg rd.configdrive.persist=)
if [ -n "$_cdn_persist" ] && [ "$_cdn_persist" != 0 ] && [ -d "$NEWROOT/etc" ]; then
    if ! [ -r /run/configdrive-net/handoff ]; then
        warn "configdrive-net: no config drive was used; nothing to persist"
    else
        _cdn_ro=
        # In a subshell: a failed redirection on a special builtin such as `:` ends a POSIX
        # shell, and this file is sourced by dracut's hook runner.
        if ! (: >"$NEWROOT/.configdrive-net-rw-test") 2>/dev/null; then
            _cdn_ro=1
            mount -o remount,rw "$NEWROOT" || warn "configdrive-net: cannot remount $NEWROOT read-write; not persisting"
        fi
        rm -f "$NEWROOT/.configdrive-net-rw-test"
        /usr/sbin/configdrive-net render --root "$NEWROOT" --format "$_cdn_persist" ||
            warn "configdrive-net: persisting into $NEWROOT failed"
        [ -n "$_cdn_ro" ] && mount -o remount,ro "$NEWROOT"
    fi
fi
unset _cdn_persist _cdn_ro
