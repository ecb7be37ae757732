#!/usr/bin/env bash
# The main job on the bundled demo model, for the pipeline that exists today:
# an MLP in upstream Q/DQ form is raised to qf ops with explicit rounding and
# canonicalized, next to plain canonicalization, which folds every upstream
# dcast(qcast(x)) away and with it the model's quantization.
set -euo pipefail
build_dir=${1:-build}
qf_opt="$build_dir/bin/qf-opt"
model="$(dirname "$0")/mlp/mlp-qdq.mlir"
out="$build_dir/demo"
mkdir -p "$out"

"$qf_opt" "$model" -canonicalize -o "$out/mlp-upstream-canonical.mlir"
"$qf_opt" "$model" -qf-raise-quant-casts -canonicalize -o "$out/mlp-qf.mlir"
"$qf_opt" "$model" -qf-raise-quant-casts="rounding=stochastic seed=7" \
  -canonicalize -o "$out/mlp-qf-stochastic.mlir"

count() { grep -c -- "$1" "$2" || true; }
row() {
  printf '| %-48s | %11s | %13s | %15s |\n' "$1" \
    "$(count 'qf.quantize' "$2")" "$(count 'qf.dequantize' "$2")" \
    "$(count '= quant\.[qd]cast' "$2")"
}
echo "QuantForge demo: $model"
printf '| %-48s | %11s | %13s | %15s |\n' pipeline qf.quantize qf.dequantize "quant casts"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..50})" "$(printf -- '-%.0s' {1..13})" \
  "$(printf -- '-%.0s' {1..15})" "$(printf -- '-%.0s' {1..17})"
row "input (upstream Q/DQ)" "$model"
row "canonicalize (upstream folds)" "$out/mlp-upstream-canonical.mlir"
row "qf-raise-quant-casts, canonicalize" "$out/mlp-qf.mlir"
row "qf-raise-quant-casts{stochastic}, canonicalize" "$out/mlp-qf-stochastic.mlir"
echo "outputs: $out/"
