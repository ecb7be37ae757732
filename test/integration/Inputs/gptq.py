#!/usr/bin/python3
"""An independent NumPy reference of GPTQ (Frantar et al.), and its harness.

It follows the official gptq.py and quant.py step for step, in float64:
quantizer parameters per row and group (optionally by the MSE grid search),
dead input channels, act-order, static groups, damping (retried tenfold
while the Cholesky factorization fails) and the blocked error feedback
through the upper Cholesky factor of H^-1. RTN (the same quantizer, no error
feedback) is there to compare against.

Our IR weight W_ir is [K, N] (Y = X @ W_ir); GPTQ works on W = W_ir.T, [N
rows (output channels), K columns (input channels)], with the Hessian
H = 2/M X^T X, [K, K], given in float32.

  gptq.py write DIR --k K --n N --rows M --seed S [--dead I,J,...]
                    [--rank R] [--nan]
      writes DIR/model.mlir (one matmul on a constant weight, its input
      observed with the Hessian of correlated rows X), DIR/eye.npz (x = the
      identity, so running the model gives its weight back) and DIR/data.npz
      (x = X, w = W_ir, h = H).
  gptq.py reference DIR OUT.npz [--bits B] [--group-size G] [--sym 0|1]
                    [--act-order 0|1] [--static-groups 0|1] [--damp D]
                    [--block-size BS] [--mse 0|1] [--rtn]
      quantizes DIR/data.npz by GPTQ (or RTN) and saves, in IR layout [K, N],
      y (the dequantized weight, float32), code, scale and zero per element,
      and damp (the relative damping finally used; 0 for RTN).
  gptq.py check DIR OURS.npz REF.npz
      compares the compiler's dequantized weight (y) with the reference's:
      an element's code differs where |ours - ref| >= scale / 4.
  gptq.py recon DIR A.npz B.npz
      the layer reconstruction errors ||X W_ir - X y||^2 of A and B; fails
      unless A's is the smaller.
"""
import argparse
import os
import sys

import numpy as np

# The reference's MSE grid search: shrink the range by 1 - i / GRID for
# i < MAXSHRINK * GRID, score by sum |error| ** NORM.
GRID, MAXSHRINK, NORM = 100, 0.8, 2.4


class Quantizer:
    """Uniform quantization of rows, as quant.py's Quantizer (weight=True)."""

    def __init__(self, bits, sym, mse):
        self.maxq = 2 ** bits - 1
        self.sym = sym
        self.mse = mse

    def codes(self, x, scale, zero):
        """Codes of x for scale and zero broadcastable to it."""
        return np.clip(np.round(x / scale) + zero, 0, self.maxq)

    def dequant(self, x, scale, zero):
        return scale * (self.codes(x, scale, zero) - zero)

    def params(self, x):
        """(scale, zero), each [R], for the rows of x [R, g]."""
        xmin = np.minimum(x.min(1), 0)
        xmax = np.maximum(x.max(1), 0)
        if self.sym:
            xmax = np.maximum(np.abs(xmin), xmax)
            xmin = np.where(xmin < 0, -xmax, xmin)
        both0 = (xmin == 0) & (xmax == 0)
        xmin[both0], xmax[both0] = -1, 1
        scale = (xmax - xmin) / self.maxq
        if self.sym:
            zero = np.full_like(scale, (self.maxq + 1) / 2)
        else:
            zero = np.round(-xmin / scale)
        if self.mse:
            best = np.full(x.shape[0], np.inf)
            for i in range(int(MAXSHRINK * GRID)):
                p = 1 - i / GRID
                xmin1, xmax1 = p * xmin, p * xmax
                scale1 = (xmax1 - xmin1) / self.maxq
                zero1 = zero if self.sym else np.round(-xmin1 / scale1)
                deq = self.dequant(x, scale1[:, None], zero1[:, None])
                err = np.sum(np.abs(deq - x) ** NORM, axis=1)
                better = err < best
                best[better] = err[better]
                scale[better], zero[better] = scale1[better], zero1[better]
        return scale, zero


def check_finite(*arrays):
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError("non-finite weight or Hessian")


def damped_inverse_factor(H, damp):
    """(U, damp used): U upper triangular with U^T U = (H + d I)^-1, where
    d = damp * mean(diag H) and damp grows tenfold, for at most 10 tries,
    while either Cholesky factorization fails."""
    diag = np.arange(H.shape[0])
    mean = np.mean(np.diag(H))
    for _ in range(10):
        Hd = H.copy()
        Hd[diag, diag] += damp * mean
        try:
            # H^-1 from the Cholesky factor (as torch.cholesky_inverse), then
            # its upper factor (torch.linalg.cholesky(upper=True)).
            Linv = np.linalg.inv(np.linalg.cholesky(Hd))
            return np.linalg.cholesky(Linv.T @ Linv).T, damp
        except np.linalg.LinAlgError:
            damp *= 10
    raise np.linalg.LinAlgError("Hessian not positive definite after damping")


