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

count() { awk -v key="$1" '$1 == key":" { n += $2 } END { print n + 0 }' "$log"; }
passed=$(( $(count Passed) + $(count "Expectedly") ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count Timed) + $(count Unexpectedly) ))
skipped=$(( $(count Unsupported) + $(count Skipped) + $(count Excluded) ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "lit: $passed passed, $failed failed, $skipped skipped"
exit "$status"
