#!/bin/bash
# Rebuilds the seed corpora from small images made by the real tools:
# fuzz/corpus/iso9660/ (images without their first 32 KiB, as the target expects) and
# fuzz/corpus/fat/ (FAT12/16/32 images cut after their last non-zero byte).
set -euo pipefail
cd "$(dirname "$0")"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
src=$t/src; mkdir -p "$src/openstack/latest" "$src/openstack/content"
echo '{"links":[{"id":"a","type":"phy","ethernet_mac_address":"fa:16:3e:00:00:01"}]}' >"$src/openstack/latest/network_data.json"
echo '{"uuid":"u","hostname":"h"}' >"$src/openstack/latest/meta_data.json"
echo 'auto eth0' >"$src/openstack/content/0000"
echo long >"$src/openstack/latest/a-long-name-for-vfat-rock-ridge-and-joliet-$(printf 'y%.0s' {1..40}).txt"
mkdir -p corpus/iso9660 corpus/fat
iso() { genisoimage -o "$t/x.iso" -no-pad -quiet -V config-2 "$@" "$src" 2>/dev/null; tail -c +32769 "$t/x.iso" >"corpus/iso9660/$name"; }
name=rr-joliet iso -ldots -allow-lowercase -allow-multidot -l -J -r
name=joliet iso -J
name=plain iso -l
cut() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d[:len(d.rstrip(b"\0"))])' "$@"; }
fat() {
    rm -f "$t/x.img"; truncate -s "$1" "$t/x.img"; shift
    mkfs.vfat -n config-2 "$@" "$t/x.img" >/dev/null 2>&1
    MTOOLS_SKIP_CHECK=1 mcopy -s -i "$t/x.img" "$src/openstack" ::/
    cut "$t/x.img" "corpus/fat/$name"
}
name=fat12 fat 128K -F 12
name=fat16 fat 3M -F 16 -s 1 -r 32
name=fat32 fat 34M -F 32 -s 1 -f 1
ls -l corpus/*