def gptq(W, H, bits=4, group_size=-1, sym=False, act_order=False,
         static_groups=False, damp=0.01, block_size=128, mse=False,
         quant=None):
    """GPTQ of W [R, C] under the Hessian H [C, C]. Returns (code, scale, zero,
    damp): code, scale and zero per element [R, C] (the dequantized weight is
    scale * (code - zero)), and the relative damping finally used. Another
    quantizer (`quant`, with params, codes and dequant as Quantizer's) may
    replace the uniform one (gptq_formats.py's float formats)."""
    check_finite(W, H)
    quant = quant or Quantizer(bits, sym, mse)
    W = W.astype(np.float64)
    H = H.astype(np.float64)
    R, C = W.shape
    gs = group_size
    if gs == -1:
        params = quant.params(W)
    dead = np.flatnonzero(np.diag(H) == 0)
    H[dead, dead] = 1
    W[:, dead] = 0
    if static_groups and gs != -1:
        groups = [quant.params(W[:, i:i + gs]) for i in range(0, C, gs)]
    perm = np.arange(C)
    if act_order:
        perm = np.argsort(-np.diag(H), kind="stable")
        W = W[:, perm]
        H = H[perm][:, perm]
    U, damp = damped_inverse_factor(H, damp)

    code = np.zeros((R, C), getattr(quant, "code_dtype", np.int64))
    scale = np.zeros((R, C))
    zero = np.zeros((R, C))
    for i1 in range(0, C, block_size):
        i2 = min(i1 + block_size, C)
        W1 = W[:, i1:i2].copy()
        Err1 = np.zeros_like(W1)
        for i in range(i2 - i1):
            j = i1 + i
            if gs != -1:
                if not static_groups:
                    # From W, not W1: the updates inside this block are not
                    # seen, exactly as the reference.
                    if j % gs == 0:
                        params = quant.params(W[:, j:j + gs])
                else:
                    params = groups[perm[j] // gs]
            w = W1[:, i]
            q = quant.codes(w, *params)
            code[:, j] = q
            scale[:, j], zero[:, j] = params
            err = (w - quant.dequant(w, *params)) / U[j, j]
            W1[:, i:] -= np.outer(err, U[j, j:i2])
            Err1[:, i] = err
        W[:, i2:] -= Err1 @ U[i1:i2, i2:]

    inv = np.argsort(perm)    # back to the original column order
    return code[:, inv], scale[:, inv], zero[:, inv], damp


def rtn(W, bits=4, group_size=-1, sym=False, mse=False):
    """Round to nearest with the same quantizer, groups c // group_size.
    Returns (code, scale, zero) per element of W [R, C]."""
    check_finite(W)
    quant = Quantizer(bits, sym, mse)
    W = W.astype(np.float64)
    gs = W.shape[1] if group_size == -1 else group_size
    scale = np.zeros_like(W)
    zero = np.zeros_like(W)
    for c in range(0, W.shape[1], gs):
        s, z = quant.params(W[:, c:c + gs])
        scale[:, c:c + gs], zero[:, c:c + gs] = s[:, None], z[:, None]
    code = quant.codes(W, scale, zero).astype(np.int64)
    return code, scale, zero


# ---------------------------------------------------------------- the harness


def tensor(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def dense(a):
    """A float32 [rows, cols] array as an MLIR dense literal (nan as hex)."""
    def num(v):
        if np.isnan(v):
            return "0x7FC00000"
        mant, e, exp = f"{v:.9g}".partition("e")
        # MLIR's float literals need a dot: 1 -> 1.0, 1e-05 -> 1.0e-05.
        return mant + ("" if "." in mant else ".0") + e + exp
    rows = ("[" + ", ".join(map(num, row)) + "]" for row in a)
    return "dense<[" + ", ".join(rows) + "]> : " + tensor(a.shape)


def write(args):
    rng = np.random.default_rng(args.seed)
    k, n, m = args.k, args.n, args.rows
    # Correlated input channels of unequal scale: X = Z A diag(s), rank
    # min(m, args.rank or k).
    rank = args.rank or k
    A = rng.standard_normal((rank, k)) / np.sqrt(rank)
    # A direction shared by every channel, as strong as their own part.
    A += rng.standard_normal(k) / np.sqrt(rank)
    X = rng.standard_normal((m, rank)) @ A * np.exp(
        0.5 * rng.standard_normal(k))
    if args.dead:
        X[:, [int(i) for i in args.dead.split(",")]] = 0
    X = X.astype(np.float32)
    H = (2 / m * (X.T.astype(np.float64) @ X)).astype(np.float32)
    W = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    if args.nan:
        W[0, 0] = np.nan

    os.makedirs(args.dir, exist_ok=True)
    tk, tkn = tensor((k, k)), tensor((k, n))
    with open(os.path.join(args.dir, "model.mlir"), "w") as f:
        f.write(
            f'func.func @main(%x: {tk} {{qf.name = "x"}}) -> '
            f'({tkn} {{qf.name = "y"}}) {{\n'
            f"  %xo = qf.observe %x id 0 stats {{hessian = {dense(H)}, "
            f"rows = {m} : i64}} : {tk}\n"
            f"  %w = arith.constant {dense(W)}\n"
            f"  %zero = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : {tkn}\n"
            f"  %f = linalg.fill ins(%zero : f32) outs(%e : {tkn}) -> {tkn}\n"
            f"  %y = linalg.matmul ins(%xo, %w : {tk}, {tkn}) "
            f"outs(%f : {tkn}) -> {tkn}\n"
            f"  return %y : {tkn}\n"
            f"}}\n")
    np.savez(os.path.join(args.dir, "eye.npz"), x=np.eye(k, dtype=np.float32))
    np.savez(os.path.join(args.dir, "data.npz"), x=X, w=W, h=H)


def load(d):
    data = np.load(os.path.join(d, "data.npz"))
    return data["x"], data["w"], data["h"]


def reference(args):
    _, W_ir, H = load(args.dir)
    if args.rtn:
        code, scale, zero = rtn(W_ir.T, args.bits, args.group_size,
                                args.sym, args.mse)
        damp = 0.0
    else:
        code, scale, zero, damp = gptq(
            W_ir.T, H, args.bits, args.group_size, args.sym, args.act_order,
            args.static_groups, args.damp, args.block_size, args.mse)
    y = scale.astype(np.float32) * (code - zero).astype(np.float32)
    np.savez(args.out, y=y.T, code=code.T, scale=scale.T, zero=zero.T,
             damp=np.float64(damp))
    return 0


def check(args):
    _, W_ir, _ = load(args.dir)
    ours, ref = np.load(args.ours)["y"], np.load(args.ref)
    if ours.shape != W_ir.shape:
        print(f"shape {ours.shape}, expected {W_ir.shape}")
        return 1
    # Written so that a nan in ours counts as a difference.
    same = np.abs(ours.astype(np.float64) - ref["y"]) < 0.25 * ref["scale"]
    differ = int(np.count_nonzero(~same))
    print(f"codes: {differ} of {same.size} differ")
    return 1 if differ else 0


def recon(args):
    X, W_ir, _ = load(args.dir)
    X = X.astype(np.float64)
    Y = X @ W_ir
    ea, eb = (np.sum((Y - X @ np.load(p)["y"]) ** 2) for p in (args.a, args.b))
    print(f"A {ea:.4g}, B {eb:.4g}, ratio {eb / ea:.4g}")
    return 0 if ea < eb else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("write")
    p.add_argument("dir")
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--dead", help="comma-separated input channels set to 0")
    p.add_argument("--rank", type=int, help="rank of X (< K: H singular)")
    p.add_argument("--nan", action="store_true", help="W_ir[0, 0] = nan")
    p.set_defaults(run=write)

    p = sub.add_parser("reference")
    p.add_argument("dir")
    p.add_argument("out")
    p.add_argument("--bits", type=int, default=4)
    p.add_argument("--group-size", type=int, default=-1)
    p.add_argument("--sym", type=int, choices=(0, 1), default=0)
    p.add_argument("--act-order", type=int, choices=(0, 1), default=0)
    p.add_argument("--static-groups", type=int, choices=(0, 1), default=0)
    p.add_argument("--damp", type=float, default=0.01)
    p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--mse", type=int, choices=(0, 1), default=0)
    p.add_argument("--rtn", action="store_true")
    p.set_defaults(run=reference)

    p = sub.add_parser("check")
    p.add_argument("dir")
    p.add_argument("ours")
    p.add_argument("ref")
    p.set_defaults(run=check)

    p = sub.add_parser("recon")
    p.add_argument("dir")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(run=recon)

    args = parser.parse_args()
    try:
        return args.run(args) or 0
    except (ValueError, np.linalg.LinAlgError) as e:
        print(f"gptq.py {args.command}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
