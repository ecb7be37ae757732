#!/usr/bin/python3
"""An independent NumPy reference of quant-assign-precision.

The model: h1 = x W0, h2 = h1 W1, y0 = h2 W2, y1 = h2 W3 (IR layout
W [K, N]); W2 and W3 read the same input and share a scheme. For every layer
and candidate, the sensitivity is mean_rows ||X (Q(W) - W)||^2 over the
calibration rows X of its input, with Q quant-quantize's symmetric weight
quantizer (float32, half to even) or a cast to float16; the cost is the cpu
cost model's weight bytes (codes, and a float32 scale per channel or group).
The best assignment within the budget is found by brute force.

  precision.py write DIR [--seed S]
      DIR/model.mlir, DIR/calib.npz (x [4, 64, 64]: 256 rows), DIR/x.npz
      (a held-out x [64, 64]).
  precision.py compare DIR REPORT.csv --budget-bits B
      checks every sensitivity of quant-assign-precision's report against
      the reference (relative 1e-4), the chosen candidates against brute
      force, and the budget; prints the choice and exits 1 on a mismatch.
"""
import argparse
import csv
import itertools
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "unit", "Numerics"))
import gen_float_reference as ref  # noqa: E402
import gptq  # noqa: E402  (tensor, dense)

F32 = np.float32
# Float-code formats: their default blocks along K (0: per channel).
FORMAT_GROUPS = {"fp8": 0, "mxfp4": 32, "nvfp4": 16, "nf4": 64}

ROWS, K = 64, 64
SHAPES = [(64, 64), (64, 64), (64, 32), (64, 32)]
GROUPS = [[0], [1], [2, 3]]


def weights(seed):
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(np.float32)
          for s in SHAPES]
    # W1 has a few large weights: coarse steps hurt it most.
    ws[1][rng.choice(64, 6, replace=False), rng.choice(64, 6)] *= 12
    return ws


def write(args):
    ws = weights(args.seed)
    rng = np.random.default_rng(args.seed + 1)
    calib = rng.standard_normal((4, ROWS, K)).astype(np.float32)
    tx = gptq.tensor((ROWS, K))
    outs = [gptq.tensor((ROWS, 32))] * 2
    lines = [f'func.func @main(%x: {tx} {{qf.name = "x"}}) -> '
             f'({outs[0]}, {outs[1]}) {{',
             "  %zero = arith.constant 0.0 : f32"]
    inputs = ["%x", "%h1", "%h2", "%h2"]
    results = ["%h1", "%h2", "%y0", "%y1"]
    for i, w in enumerate(ws):
        t = gptq.tensor((ROWS, w.shape[1]))
        lines += [
            f"  %w{i} = arith.constant {gptq.dense(w)}",
            f"  %e{i} = tensor.empty() : {t}",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {t}) -> {t}",
            f"  {results[i]} = linalg.matmul ins({inputs[i]}, %w{i} : "
            f"{gptq.tensor((ROWS, w.shape[0]))}, {gptq.tensor(w.shape)}) "
            f"outs(%f{i} : {t}) -> {t}"]
    lines += [f"  return %y0, %y1 : {outs[0]}, {outs[1]}", "}", ""]
    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "model.mlir"), "w") as f:
        f.write("\n".join(lines))
    np.savez(os.path.join(args.dir, "calib.npz"), x=calib)
    held = rng.standard_normal((ROWS, K)).astype(np.float32)
    np.savez(os.path.join(args.dir, "x.npz"), x=held)


def quantize_format(W, name):
    """W dequantized from float-code format `name`, per block of its
    default size along K (per output channel for fp8)."""
    Kw, N = W.shape
    group = FORMAT_GROUPS[name] or Kw
    out = np.empty_like(W)
    e4m3, e2m1 = ref.FMT["f8E4M3FN"], ref.FMT["f4E2M1FN"]
    ts = ref.nv_tensor_scale(float(np.abs(W).max()))
    for n in range(N):
        for g in range(0, Kw, group):
            block = W[g:g + group, n]
            amax = F32(np.abs(block).max())
            for k, v in enumerate(block):
                if name == "fp8":
                    s = amax / F32(448) if amax / F32(448) != 0 else F32(1)
                    c = e4m3.encode(float(v / s), "half_even", "saturate")
                    d = F32(e4m3.decode(c)) * s
                elif name == "mxfp4":
                    sc = ref.mx_scale(float(amax), "fp4e2m1", "floor")
                    c = ref.mx_encode(float(v), sc, "fp4e2m1", "half_even",
                                      0, 0)
                    d = ref.mx_decode(c, sc, "fp4e2m1")
                elif name == "nvfp4":
                    bs = ref.nv_block_scale(float(amax), ts)
                    c = ref.nv_encode(float(v), bs, ts, "half_even", 0, 0)
                    d = ref.nv_decode(c, bs, ts)
                else:  # nf4
                    c = ref.nf4_encode(float(v), float(amax))
                    d = ref.NF4_F32[c] * amax
                out[g + k, n] = F32(d)
    return out


