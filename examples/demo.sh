#!/usr/bin/env bash
# The main job: the demo GPT (examples/gpt) and CNN (examples/cnn) through
# quantization recipes, scored with qf-eval.
#
#   examples/demo.sh BUILD [fast|full]
#
# fast (make demo): a representative set of recipes, the GPT scored on the
#   first $GPT_WINDOWS (default 1000) windows of 128 bytes of the held-out
#   novel, the CNN on all 10000 Fashion-MNIST test images.
# full (make demo-full): every recipe, the whole novel (3647 windows).
# RECIPES="a b ..." runs only those (f32 and w4a16-rtn, the baselines, are
# always run).
#
# Each model is quantized at batch 1 (calibrating recipes on 64 windows of
# examples/gpt/calib.txt, and on 256 (fast) or all 1000 (full) images of
# examples/cnn/calib.npz, one per sample) and scored one window or image
# per run:
# bits/byte or top-1 with 95% bootstrap intervals, the paired difference
# against f32 and against what the recipe improves on (round to nearest of
# its bits; static int8 for SmoothQuant). Quantizing and scoring run two
# jobs at a time, each pinned to a core of its own; then each model alone
# is timed: the median of 50 batch-1 forward passes (128 tokens for the
# GPT) on one pinned thread, and the peak memory of that process. Every
# file is in BUILD/demo-MODE; the tables go to stdout.
set -euo pipefail

# One job, run by the pools below: quantize, evaluate or time MODEL with
# RECIPE.
if [ "${1:-}" = --job ]; then
  kind=$2 model=$3 recipe=$4
  cpus=($DEMO_CPUS)
  pin=(taskset -c "${cpus[$((QF_SLOT % ${#cpus[@]}))]}")
  log="$DEMO_OUT/$model-$recipe.$kind.log"
  mlir="$DEMO_OUT/$model-$recipe.mlir"
  if [ "$model" = gpt ]; then
    onnx="$DEMO_HERE/gpt/gpt.onnx" shape=tokens=1,128 calib="$DEMO_OUT/gpt-calib.npz"
    data=(--text "$DEMO_HERE/gpt/heldout.txt") limit=(--limit "$DEMO_GPT_WINDOWS")
  else
    onnx="$DEMO_HERE/cnn/cnn.onnx" shape=images=1,1,28,28 calib="$DEMO_OUT/cnn-calib.npz"
    data=(--data "$DEMO_OUT/cnn-test.npz") limit=()
  fi
  if [ "$kind" = quantize ]; then
    if [ "$recipe" = f32 ]; then
      cmd=("$DEMO_BIN/qf-import" "$onnx" --input-shape "$shape" -o "$mlir")
    else
      spec=$recipe yaml="$DEMO_HERE/recipes/$recipe.yaml" calib_arg=()
      if [ -f "$yaml" ]; then
        spec=$yaml
        grep -q '^calibrate: true' "$yaml" && calib_arg=(--calib "$calib")
      # Not `| grep -q`: grep leaving early would break the pipe under
      # pipefail while the list is still being written.
      elif grep -q "^$recipe (needs --calib)" <<< "$("$DEMO_BIN/qf-quantize" --list-recipes)"; then
        calib_arg=(--calib "$calib")
      fi
      cmd=("$DEMO_BIN/qf-quantize" "$onnx" --input-shape "$shape" --recipe "$spec"
           "${calib_arg[@]}" -o "$mlir" --report "$DEMO_OUT/$model-$recipe.md")
    fi
  elif [ "$kind" = evaluate ]; then
    baselines=()
    [ "$recipe" != f32 ] && baselines+=(--baseline-scores "$DEMO_OUT/$model-f32.scores.npz")
    # What the recipe improves on: round to nearest of the same bits, or
    # static int8 without smoothing.
    base=
    case "$recipe" in
      w4a16-rtn | w3a16-rtn) ;;
      w4a16-nvfp4-gptq) base=w4a16-nvfp4 ;;
      w4a16* | *4.5bit) base=w4a16-rtn ;;
      w3a16* | *3.5bit) base=w3a16-rtn ;;
      w8a8-smoothquant | w8a8-fp8 | w8a8-mxfp8) base=w8a8-static ;;
    esac
    [ -n "$base" ] && [ -f "$DEMO_OUT/$model-$base.json" ] &&
      baselines+=(--baseline-scores "$DEMO_OUT/$model-$base.scores.npz")
    cmd=("$DEMO_BIN/qf-eval" "$mlir" "${data[@]}" "${limit[@]}" "${baselines[@]}"
         --save-scores "$DEMO_OUT/$model-$recipe.scores.npz"
         --format json -o "$DEMO_OUT/$model-$recipe.json" --progress never)
  else
    cmd=("$DEMO_BIN/qf-eval" "$mlir" "${data[@]}" --limit 1 --time 50
         --format json -o "$DEMO_OUT/$model-$recipe.timing.json" --progress never)
  fi
  start=$(date +%s.%N)
  if ! QF_NUM_THREADS=1 "${pin[@]}" "${cmd[@]}" > "$log" 2>&1; then
    echo "demo: $kind $model $recipe failed (${cmd[*]}):" >&2
    cat "$log" >&2
    exit 255 # stops xargs
  fi
  echo "$kind $model $recipe: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s" >&2
  exit 0
fi

