#!/bin/bash
# The long fuzz campaign behind fuzz/RESULTS.md: every target runs until it has executed RUNS
# inputs (default 10 million), without AddressSanitizer (the parsers contain no unsafe code, so
# an out-of-bounds access or overflow is a Rust panic, which libFuzzer reports as a crash).
# Prints one Markdown table row per target; a crash stops that target, leaves the input in
# fuzz/artifacts/<target>/ and makes the script exit 1.
#
#   fuzz/campaign.sh [RUNS] [TARGET...]     e.g. fuzz/campaign.sh 10000000 fat
set -uo pipefail
cd "$(dirname "$0")"
runs=${1:-10000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(network_data meta_data interfaces netlink_reply iso9660 fat ip)
declare -A max_len=([network_data]=16384 [meta_data]=4096 [interfaces]=4096 [netlink_reply]=16384 [iso9660]=65536 [fat]=65536 [ip]=128)
commit=$(git rev-parse --short HEAD)
status=0
for t in "${targets[@]}"; do
    cargo +nightly fuzz build -s none "$t" >/dev/null 2>&1 || { echo "| $t | build failed |"; status=2; continue; }
    work=target/corpus/$t
    mkdir -p "$work" "artifacts/$t"
    log=target/campaign-$t.log
    start=$(date +%s)
    cargo +nightly fuzz run -s none "$t" "$work" "corpus/$t" -- \
        -runs="$runs" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    done_runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
    corp=$(find "$work" -type f | wc -l)
    crashes=$([ $rc -eq 0 ] && echo 0 || echo "1 (exit $rc, see fuzz/artifacts/$t/)")
    [ $rc -eq 0 ] || status=1
    echo "| $t | \`cargo +nightly fuzz run -s none $t -- -runs=$runs -max_len=${max_len[$t]}\` | ${done_runs:-?} | ${secs} s | ${cov:-?} | $corp | $crashes | $commit |"
done
exit $status
