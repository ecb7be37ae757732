#!/usr/bin/env bash
# The main job (make demo): the bundled models through every recipe.
#
# GPT (examples/gpt): imported from ONNX, then for each recipe quantized
# with qf-quantize (calibrating recipes on 64 windows of the calibration
# split) and run once on the held-out novel, 64 windows of 128 bytes in one
# batch: bits per byte, per-byte perplexity, and that run's CPU time per
# token (one thread, after JIT compilation). CNN (examples/cnn): the same
# recipes, top-1 on 1000 test images. Prints one table per model; every
# step's files (models, reports, outputs) are in BUILD/demo.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
here="$(cd "$(dirname "$0")" && pwd)"
out="$build/demo"
python=/usr/bin/python3
eval_py="$here/evaluate.py"
mkdir -p "$out"

# Built-in recipes, and YAML ones from examples/recipes (the baselines of
# the mixed-precision recipes: uniform schemes at the nearest budgets, and
# assignments by layer position).
# RECIPES="a b ..." runs only those (in the same way).
recipes=(${RECIPES:-f32 w8a8-dynamic w8a8-static w8a8-smoothquant w8a16-rtn w4a16-rtn w4a16g64-rtn w4a16-gptq w4a16-qat w4a16-qat-block w4a16-awq w4a16-awq-gptq mixed-4.5bit position-4.5bit w3a16g128-rtn w3a16-rtn w3a16-gptq w3a16-qat w3a16-qat-block w3a16-awq w3a16-awq-gptq mixed-3.5bit position-3.5bit})
windows=64

# The recipe's model: the float import, or qf-quantize's (with its report;
# calibration data only for the recipes that calibrate).
quantize() { # MODEL.onnx RECIPE INPUT=SHAPE CALIB OUT.mlir REPORT
  local model=$1 recipe=$2 shape=$3 calib=$4 mlir=$5 report=$6
  if [ "$recipe" = f32 ]; then
    "$bin/qf-import" "$model" --input-shape "$shape" -o "$mlir"
    return
  fi
  local calib_arg=() spec=$recipe yaml="$here/recipes/$recipe.yaml"
  if [ -f "$yaml" ]; then
    spec=$yaml
    grep -q '^calibrate: true' "$yaml" && calib_arg=(--calib "$calib")
  elif "$bin/qf-quantize" --list-recipes | grep -q "^$recipe (needs --calib)"; then
    calib_arg=(--calib "$calib")
  fi
  "$bin/qf-quantize" "$model" --input-shape "$shape" --recipe "$spec" \
    "${calib_arg[@]}" -o "$mlir" --report "$report"
}

# "bits/weight size_MB" from a report (nothing for f32, which has none).
size_of() { # REPORT
  if [ -f "$1" ]; then
    sed -n 's/^- quantized weights: .* \([0-9.]*\) bits\/weight$/\1/p' "$1" | tr '\n' ' '
    sed -n 's/^- model size: .* -> \([0-9.]*\) MB .*/\1/p' "$1"
  fi
}

float_size() { # REPORT of any recipe: the float size
  sed -n 's/^- model size: \([0-9.]*\) MB -> .*/\1/p' "$1"
}

median_ms() { # qf-run --bench output -> median ms
  sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'
}

echo "QuantForge demo: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"

# --- GPT --------------------------------------------------------------------
gpt="$here/gpt/gpt.onnx"
"$python" "$eval_py" gpt-data "$here/gpt/heldout.txt" $windows "$out/gpt-heldout.npz"
"$python" "$eval_py" gpt-data "$here/gpt/calib.txt" $windows "$out/gpt-calib.npz"
gpt_rows=()
for r in "${recipes[@]}"; do
  echo "gpt: $r" >&2
  quantize "$gpt" "$r" tokens=$windows,128 "$out/gpt-calib.npz" \
    "$out/gpt-$r.mlir" "$out/gpt-$r.md"
  ms=$("$bin/qf-run" "$out/gpt-$r.mlir" --inputs "$out/gpt-heldout.npz" \
        --output "$out/gpt-$r-logits.npz" --bench 1 --warmup 0 | median_ms)
  read -r bpb ppl < <("$python" "$eval_py" gpt-bpb "$here/gpt/heldout.txt" "$out/gpt-$r-logits.npz")
  per_token=$(awk -v m="$ms" -v n=$((windows * 128)) 'BEGIN { printf "%.3f", m / n }')
  gpt_rows+=("$r|$(size_of "$out/gpt-$r.md")|$bpb|$ppl|$per_token")
done
gpt_float=$(float_size "$out/gpt-w8a16-rtn.md" 2>/dev/null || true)

# --- CNN --------------------------------------------------------------------
cnn="$here/cnn/cnn.onnx"
"$python" "$eval_py" cnn-data "$here/cnn/test.npz" 1000 "$out/cnn-test.npz"
cnn_rows=()
for r in "${recipes[@]}"; do
  case "$r" in w8a8-dynamic) continue ;; esac # per-token is for sequences
  echo "cnn: $r" >&2
  quantize "$cnn" "$r" images=1000,1,28,28 "$here/cnn/calib.npz" \
    "$out/cnn-$r.mlir" "$out/cnn-$r.md"
  "$bin/qf-run" "$out/cnn-$r.mlir" --inputs "$out/cnn-test.npz" \
    --output "$out/cnn-$r-logits.npz" > /dev/null
  top1=$("$python" "$eval_py" cnn-top1 "$here/cnn/test.npz" "$out/cnn-$r-logits.npz")
  cnn_rows+=("$r|$(size_of "$out/cnn-$r.md")|$top1")
done
cnn_float=$(float_size "$out/cnn-w8a16-rtn.md" 2>/dev/null || true)

# --- Tables -------------------------------------------------------------------
echo
echo "GPT ($(basename "$gpt"), held-out: Persuasion, $windows x 128 bytes)"
echo
echo "| recipe | bits/weight | model MB | bits/byte | perplexity/byte | CPU ms/token (batch $windows) |"
echo "|---|---|---|---|---|---|"
for row in "${gpt_rows[@]}"; do
  IFS='|' read -r r sz bpb ppl ms <<< "$row"
  read -r bits mb <<< "$sz"
  [ "$r" = f32 ] && { bits=32; mb=$gpt_float; }
  echo "| $r | $bits | $mb | $bpb | $ppl | $ms |"
done
echo
echo "CNN ($(basename "$cnn"), Fashion-MNIST, 1000 test images)"
echo
echo "| recipe | bits/weight | model MB | top-1 |"
echo "|---|---|---|---|"
for row in "${cnn_rows[@]}"; do
  IFS='|' read -r r sz top1 <<< "$row"
  read -r bits mb <<< "$sz"
  [ "$r" = f32 ] && { bits=32; mb=$cnn_float; }
  echo "| $r | $bits | $mb | $top1 |"
done
