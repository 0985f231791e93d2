#!/bin/bash
# Benchmark: render every format for the largest corpus case (glean/liberty: 17 links, 3 bonds,
# 3 VLANs) with configdrive-net, and the same input with glean (PyPI, in a venv under
# target/), in the same run; prints the time per run of each and the ratio (goal: >= 100x).
#
#   tests/bench-render.sh [CASE] [RUNS]
#
# configdrive-net: one process renders networkd, NetworkManager, ifupdown, netplan and ifcfg
# for real (atomic writes with fsync into a temporary root). glean: one process per format it
# has (debian = ifupdown, redhat = ifcfg, networkd, redhat --use-nm = keyfiles; it has no
# netplan), with --noop, because glean writes to the host's /etc whatever --root says; so
# glean writes nothing and still is what is timed. Not part of CI's pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
case=${1:-glean/liberty}
runs=${2:-200}
corpus=$(realpath tests/corpus)
[ -d "$corpus/$case" ] || { echo "corpus case $case not found in tests/corpus" >&2; exit 1; }
drive=$corpus/$case/config-drive
sys=$corpus/$case/sys

cargo build --release --locked -q
bin=target/release/configdrive-net
venv=target/bench-venv
if [ ! -x "$venv/bin/glean" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q glean==1.25.1
fi

# On tmpfs: fsync costs nothing there, as glean --noop writes nothing (on a disk, the 2 fsyncs
# per file dominate our time; they are what makes the writes atomic and durable).
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
# glean reads <root>/mnt/config and <root>/sys/class/net.
mkdir -p "$work/glean" "$work/ours/etc/network"
ln -s "$drive" "$work/glean/mnt" 2>/dev/null || { mkdir -p "$work/glean/mnt"; ln -s "$drive" "$work/glean/mnt/config"; }
[ -e "$work/glean/mnt/config" ] || { rm -f "$work/glean/mnt"; mkdir -p "$work/glean/mnt"; ln -s "$drive" "$work/glean/mnt/config"; }
ln -s "$sys" "$work/glean/sys"
echo 'source /etc/network/interfaces.d/*' >"$work/ours/etc/network/interfaces"

now() { date +%s%N; }

# A fresh root for each run, as at a first boot, made before timing.
for i in $(seq "$runs"); do
    mkdir -p "$work/ours$i/etc/network" && cp "$work/ours/etc/network/interfaces" "$work/ours$i/etc/network/"
done
t0=$(now)
for i in $(seq "$runs"); do
    "$bin" render --drive "$drive" --root "$work/ours$i" --sysfs "$sys" \
        --format networkd,nm,eni,netplan,ifcfg --quiet
done
t1=$(now)
ours_ns=$(((t1 - t0) / runs))
files=$(find "$work/ours1" -type f | wc -l)

gruns=$(((runs + 19) / 20))
t0=$(now)
for _ in $(seq "$gruns"); do
    for args in "--distro debian" "--distro redhat" "--distro networkd" "--distro redhat --use-nm"; do
        # shellcheck disable=SC2086
        "$venv/bin/glean" --noop --root "$work/glean" $args >/dev/null 2>&1
    done
done
t1=$(now)
glean_ns=$(((t1 - t0) / gruns))
glean_out=$("$venv/bin/glean" --noop --root "$work/glean" --distro debian 2>/dev/null | grep -c '^### Write')

printf 'case %s\n' "$case"
printf 'configdrive-net: %6d us per run (5 formats, %d files written)\n' $((ours_ns / 1000)) "$files"
printf 'glean:           %6d us per run (4 formats, --noop; %d files for debian alone)\n' $((glean_ns / 1000)) "$glean_out"
printf 'ratio: %d.%dx faster\n' $((glean_ns / ours_ns)) $(((glean_ns * 10 / ours_ns) % 10))
