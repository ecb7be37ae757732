#!/usr/bin/env bash
# bench/gpu/run-bundle.sh DIR RESULTS
#
# On the GPU machine: runs what bench/gpu/bundle.sh made in DIR on the
# gpu-nvvm backend, writes the results to RESULTS (then `bundle.sh check`
# them where NumPy and the checkers are), and times two W8A8 models on
# gpu-nvvm and cpu. Exits non-zero if any run fails.
set -uo pipefail
dir=${1:?DIR} results=${2:?RESULTS}
mkdir -p "$results"
export PATH=/usr/local/cuda/bin:$PATH
run=$(mktemp -d)/qf-run
xz -dc "$dir/qf-run.xz" >"$run" && chmod +x "$run" || exit 1
nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
status=0
for m in linear mlp convnet; do
  for v in w8a8 w4; do
    "$run" "$dir/$m/$m-$v.mlir" --backend gpu-nvvm --input x="$dir/$m/x.npy" \
      --output "$results/$m-$v.npz" || { echo "$m $v failed"; status=1; }
  done
done
for e in tiles batched narrow; do
  "$run" "$dir/int8-matmuls.mlir" --backend gpu-nvvm --entry $e \
    --inputs "$dir/$e.npz" --output "$results/$e-out.npz" ||
    { echo "$e failed"; status=1; }
done
for m in linear convnet; do
  for backend in gpu-nvvm cpu; do
    "$run" "$dir/$m/$m-w8a8.mlir" --backend $backend --input x="$dir/$m/x.npy" \
      --output "$results/bench.npz" --bench 20 || status=1
  done
done
rm -f "$results/bench.npz"
exit $status
