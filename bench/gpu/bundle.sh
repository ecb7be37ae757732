#!/usr/bin/env bash
# bench/gpu/bundle.sh make DIR | check DIR RESULTS
#
# The GPU execution checks for a machine with an NVIDIA GPU but no LLVM 22
# (a lent GPU machine, say), in two halves:
#   make  (here, after `make build`): links qf-run statically against LLVM
#         and MLIR (DIR/qf-run.xz, about 24 MB), and writes the inputs of
#         test/plugins/gpu-nvvm/run.test: the PTQ models linear, mlp and
#         convnet calibrated and quantized as W8A8 and W4A16 (g8), and the
#         int8 matmul cases. Copy DIR and bench/gpu/run-bundle.sh there.
#   there: bench/gpu/run-bundle.sh DIR RESULTS runs each on gpu-nvvm.
#   check (here): compares RESULTS with NumPy as gpu-nvvm/run.test does.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?make or check} dir=${2:?DIR}
py=/usr/bin/python3
ptq=test/integration/Inputs/ptq.py
matmuls=test/plugins/Inputs/int8_matmuls.py
models="linear mlp convnet"

if [ "$mode" = check ]; then
  results=${3:?RESULTS}
  for m in $models; do
    "$py" $ptq check "$dir/$m" $m w8a8 "$dir/$m/$m.st.json" "$results/$m-w8a8.npz"
    "$py" $ptq check "$dir/$m" $m w4g8 "$dir/$m/$m.st.json" "$results/$m-w4.npz"
  done
  for e in tiles batched narrow; do
    "$py" $matmuls check "$dir" $e "$results/$e-out.npz"
  done
  exit 0
fi

[ "$mode" = make ] || { echo "bundle.sh: make or check, not '$mode'" >&2; exit 2; }
mkdir -p "$dir"
export PATH="$PWD/build/bin:$PATH"
# qf-run's own objects and QuantForge archives, in the order CMake links
# them, then every LLVM and MLIR archive in place of the shared libraries.
objects=$(ninja -C build -t commands bin/qf-run | tail -1 | tr ' ' '\n' |
  grep -E '\.(o|a)$' | sed 's|^|build/|')
llvm=/usr/lib/llvm-22/lib
/usr/lib/llvm-22/bin/clang++ -fuse-ld=lld -Wl,--gc-sections -s $objects \
  -Wl,--start-group $llvm/libMLIR*.a $llvm/libLLVM*.a -Wl,--end-group \
  -lz /lib/x86_64-linux-gnu/libzstd.so.1 -ldl -lpthread -o "$dir/qf-run"
xz -T2 -6 -f "$dir/qf-run"

for m in $models; do
  d="$dir/$m"
  mkdir -p "$d"
  bash test/plugins/Inputs/ptq_prepare.sh "$d" $m $ptq >/dev/null
done
"$py" $matmuls write "$dir"
cp test/plugins/Inputs/int8-matmuls.mlir "$dir/"
du -sh "$dir"
