#!/bin/bash
# ptq_on_backend.sh BACKEND MODEL DIR PTQ_PY
# Writes MODEL (ptq.py), calibrates and quantizes it as W8A8 (static) and as
# W4A16 (int4, asymmetric groups of 8), runs both on BACKEND with qf-run, and
# prints ptq.py's verdict for each. Exits non-zero on the first failure.
set -euo pipefail
backend=$1 model=$2 dir=$3 ptq=$4
python=/usr/bin/python3
"$python" "$ptq" write "$dir" "$model"
qf-opt "$dir/$model.mlir" --pass-pipeline="builtin.module(qf-insert-observers,qf-calibrate{data=$dir/calib.npz progress=false hessian=false stats-out=$dir/$model.st},quant-quantize{scheme=w8a8},qf-fuse-qdq)" -o "$dir/$model-w8a8.mlir"
qf-run "$dir/$model-w8a8.mlir" --backend "$backend" --input x="$dir/x.npy" --output "$dir/$model-w8a8.npz"
"$python" "$ptq" check "$dir" "$model" w8a8 "$dir/$model.st.json" "$dir/$model-w8a8.npz"
qf-opt "$dir/$model.mlir" --pass-pipeline='builtin.module(quant-quantize{scheme=w4a16g8 symmetric=false})' -o "$dir/$model-w4.mlir"
qf-run "$dir/$model-w4.mlir" --backend "$backend" --input x="$dir/x.npy" --output "$dir/$model-w4.npz"
"$python" "$ptq" check "$dir" "$model" w4g8 "$dir/$model.st.json" "$dir/$model-w4.npz"
