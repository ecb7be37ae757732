#!/usr/bin/env bash
# The Llama scale benchmark of issue "Real models in": for a config of
# examples/llama (125m or 1b; fixed-seed random weights), the time and peak
# RSS (/usr/bin/time -v) of each step, and the size of what it writes:
#   export    llama.py export (PyTorch; not ours, for scale)
#   import    qf-import --input-shape tokens=1,128
#   w8a16     qf-quantize --recipe w8a16-rtn
#   w4a16     qf-quantize --recipe w4a16-rtn
#   f32-run   qf-run of the imported model on [1, 128] (JIT compile + one
#             forward; --bench 1 gives the forward alone)
#   w4-run    the same for the w4a16 model
#   w4a16-dyn qf-quantize --recipe w4a16-rtn without --input-shape (batch
#             and sequence dynamic)
#   w4-dyn-run  qf-run of that model on [1, 128] and [4, 32] (one JIT
#             compile, two forwards)
# the W4 logits' relative error against the f32 run's, against PyTorch's
# on the dequantized weights the W4 files describe (w4_reference.py: the
# compiler's error alone), and the dynamic W4 model's against the static
# one's at [1, 128].
#   bench/llama/scale.sh [BUILD] [CONFIG] [WORKDIR]
# WORKDIR (default: a temporary directory, removed at the end) needs about
# 4x the f32 weights of free disk. Needs torch: examples/llama/install-deps.sh.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
config=${2:-125m}
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -n "${3:-}" ]; then
  dir=$3
  mkdir -p "$dir"
else
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
py=/usr/bin/python3

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "config: $config, work directory: $dir"
echo
echo "| step | wall s | peak RSS MB | output |"
echo "|---|---|---|---|"

# step NAME OUTPUT COMMAND...: runs COMMAND under /usr/bin/time -v.
step() {
  local name=$1 output=$2
  shift 2
  if ! /usr/bin/time -v -o "$dir/$name.time" "$@" > "$dir/$name.log" 2>&1; then
    echo "| $name | failed: see $dir/$name.log | | |"
    tail -5 "$dir/$name.log" >&2
    return 1
  fi
  local wall rss size=""
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/$name.time" |
         awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.1f", s }')
  rss=$(awk '/Maximum resident set size/ { printf "%.0f", $6 / 1024 }' "$dir/$name.time")
  [ -n "$output" ] && [ -e "$output" ] &&
    size="$(basename "$output") $(du -m "$output" | cut -f1) MB"
  local weights="${output%.*}.safetensors"
  [ -n "$output" ] && [ -e "$weights" ] &&
    size="$size + $(basename "$weights") $(du -m "$weights" | cut -f1) MB"
  echo "| $name | $wall | $rss | $size |"
}

model="$dir/model/model.onnx"
step export "$dir/model/model.onnx.data" \
  "$py" "$root/examples/llama/llama.py" export --config "$config" --out "$dir/model"
"$py" - "$dir/tokens.npy" <<'PY'
import sys
import numpy as np
np.save(sys.argv[1], np.random.default_rng(0).integers(0, 32000, (1, 128), dtype=np.int64))
np.savez(sys.argv[1][:-4] + "-1x128.npz", tokens=np.load(sys.argv[1]))
np.savez(sys.argv[1][:-4] + "-4x32.npz",
         tokens=np.random.default_rng(1).integers(0, 32000, (4, 32), dtype=np.int64))
PY
step import "$dir/f32.mlir" "$build/bin/qf-import" "$model" --input-shape tokens=1,128 -o "$dir/f32.mlir"
step w8a16 "$dir/w8.mlir" "$build/bin/qf-quantize" "$model" --input-shape tokens=1,128 --recipe w8a16-rtn -o "$dir/w8.mlir"
step w4a16 "$dir/w4.mlir" "$build/bin/qf-quantize" "$model" --input-shape tokens=1,128 --recipe w4a16-rtn -o "$dir/w4.mlir"
step f32-run "" "$build/bin/qf-run" "$dir/f32.mlir" --input tokens="$dir/tokens.npy" --output "$dir/f32.npz"
step w4-run "" "$build/bin/qf-run" "$dir/w4.mlir" --input tokens="$dir/tokens.npy" --output "$dir/w4.npz"
step w4a16-dyn "$dir/w4d.mlir" "$build/bin/qf-quantize" "$model" --recipe w4a16-rtn -o "$dir/w4d.mlir"
step w4-dyn-run "" "$build/bin/qf-run" "$dir/w4d.mlir" \
  --inputs "$dir/tokens-1x128.npz" --output "$dir/w4d-1x128.npz" \
  --inputs "$dir/tokens-4x32.npz" --output "$dir/w4d-4x32.npz"
"$py" - "$dir/f32.npz" "$dir/w4.npz" "$dir/w4d-1x128.npz" "$dir/w4d-4x32.npz" <<'PY'
import sys
import numpy as np
f, q, d, d4 = (np.load(p)["logits"].astype(np.float64) for p in sys.argv[1:5])
print(f"\nW4 logits against f32: relative error {np.linalg.norm(q - f) / np.linalg.norm(f):.4f}, "
      f"top-1 agreement {(q.argmax(-1) == f.argmax(-1)).mean():.3f}")
print(f"dynamic W4 against static W4 at [1, 128]: relative error "
      f"{np.linalg.norm(d - q) / np.linalg.norm(q):.2e}; at [4, 32]: logits {d4.shape}")
PY
"$py" "$here/w4_reference.py" "$model" "$dir/w4.mlir" "$dir/tokens.npy" "$dir/w4.npz"
