#!/usr/bin/env bash
# The CPU kernel benchmark of docs/PERFORMANCE.md: qf-bench-kernels on 1 and
# 2 threads (OpenBLAS and oneDNN beside our kernels, the machine's peaks),
# the Markdown to BUILD/bench/kernels.md and the plot to
# docs/kernels-bench.svg.
#   scripts/bench-kernels.sh [BUILD]
set -euo pipefail
build=${1:-build}
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$build/bench"
mkdir -p "$out"
ninja -C "$build" qf-bench-kernels > /dev/null
{
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores," \
       "$(grep -o -w 'avx2\|fma\|avx512f\|avx512_vnni\|avx512vnni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  echo "Date: $(date -u +%Y-%m-%d)"
  for t in 1 2; do
    # Passive: oneDNN's idle OpenMP threads sleep instead of spinning on
    # the cores the next variant needs.
    OMP_WAIT_POLICY=passive OMP_NUM_THREADS=$t \
      "$build/bin/qf-bench-kernels" --threads $t
  done
} | tee "$out/kernels.md"
/usr/bin/python3 "$here/bench/plot_kernels.py" "$out/kernels.md" \
  "$here/docs/kernels-bench.svg"
