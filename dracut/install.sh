#!/bin/sh
# Installs configdrive-net for packagers: the static binary, the dracut module and the
# initramfs-tools hook and scripts, under DESTDIR.
#
#   cargo build --release && sh dracut/install.sh DESTDIR
#
# Then, in an image: dracut with add_dracutmodules+=" configdrive-net ", or
# initramfs-tools picks the hook up by itself (update-initramfs -u).
set -eu
DESTDIR=${1:?usage: install.sh DESTDIR [BINARY]}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-$here/target/release/configdrive-net}
[ -x "$bin" ] || { echo "install.sh: $bin: build it first (cargo build --release)" >&2; exit 1; }
install -D -m 0755 "$bin" "$DESTDIR/usr/sbin/configdrive-net"
mod="$DESTDIR/usr/lib/dracut/modules.d/90configdrive-net"
install -d "$mod"
for f in "$here"/dracut/90configdrive-net/*; do
    case "$f" in *.service | *.conf) m=0644 ;; *) m=0755 ;; esac
    install -m "$m" "$f" "$mod/"
done
it="$DESTDIR/usr/share/initramfs-tools"
install -D -m 0755 "$here/initramfs-tools/hooks/configdrive-net" "$it/hooks/configdrive-net"
install -D -m 0755 "$here/initramfs-tools/scripts/init-premount/configdrive-net" "$it/scripts/init-premount/configdrive-net"
install -D -m 0755 "$here/initramfs-tools/scripts/init-bottom/configdrive-net" "$it/scripts/init-bottom/configdrive-net"
