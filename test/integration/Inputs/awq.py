#!/usr/bin/python3
"""An independent NumPy reference of quant-awq's scale and clip search.

A group: h = x * gamma (per input channel) feeding matmuls y_i = h @ W_i,
W_i [K, N_i] (IR layout). On the calibration rows X of h, s = mean|X|^a
(normalized by sqrt(max(s) min(s))) for a = i / grid; the first a with the
least mean((X W - X Q(W s) / s)^2), W = the W_i side by side, is folded into
gamma / s and W_i s. Then each consumer's range is clipped per group and
column to m = max|w| (1 - step / 20), step < 10, the first m with the least
error of the fake-quantized partial outputs (X / s)_g w_g. Q: quant-quantize's
asymmetric weight quantizer (half to even, in float32), or with --format a
float-code format's (gptq_formats.py's quantizer from the specifications:
each block's scale from its largest magnitude).

  awq.py write DIR [--k 64] [--n 32,16] [--rows 256] [--seed S]
               [--zero-channels I,J] [--zero-weights]
      DIR/model.mlir (h = x * gamma, then one matmul per --n), DIR/calib.npz
      (x [rows / 64, 64, K]), DIR/x.npz (a held-out x [64, K]) and
      DIR/data.npz (gamma, w0, w1, ..., calib: the calibration x [rows, K]).
  awq.py expect DIR --bits B --group-size G [--grid 20] [--no-clip]
               [--format nf4|mxfp4] [--save OUT.npz] [--verbose]
      the reference's `alpha A` and `clip i R` (mean clip ratio of consumer
      i) lines; --save writes the outputs of the scaled (and clipped) float
      model on DIR/x.npz; --verbose prints the margins of the argmins.
  awq.py report REPORT.json
      the same lines from quant-awq's report.
  awq.py float DIR OUT.npz
      the float model's outputs on DIR/x.npz (float64, saved float32).
  awq.py relerr DIR A.npz B.npz [--max 1e-5]
      ||A - B|| / ||B|| per output; exits 1 if one exceeds --max.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gptq  # noqa: E402  (tensor, dense)
import gptq_formats  # noqa: E402

# The float-code format of --format, if any.
FORMAT = None

ROWS_PER_SAMPLE, MAX_SHRINK, CLIP_GRID = 64, 0.5, 20


def quantize(V, bits, group):
    """Fake-quantizes V [K, N] per column and group of `group` rows along K
    (the whole column where group is 0 or does not divide K); float32."""
    K, N = V.shape
    if group == 0 or K % group:
        group = K
    if FORMAT:
        quant = gptq_formats.FormatQuantizer(FORMAT, np.abs(V).max())
        out = np.empty((K, N), np.float32)
        for g in range(0, K, group):
            block = V[g:g + group].T                    # [N, group]
            params, _ = quant.params(block)
            out[g:g + group] = quant.dequant(block, params[:, None], 0).T
        return out
    v = V.astype(np.float32).reshape(K // group, group, N)
    # The range always holds 0; lo and hi are float32, the rest float64.
    lo = np.minimum(v.min(1), 0).astype(np.float64)   # [groups, N]
    hi = np.maximum(v.max(1), 0).astype(np.float64)
    qmin, qmax = -2 ** (bits - 1), 2 ** (bits - 1) - 1
    scale = (hi - lo) / (qmax - qmin)
    scale[hi == lo] = 1.0
    zp = np.clip(np.rint(qmin - lo / scale), qmin, qmax)[:, None, :]
    s32 = scale.astype(np.float32)[:, None, :]
    # Rounded in float32 (np.rint: half to even); the bounds are integers.
    code = np.clip(np.rint(v / s32), qmin - zp, qmax - zp)   # code - zp
    return (code.astype(np.float32) * s32).reshape(K, N)


def scale_search(X, W, bits, group, grid, verbose=False):
    """(alpha, s) minimizing the output MSE of the fake-quantized W s / s."""
    x_mean = np.mean(np.abs(X), axis=0)
    Y = X @ W
    best, losses = None, []
    for i in range(grid):
        a = i / grid
        s = np.maximum(x_mean ** a, 1e-4)     # 0 ** 0 == 1: zero channels
        s = s / np.sqrt(s.max() * s.min())
        Wq = quantize(W * s[:, None], bits, group) / s[:, None]
        loss = np.mean((Y - X @ Wq) ** 2)
        losses.append(loss)
        if best is None or loss < best[0]:
            best = (loss, a, s)
    if verbose:                               # the argmin's margin
        lo, next_ = sorted(losses)[:2]
        print(f"alpha {best[1]:.4g}: loss {lo:.9g}, runner-up {next_:.9g}, "
              f"relative gap {(next_ - lo) / lo:.3g}", file=sys.stderr)
    return best[1], best[2]


def clip_search(Xs, W, bits, group):
    """(clipped W, mean ratio, smallest relative margin of the argmins) for
    one consumer's scaled weight W [K, N] and inputs Xs = X / s."""
    K, N = W.shape
    if group == 0 or K % group:
        group = K
    W = W.astype(np.float64)
    out = W.copy()
    ratios, margin = [], np.inf
    for g0 in range(0, K, group):
        rows = slice(g0, g0 + group)
        w, xg = W[rows], Xs[:, rows]
        m0 = np.abs(w).max(0)                 # [N], per column
        org = xg @ w
        errs = []
        for step in range(max(int(MAX_SHRINK * CLIP_GRID), 1)):
            m = m0 * (1 - step / CLIP_GRID)
            q = quantize(np.clip(w, -m, m), bits, group)
            errs.append(np.mean((xg @ q - org) ** 2, axis=0))
        errs = np.array(errs)                 # [steps, N]
        # argmin keeps the first of equal minima, as "strictly smaller".
        best = m0 * (1 - np.argmin(errs, axis=0) / CLIP_GRID)
        out[rows] = np.clip(w, -best, best)
        ratios.append(np.divide(best, m0, out=np.ones(N), where=m0 > 0))
        # The margin of each argmin over the runner-up (m0 == 0: all 0).
        srt = np.sort(errs[:, m0 > 0], axis=0)
        srt = srt[:, srt[0] > 0]
        margin = min(margin, np.min((srt[1] - srt[0]) / srt[0], initial=1e9))
    return out.astype(np.float32), float(np.mean(ratios)), margin