def quantize(W, name):
    """W as the layer computes with it under candidate `name`."""
    if name in FORMAT_GROUPS:
        return quantize_format(W, name)
    if name == "f16":
        return W.astype(np.float16).astype(np.float32)
    bits = int(name[1])
    group = int(name.split("g")[1]) if "g" in name else W.shape[0]
    Kw, N = W.shape
    qmax = 2 ** (bits - 1) - 1
    v = W.reshape(Kw // group, group, N)
    scale = np.abs(v).max(1).astype(np.float64) / qmax
    scale[scale == 0] = 1.0
    s32 = scale.astype(np.float32)[:, None, :]
    code = np.clip(np.rint(v / s32), -qmax, qmax)
    return (code.astype(np.float32) * s32).reshape(Kw, N)


def weight_bytes(W, name):
    if name in FORMAT_GROUPS:
        bits = 8 if name == "fp8" else 4
        group = FORMAT_GROUPS[name] or W.shape[0]
        scale = 4 if name in ("fp8", "nf4") else 1
        return (W.size * bits / 8 + (W.size // group) * scale +
                (4 if name == "nvfp4" else 0))
    if name == "f16":
        return W.size * 2
    bits = int(name[1])
    group = int(name.split("g")[1]) if "g" in name else W.shape[0]
    return W.size * bits / 8 + (W.size // group) * 4


def compare(args):
    ws = weights(args.seed)
    x = np.load(os.path.join(args.dir, "calib.npz"))["x"].reshape(-1, K)
    inputs = [x]
    for w in ws[:2]:
        inputs.append(inputs[-1] @ w)        # float32, as the model runs
    inputs.append(inputs[-1])
    rows = list(csv.DictReader(open(args.report)))
    names = list(dict.fromkeys(r["candidate"] for r in rows))
    ok = True
    sens = np.zeros((4, len(names)))
    cost = np.zeros((4, len(names)))
    for layer, (w, X) in enumerate(zip(ws, inputs)):
        X64 = X.astype(np.float64)
        for c, name in enumerate(names):
            d = quantize(w, name).astype(np.float64) - w
            sens[layer, c] = np.sum((X64 @ d) ** 2) / X.shape[0]
            cost[layer, c] = weight_bytes(w, name)
    ours = {}
    for i, r in enumerate(rows):
        layer, c = i // len(names), names.index(r["candidate"])
        ours[layer, c] = r
        got, want = float(r["sensitivity"]), sens[layer, c]
        if abs(got - want) > 1e-4 * want:
            print(f"layer {layer} {r['candidate']}: sensitivity {got} vs "
                  f"reference {want}")
            ok = False
        if float(r["weight_bytes"]) != cost[layer, c]:
            print(f"layer {layer} {r['candidate']}: bytes {r['weight_bytes']}"
                  f" vs {cost[layer, c]}")
            ok = False
    total = sum(w.size for w in ws)
    budget = args.budget_bits * total / 8
    best = None
    for pick in itertools.product(range(len(names)), repeat=len(GROUPS)):
        b = sum(cost[i, c] for g, c in zip(GROUPS, pick) for i in g)
        e = sum(sens[i, c] for g, c in zip(GROUPS, pick) for i in g)
        if b <= budget and (best is None or e < best[0]):
            best = (e, b, pick)
    chosen = [names.index(r["candidate"]) for r in rows if r["chosen"] == "1"]
    want = [c for g, c in zip(GROUPS, best[2]) for _ in g]
    if chosen != want:
        print(f"chose {[names[c] for c in chosen]}, brute force "
              f"{[names[c] for c in want]}")
        ok = False
    bits = sum(cost[i, c] for i, c in enumerate(chosen)) * 8 / total
    print("choice " + " ".join(names[c] for c in chosen) +
          f" bits {bits:.4f}")
    if bits > args.budget_bits:
        print("over budget")
        ok = False
    sys.exit(0 if ok else 1)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("dir")
    w.add_argument("--seed", type=int, default=3)
    c = sub.add_parser("compare")
    c.add_argument("dir")
    c.add_argument("report")
    c.add_argument("--budget-bits", type=float, required=True)
    c.add_argument("--seed", type=int, default=3)
    args = p.parse_args()
    {"write": write, "compare": compare}[args.cmd](args)


if __name__ == "__main__":
    main()
