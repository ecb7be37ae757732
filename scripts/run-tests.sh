#!/usr/bin/env bash
# Runs the whole lit suite (lit tests and the GoogleTest unit tests) and ends
# with one summary line: "N passed, N failed, N skipped". Exit status is
# lit's.
set -uo pipefail
build_dir=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

/usr/lib/llvm-22/bin/lit -sv "$build_dir/test" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# lit's summary lines read "  <Label>: N (P%)"; labels may have two words.
count() {
  awk -F: -v key="$1" '{ k = $1; gsub(/^ +| +$/, "", k) }
    k == key { split($2, f, " "); n += f[1] } END { print n + 0 }' "$log"
}
passed=$(( $(count Passed) + $(count "Expectedly Failed") ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count "Timed Out") + $(count "Unexpectedly Passed") ))
skipped=$(( $(count Unsupported) + $(count Skipped) + $(count Excluded) ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "lit: $passed passed, $failed failed, $skipped skipped"
exit "$status"