def ratio_line(i, r):
    """`clip i R`. The exact mean ratios are multiples of 1 / (clip_grid *
    groups * N), often halfway between two 6-decimal numbers: snapping to 9
    decimals first gives both implementations' sums (which differ in the last
    bits) the same double, and so the same rounding."""
    return f"clip {i} " + ("skipped" if r is None else f"{round(r, 9):.6f}")


def load(d):
    data = np.load(os.path.join(d, "data.npz"))
    ws = [data[f"w{i}"] for i in range(len(data.files)) if f"w{i}" in data]
    return data["gamma"], ws


def model_outputs(x, gamma, ws):
    """y_i = (x * gamma) @ W_i in float64, saved as float32."""
    h = x.astype(np.float64) * gamma.astype(np.float64)
    return {f"y{i}": (h @ w.astype(np.float64)).astype(np.float32)
            for i, w in enumerate(ws)}


def dense1(v):
    """A float32 vector as an MLIR dense literal (gptq.dense is 2-D)."""
    d = gptq.dense(v[None])             # dense<[[...]]> : tensor<1xKxf32>
    return (d[:d.index(" : ")].replace("[[", "[").replace("]]", "]") +
            f" : tensor<{len(v)}xf32>")


def write(args):
    rng = np.random.default_rng(args.seed)
    k, ns, R = args.k, [int(n) for n in args.n.split(",")], ROWS_PER_SAMPLE
    if args.rows % R:
        raise ValueError(f"--rows must be a multiple of {R}")
    # Activations as AWQ sees them: gamma ~ U(0.5, 1.5), and 4 salient
    # channels 20-50x larger.
    gamma = rng.uniform(0.5, 1.5, k)
    gamma[rng.choice(k, 4, replace=False)] *= rng.uniform(20, 50, 4)
    gamma = gamma.astype(np.float32)
    # Weights whose input rows differ in magnitude (something to scale and
    # to clip).
    ws = [(rng.standard_normal((k, n)) / np.sqrt(k)
           * np.exp(0.5 * rng.standard_normal((k, 1)))).astype(np.float32)
          for n in ns]
    if args.zero_weights:
        ws[0][:16] = 0                        # an all-zero weight group
    calib = rng.standard_normal((args.rows, k)).astype(np.float32)
    held = rng.standard_normal((R, k)).astype(np.float32)
    if args.zero_channels:
        zero = [int(i) for i in args.zero_channels.split(",")]
        calib[:, zero] = 0
        held[:, zero] = 0

    tx = gptq.tensor((R, k))
    outs = [gptq.tensor((R, n)) for n in ns]
    res = ", ".join(f'{t} {{qf.name = "y{i}"}}' for i, t in enumerate(outs))
    lines = [
        f'func.func @main(%x: {tx} {{qf.name = "x"}}) -> ({res}) {{',
        f"  %gamma = arith.constant {dense1(gamma)}",
        f"  %e = tensor.empty() : {tx}",
        "  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> "
        "(d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> "
        '(d0, d1)>], iterator_types = ["parallel", "parallel"]} '
        f"ins(%x, %gamma : {tx}, tensor<{k}xf32>) outs(%e : {tx}) {{",
        "  ^bb0(%a: f32, %g: f32, %o: f32):",
        "    %m = arith.mulf %a, %g : f32",
        "    linalg.yield %m : f32",
        f"  }} -> {tx}",
        "  %zero = arith.constant 0.0 : f32"]
    for i, (w, t) in enumerate(zip(ws, outs)):
        lines += [
            f"  %w{i} = arith.constant {gptq.dense(w)}",
            f"  %e{i} = tensor.empty() : {t}",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : {t}) -> {t}",
            f"  %y{i} = linalg.matmul ins(%h, %w{i} : {tx}, "
            f"{gptq.tensor(w.shape)}) outs(%f{i} : {t}) -> {t}"]
    lines += ["  return " + ", ".join(f"%y{i}" for i in range(len(ns))) +
              " : " + ", ".join(outs), "}", ""]

    os.makedirs(args.dir, exist_ok=True)
    with open(os.path.join(args.dir, "model.mlir"), "w") as f:
        f.write("\n".join(lines))
    np.savez(os.path.join(args.dir, "calib.npz"),
             x=calib.reshape(-1, R, k))
    np.savez(os.path.join(args.dir, "x.npz"), x=held)
    np.savez(os.path.join(args.dir, "data.npz"), gamma=gamma, calib=calib,
             **{f"w{i}": w for i, w in enumerate(ws)})