build=${1:-build}
mode=${2:-fast}
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3
case "$mode" in
  fast)
    recipes=(f32 w8a8-dynamic w8a8-static w4a16-rtn w4a16-gptq w4a16-awq mixed-4.5bit
             w8a16-fp8 w8a8-fp8 w4a16-mxfp4 w4a16-nvfp4 w4a16-nf4 w4a16g32-rtn
             w4a16-nvfp4-gptq)
    windows=${GPT_WINDOWS:-1000} cnn_calib=256 ;;
  full)
    recipes=(f32 w8a8-dynamic w8a8-static w8a8-smoothquant w8a16-rtn w4a16-rtn
             w4a16g64-rtn w4a16-gptq w4a16-qat w4a16-qat-block w4a16-awq
             w4a16-awq-gptq mixed-4.5bit position-4.5bit w3a16g128-rtn w3a16-rtn
             w3a16-gptq w3a16-qat w3a16-qat-block w3a16-awq w3a16-awq-gptq
             mixed-3.5bit position-3.5bit w8a16-fp8 w8a8-fp8 w8a8-mxfp8 w4a16-mxfp4
             w4a16-nvfp4 w4a16-nf4 w4a16g32-rtn w4a16-nvfp4-gptq)
    windows=${GPT_WINDOWS:-0} cnn_calib=1000 ;;
  *) echo "demo.sh: the mode is fast or full, not '$mode'" >&2; exit 1 ;;
esac
if [ -n "${RECIPES:-}" ]; then
  recipes=(f32 w4a16-rtn)
  for r in $RECIPES; do
    case " ${recipes[*]} " in *" $r "*) ;; *) recipes+=("$r") ;; esac
  done
fi
out="$build/demo-$mode"
rm -rf "$out" && mkdir -p "$out"
export DEMO_OUT="$out" DEMO_HERE="$here" DEMO_BIN="$build/bin" DEMO_GPT_WINDOWS=$windows
DEMO_CPUS="$("$python" -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
export DEMO_CPUS
pool=$(wc -w <<< "$DEMO_CPUS"); pool=$((pool < 2 ? pool : 2))
started=$(date +%s)
echo "QuantForge demo ($mode): $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $pool jobs at a time" >&2

"$python" "$here/evaluate.py" gpt-samples "$here/gpt/calib.txt" 64 "$out/gpt-calib.npz"
"$python" "$here/evaluate.py" cnn-samples "$here/cnn/calib.npz" 1 "$out/cnn-calib.npz" $cnn_calib
"$python" "$here/evaluate.py" fashion-test "$out/cnn-test.npz"

# JOB-LINES on stdin, `pool` at a time, the first ones first.
run_jobs() {
  xargs -P "$pool" --process-slot-var=QF_SLOT -L 1 "$0" --job
}
# The slowest first, so that the pool ends together.
slow_first() {
  for r in "${recipes[@]}"; do
    case "$r" in
      *qat* | *gptq*) echo "0 $r" ;; *awq* | mixed* | position*) echo "1 $r" ;;
      *static* | *smoothquant*) echo "2 $r" ;; *) echo "3 $r" ;;
    esac
  done | sort -s -k1,1n | cut -d' ' -f2
}
cnn_recipes=()
for r in "${recipes[@]}"; do
  [ "$r" = w8a8-dynamic ] || cnn_recipes+=("$r") # per token is for sequences
done
in_cnn() { case " ${cnn_recipes[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

slow_first | while read -r r; do
  echo "quantize gpt $r"
  in_cnn "$r" && echo "quantize cnn $r"
done | run_jobs
# The baselines' scores first: the other evaluations pair with them (f32,
# then round to nearest, unsmoothed static int8 and NVFP4 round to nearest).
baselines=(w8a8-static w4a16-rtn w3a16-rtn w4a16-nvfp4)
is_baseline() { case " ${baselines[*]} " in *" $1 "*) return 0 ;; esac; return 1; }
printf 'evaluate %s\n' "gpt f32" "cnn f32" | run_jobs
for r in "${recipes[@]}"; do
  is_baseline "$r" || continue
  echo "evaluate gpt $r"
  in_cnn "$r" && echo "evaluate cnn $r"
done | run_jobs
# The slowest to evaluate first: the integer-activation models.
for r in "${recipes[@]}"; do
  case "$r" in f32) continue ;; esac
  is_baseline "$r" && continue
  case "$r" in w8a8*) echo "0 $r" ;; *) echo "1 $r" ;; esac
done | sort -s -k1,1n | cut -d' ' -f2 | while read -r r; do
  echo "evaluate gpt $r"
  in_cnn "$r" && echo "evaluate cnn $r"
done | run_jobs

# Speed and memory alone, one model at a time (while the other core idles):
# the evaluations above share the machine.
pool=1
for r in "${recipes[@]}"; do
  echo "time gpt $r"
  in_cnn "$r" && echo "time cnn $r"
done | run_jobs

elapsed=$(($(date +%s) - started))
echo
echo "GPT ($here/gpt/gpt.onnx, next byte on Persuasion)"
echo
"$python" "$here/demo_table.py" "$out" gpt "${recipes[@]}"
echo
echo "CNN ($here/cnn/cnn.onnx, Fashion-MNIST test set)"
echo
"$python" "$here/demo_table.py" "$out" cnn "${cnn_recipes[@]}"
echo
echo "demo ($mode): $elapsed s after the build, $(nproc) cores"
