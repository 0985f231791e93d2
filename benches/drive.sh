#!/bin/bash
# Benchmark (not a test): time and bytes read to fetch network_data.json and meta_data.json
# from a config drive ISO (genisoimage with nova's flags) and from a 64 MiB VFAT image
# (mkfs.vfat + mcopy), as the readers see it (their own counters) and as the kernel sees a
# whole `plan` run (strace, when installed).
# Usage: benches/drive.sh [CORPUS_CASE_DIR] [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$PWD/tests/corpus
src=${1:-$corpus/talos/openstack-mixed-bond-vlan-ipv6/config-drive}
n=${2:-2000}
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT

genisoimage -o "$t/cd.iso" -ldots -allow-lowercase -allow-multidot -l -quiet -J -r -V config-2 "$src" 2>/dev/null
truncate -s 64M "$t/cd.vfat"
mkfs.vfat -n config-2 "$t/cd.vfat" >/dev/null 2>&1
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$t/cd.vfat" "$src/openstack" ::/

cargo build -q --release --example drive_fetch
cargo build -q --release
echo "source: $src"
echo "images: cd.iso $(stat -c %s "$t/cd.iso") bytes, cd.vfat $(stat -c %s "$t/cd.vfat") bytes"
for img in cd.iso cd.vfat; do
    target/release/examples/drive_fetch "$t/$img" "$n" | sed "s|$t/||"
done
if command -v strace >/dev/null; then
    for img in cd.iso cd.vfat; do
        strace -f -e trace=pread64 -o "$t/trace" target/release/configdrive-net plan --cmdline /dev/null --drive "$t/$img" >/dev/null 2>&1 || true
        awk -v img="$img" '/pread64/ { n++; split($0, a, "= "); b += a[2] } END { printf "%s: whole `plan` run: %d preads, %d bytes (strace)\n", img, n, b }' "$t/trace"
    done
fi
