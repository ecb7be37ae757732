#!/bin/bash
# ptq_on_backend.sh BACKEND MODEL DIR PTQ_PY
# Writes MODEL (ptq.py), calibrates and quantizes it as W8A8 (static) and as
# W4A16 (int4, asymmetric groups of 8), runs both on BACKEND with qf-run, and
# prints ptq.py's verdict for each. Exits non-zero on the first failure.
set -euo pipefail
backend=$1 model=$2 dir=$3 ptq=$4
python=/usr/bin/python3
bash "$(dirname "$0")/ptq_prepare.sh" "$dir" "$model" "$ptq"
qf-run "$dir/$model-w8a8.mlir" --backend "$backend" --input x="$dir/x.npy" --output "$dir/$model-w8a8.npz"
"$python" "$ptq" check "$dir" "$model" w8a8 "$dir/$model.st.json" "$dir/$model-w8a8.npz"
qf-run "$dir/$model-w4.mlir" --backend "$backend" --input x="$dir/x.npy" --output "$dir/$model-w4.npz"
"$python" "$ptq" check "$dir" "$model" w4g8 "$dir/$model.st.json" "$dir/$model-w4.npz"
