#!/usr/bin/env bash
# bench/gpu/check.sh [BUILD_DIR]
#
# The GPU checks, in one go, on a machine with an NVIDIA GPU (sm_80 or
# later) and its driver:
#   1. builds what is missing (make build: Debian packages, then CMake);
#   2. runs the GPU lit tests: gpu-nvvm/lower.test (PTX/cubin, ptxas) and
#      gpu-nvvm/run.test (the PTQ models and the int8 matmul kernels,
#      mma.sync and dp4a, on the device against NumPy);
#   3. runs qf-bench-matmul on the cpu and gpu-nvvm backends (f32, W8A8,
#      W4A16 GEMM 1024^3 and GEMV 1x4096x4096) and prints the tables.
# Prints the device and CPU first so the numbers say where they come from.
# Exits non-zero when there is no GPU or a test fails (benchmarks still run
# after a failed test, so that a partial run says as much as it can).
# Where LLVM 22 cannot be installed (the lent GPU machines), use
# bench/gpu/bundle.sh instead: a static qf-run and the test inputs.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${QF_BENCH_RUNS:-10}

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "check.sh: no NVIDIA GPU or driver here (nvidia-smi -L failed)" >&2
  exit 2
fi
echo "== machine"
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total \
  --format=csv,noheader
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'
echo "$(nproc) CPU cores"

echo "== build"
if [ "$build" = build ]; then
  make build >/dev/null || { echo "check.sh: make build failed" >&2; exit 1; }
else
  cmake --build "$build" >/dev/null || exit 1
fi
export PATH="$PWD/$build/bin:$PATH"
qf-opt --qf-list-backends | grep -A2 '^gpu-nvvm'

echo "== GPU tests"
status=0
/usr/lib/llvm-22/bin/lit -v "$build/test" --filter 'gpu-nvvm' || status=1

echo "== matmul benchmark (median of $runs runs, host-to-host)"
for backend in cpu gpu-nvvm; do
  qf-bench-matmul --backend "$backend" --runs "$runs" \
    --shapes 1024x1024x1024,1x4096x4096 || status=1
done
exit $status
