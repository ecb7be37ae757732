#!/usr/bin/env bash
# Peak resident memory of one float forward pass, QuantForge against ONNX
# Runtime on the same ONNX file and batch, in the same run (issue "The cpu
# backend on real models"): the demo CNN (batch 1, 32, 1000) and GPT
# (batch 1, 32 of 128 tokens). Each tool runs alone, one thread, as a
# fresh process under /usr/bin/time; its peak includes everything the
# process does (for qf-run: import-free IR reading, JIT compilation, the
# run; for ORT: session creation, the run).
#   bench/memory/peak-rss.sh [BUILD]
# ONNX Runtime is npm's onnxruntime-node, installed on first use into
# BUILD/ort (ONNXRUNTIME_NODE_INSTALL=skip: the CPU build it ships).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ort="$build/ort"
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ort"
  (cd "$ort" && ONNXRUNTIME_NODE_INSTALL=skip npm install --silent onnxruntime-node >&2)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() { # COMMAND...: peak RSS in MB
  /usr/bin/time -f '%M' -o "$work/rss" "$@" > /dev/null
  awk '{ printf "%.1f", $1 / 1000 }' "$work/rss"
}
ort_version=$(node -e "console.log(require('$ort/node_modules/onnxruntime-node/package.json').version)")
echo "| model | batch | QuantForge peak MB | ONNX Runtime $ort_version peak MB | ratio |"
echo "|---|---|---|---|---|"
run() { # MODEL BATCH INPUT ORT-SPEC: the same constant inputs for both
  local model=$1 batch=$2 input=$3 spec=$4
  local onnx="$root/examples/$model/$model.onnx" mlir="$work/$model-$batch.mlir"
  "$build/bin/qf-import" "$onnx" --input-shape "$input" -o "$mlir"
  /usr/bin/python3 -c "import numpy as np, sys
name, rest = sys.argv[2].split('=')
dtype, dims = rest.split(':')
shape = [int(d) for d in dims.split(',')]
value = 65 if dtype == 'int64' else 0.5
np.savez(sys.argv[1], **{name: np.full(shape, value, dtype)})" "$work/in.npz" "$spec"
  local ours theirs
  ours=$(QF_NUM_THREADS=1 peak "$build/bin/qf-run" "$mlir" --inputs "$work/in.npz" --output "$work/out.npz")
  theirs=$(NODE_PATH="$ort/node_modules" peak node "$here/ort_peak.js" "$onnx" "$spec")
  echo "| $model | $batch | $ours | $theirs | $(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2fx", a / b }') |"
}
for b in 1 32 1000; do
  run cnn "$b" "images=$b,1,28,28" "images=float32:$b,1,28,28"
done
for b in 1 32; do
  run gpt "$b" "tokens=$b,128" "tokens=int64:$b,128"
done
