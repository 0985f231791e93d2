#!/bin/bash
# The benchmark: configdrive-net against its peers, measured in one run, printed as one
# markdown table (README "Benchmarks"; target/bench/table.md, samples in results.json).
#   sudo benches/run.sh [--quick] [--only size,render,apply,scale,vm]
# --quick: few runs each, a sanity check of the script rather than figures (~5 min), without
# the boots of the real dracut and initramfs-tools images (row 6c: those images are the VM
# harness's, from BENCH_VM_ROOTS, default /var/cache/configdrive-net-vm/roots; missing, the row
# says "not measured"). A full run takes about 25 min on 2 cores.
# Needs root (network namespaces, private mounts). Installs what is missing first: the test
# suite's packages (tests/setup) and the VM harness's (tests/vm/setup); glean 1.25.1 from
# PyPI into a venv under target/bench-venv; the peers' Debian packages are downloaded into
# target/bench-cache (apt-get download, unpacked with dpkg -x, never installed).
# A benchmark, not a test: not part of tests/run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "benches/run.sh: needs root (network namespaces)" >&2; exit 1; }

bash tests/setup
bash tests/vm/setup
cargo build --release --locked -q

GLEAN_VERSION=1.25.1
venv=target/bench-venv
if [ "$("$venv/bin/pip" show glean 2>/dev/null | sed -n 's/^Version: //p')" != "$GLEAN_VERSION" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "glean==$GLEAN_VERSION"
fi

# The real dracut and initramfs-tools images of row 6c: built (minutes, once) or taken from
# the VM tests' cache by the same script those tests use. --quick does not boot them.
if [[ " $* " != *" --quick "* ]] && [ -z "${BENCH_VM_ROOTS:-}" ]; then
    bash tests/vm/gen/roots.sh >&2
fi

exec python3 benches/bench.py "$@"
