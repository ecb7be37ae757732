#!/usr/bin/env bash
# GPTQ on one K x N layer (default 4096 x 4096, 4 bits, groups of 128,
# act-order): QuantForge's solver (qf-bench-gptq) and the NumPy reference
# (bench/gptq/reference_bench.py, the implementation the lit tests check
# our codes against) on the same weight and Hessian, in one run.
#   bench/gptq/run.sh [BUILD] [K] [N]
set -euo pipefail
build=${1:-build}
k=${2:-4096}
n=${3:-4096}
here="$(cd "$(dirname "$0")" && pwd)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "numpy: $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)'), BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
/usr/bin/python3 "$here/reference_bench.py" "$k" "$n" --save "$dir"
"$build/bin/qf-bench-gptq" "$dir/w.npy" "$dir/h.npy" --runs 3
