#!/bin/bash
# Prints the size of the stripped release binary against the product's budget (96 KiB).
# Usage: tests/size.sh [--check]   (--check: fail when over budget)
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=$((96 * 1024))
bin=target/release/configdrive-net
[ -x "$bin" ] || cargo build --release --locked -q
bytes=$(stat -c %s "$bin")
printf 'configdrive-net: %d bytes stripped (%d.%d KiB), budget %d bytes (96 KiB): %s\n' \
    "$bytes" $((bytes / 1024)) $(((bytes % 1024) * 10 / 1024)) "$BUDGET" \
    "$([ "$bytes" -le "$BUDGET" ] && echo within || echo OVER)"
if [ "${1:-}" = "--check" ] && [ "$bytes" -gt "$BUDGET" ]; then exit 1; fi
