#!/usr/bin/env bash
# Runs the libFuzzer targets (test/fuzz/) for real, from the asan build.
#
#   scripts/fuzz.sh SECONDS [TARGET...]     (make fuzz FUZZ_SECONDS=N)
#
# Each target fuzzes for SECONDS of wall time on one core, as many at once
# as there are cores (FUZZ_JOBS overrides). It starts from the committed
# seeds (test/fuzz/corpus/T, read only) and the inputs earlier runs found
# (build-asan/fuzz/corpus/T); crashes land in build-asan/fuzz/crashes/T/.
# One line per run is appended to build-asan/fuzz/runs.tsv (target, date,
# wall s, CPU s, executions, new crashes, corpus size), and the totals per
# target are printed as the Markdown table docs/RELIABILITY.md quotes.
# FUZZ_FLAGS adds libFuzzer flags (e.g. "-fork=1 -ignore_timeouts=1" to go
# on past inputs that hang an upstream reader).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy npz safetensors onnx onnx-external mlir mlir-bytecode recipe plugin)
build=build-asan
jobs=${FUZZ_JOBS:-$(nproc)}

test -f "$build/build.ninja" || cmake --preset asan
cmake --build "$build" --target qf-fuzzers
mkdir -p "$build/fuzz"
log="$build/fuzz/runs.tsv"
[ -f "$log" ] || printf 'target\tdate\twall_s\tcpu_s\texecutions\tcrashes\tcorpus\n' > "$log"

run_one() {
  local t=$1 seconds=$2 build=$3 log=$4
  local work="$build/fuzz/corpus/$t" crashes="$build/fuzz/crashes/$t"
  local out="$build/fuzz/$t.log"
  mkdir -p "$work" "$crashes"
  local before
  before=$(ls "$crashes" | wc -l)
  # -timeout: an input that runs 30 s is a hang and kept as a crash.
  # -rss_limit_mb: the readers must refuse big claims before allocating.
  # allow_user_poisoning=0: see test/fuzz/AsanOptions.cpp.
  ASAN_OPTIONS=allow_user_poisoning=0 UBSAN_OPTIONS=print_stacktrace=1 \
  /usr/bin/time -f '%e %U %S' -o "$out.time" \
    "$build/bin/qf-fuzz-$t" "$work" "test/fuzz/corpus/$t" \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_FLAGS:-} > "$out" 2>&1 || true
  local wall cpu execs after corpus
  read -r wall user sys < <(tail -1 "$out.time")
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", u + s }')
  execs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$out" | tail -1)
  after=$(ls "$crashes" | wc -l)
  corpus=$(ls "$work" | wc -l)
  printf '%s\t%s\t%.0f\t%s\t%s\t%s\t%s\n' "$t" "$(date -u +%FT%TZ)" "$wall" \
    "$cpu" "${execs:-0}" $((after - before)) "$corpus" >> "$log"
  echo "$t: ${cpu} CPU s, ${execs:-0} executions, $((after - before)) new crashes"
}
export -f run_one
printf '%s\n' "${targets[@]}" |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$build" "$log"

echo
echo "| target | CPU minutes | executions | crashes | corpus |"
echo "|---|---|---|---|---|"
awk -F'\t' 'NR > 1 { cpu[$1] += $4; ex[$1] += $5; cr[$1] += $6; co[$1] = $7 }
  END { for (t in cpu) printf "| %s | %.1f | %d | %d | %d |\n", t, cpu[t] / 60, ex[t], cr[t], co[t] }' \
  "$log" | sort