def expect(args):
    global FORMAT
    FORMAT = args.format
    gamma, ws = load(args.dir)
    x = np.load(os.path.join(args.dir, "calib.npz"))["x"]
    # The rows of h as the compiler observes them: a float32 product.
    X = (x.reshape(-1, x.shape[-1]) * gamma).astype(np.float64)
    W = np.concatenate(ws, axis=1).astype(np.float64)
    alpha, s = scale_search(X, W, args.bits, args.group_size, args.grid,
                            args.verbose)
    gamma2 = (gamma / s).astype(np.float32)
    ws2 = [(w * s[:, None]).astype(np.float32) for w in ws]
    lines = [f"alpha {alpha:.4g}"]
    if not args.no_clip:
        Xs = X / s
        for i, w in enumerate(ws2):
            ws2[i], ratio, margin = clip_search(Xs, w, args.bits,
                                                args.group_size)
            lines.append(ratio_line(i, ratio))
            if args.verbose:
                print(f"clip {i}: smallest relative margin {margin:.3g}",
                      file=sys.stderr)
    print("\n".join(lines))
    if args.save:
        held = np.load(os.path.join(args.dir, "x.npz"))["x"]
        np.savez(args.save, **model_outputs(held, gamma2, ws2))


def report(args):
    with open(args.report) as f:
        groups = json.load(f)["groups"]
    for g in groups:                          # a skipped group: its status
        if g.get("status") != "scaled":
            print(f"status {g.get('status')}")
        else:
            print(f"alpha {g['alpha']:.4g}")
            for i, r in enumerate(g.get("mean_clip_ratio", [])):
                print(ratio_line(i, r))


def float_(args):
    gamma, ws = load(args.dir)
    held = np.load(os.path.join(args.dir, "x.npz"))["x"]
    np.savez(args.out, **model_outputs(held, gamma, ws))


def relerr(args):
    _, ws = load(args.dir)
    a, b = np.load(args.a), np.load(args.b)
    ys = [f"y{i}" for i in range(len(ws))]
    b = {y: b[y].astype(np.float64) for y in ys}
    errs = [np.linalg.norm(a[y] - b[y]) / np.linalg.norm(b[y]) for y in ys]
    print(", ".join(f"y{i} {e:.3g}" for i, e in enumerate(errs)))
    # Written so that a nan counts as exceeding.
    return 0 if all(e <= args.max for e in errs) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, run, *positional):
        p = sub.add_parser(name)
        for arg in positional:
            p.add_argument(arg)
        p.set_defaults(run=run)
        return p

    p = command("write", write, "dir")
    p.add_argument("--k", type=int, default=64)
    p.add_argument("--n", default="32,16", help="comma-separated N_i")
    p.add_argument("--rows", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--zero-channels", help="input channels of x set to 0")
    p.add_argument("--zero-weights", action="store_true",
                   help="W0's first 16 rows set to 0")
    p = command("expect", expect, "dir")
    p.add_argument("--bits", type=int, required=True)
    p.add_argument("--group-size", type=int, required=True)
    p.add_argument("--grid", type=int, default=20)
    p.add_argument("--no-clip", action="store_true")
    p.add_argument("--format", choices=("nf4", "mxfp4"))
    p.add_argument("--save", help="outputs of the transformed model")
    p.add_argument("--verbose", action="store_true")
    command("report", report, "report")
    command("float", float_, "dir", "out")
    p = command("relerr", relerr, "dir", "a", "b")
    p.add_argument("--max", type=float, default=1e-5)

    args = parser.parse_args()
    try:
        return args.run(args) or 0
    except (ValueError, KeyError, OSError) as e:
        print(f"awq.py {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
