#!/bin/bash
# Runs the fuzz targets for SECONDS each (default 60) and prints, per target, the executions
# and whether it crashed. Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        e.g. fuzz/run.sh 1800 network_data
#
# Each target starts from its seeds in fuzz/corpus/<target>/ (kept in git) and grows a working
# corpus in fuzz/target/corpus/<target>/ (not in git). A crash leaves its input in
# fuzz/artifacts/<target>/ and makes the script exit 1.
#
# FUZZ_SANITIZER=none builds without AddressSanitizer (about 10x faster; the parsers contain no
# unsafe code, so a bounds or overflow error is a Rust panic either way). The default is
# cargo-fuzz's own (address).
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(network_data meta_data interfaces netlink_reply iso9660 fat ip)

# Inputs no larger than a real document needs keep the runs fast.
declare -A max_len=([network_data]=16384 [meta_data]=4096 [interfaces]=4096 [netlink_reply]=16384 [iso9660]=65536 [fat]=65536 [ip]=128)
san=(-s "${FUZZ_SANITIZER:-address}")

for t in "${targets[@]}"; do
    cargo +nightly fuzz build "${san[@]}" "$t" >/dev/null 2>&1 || cargo +nightly fuzz build "${san[@]}" "$t" || exit 2
done
status=0
for t in "${targets[@]}"; do
    work=target/corpus/$t
    mkdir -p "$work" "artifacts/$t"
    log=target/fuzz-$t.log
    cargo +nightly fuzz run "${san[@]}" "$t" "$work" "corpus/$t" -- \
        -max_total_time="$secs" -max_len="${max_len[$t]:-65536}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    if [ $rc -eq 0 ]; then
        printf '%-14s %12s executions in %ss, no crash\n' "$t" "${runs:-?}" "$secs"
    else
        printf '%-14s CRASH or error (exit %s) after %s executions: see fuzz/%s and fuzz/artifacts/%s/\n' "$t" "$rc" "${runs:-?}" "$log" "$t"
        status=1
    fi
done
exit $status
