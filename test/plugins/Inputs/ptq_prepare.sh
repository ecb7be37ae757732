#!/bin/bash
# ptq_prepare.sh DIR MODEL PTQ_PY
# Writes MODEL (ptq.py) into DIR and quantizes it twice: DIR/MODEL-w8a8.mlir
# (calibrated on DIR/calib.npz, statistics in DIR/MODEL.st.json) and
# DIR/MODEL-w4.mlir (int4, asymmetric groups of 8). qf-opt must be on PATH.
set -euo pipefail
dir=$1 model=$2 ptq=$3
/usr/bin/python3 "$ptq" write "$dir" "$model"
qf-opt "$dir/$model.mlir" --pass-pipeline="builtin.module(qf-insert-observers,qf-calibrate{data=$dir/calib.npz progress=false hessian=false stats-out=$dir/$model.st},quant-quantize{scheme=w8a8},qf-fuse-qdq)" -o "$dir/$model-w8a8.mlir"
qf-opt "$dir/$model.mlir" --pass-pipeline='builtin.module(quant-quantize{scheme=w4a16g8 symmetric=false})' -o "$dir/$model-w4.mlir"
