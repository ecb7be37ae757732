#!/usr/bin/python3
"""qf.fake_quant_grad run on the CPU backend against the formulas of STE,
LSQ and LSQ+ computed here in float64.

  fake_quant_grad.py write DIR
      writes DIR/grad.mlir (one function per case in CASES, each
      (x, dy) -> (dx, dscale, dzero_point)) and DIR/x.npy, DIR/dy.npy: x
      spans the clamp range of every case and beyond, with elements exactly
      on the borders.
  fake_quant_grad.py check DIR CASE RESULT.npz
      dx must equal the reference exactly (it is dy or 0), the parameter
      gradients within 1e-5 of the largest (f32 sums of 64 terms).
"""
import sys

import numpy as np

SHAPE = (8, 16)
# name: (qtype, rounding, ste, scales [grid], zero points [grid], qmin, qmax,
#        groups per dim)
CASES = {
    "tensor": ("!quant.uniform<i8:f32, 0.0625:3>", "half_even", "clipped",
               [[0.0625]], [[3]], -128, 127, (1, 1)),
    "axis": ("!quant.uniform<i4<-7:7>:f32:1, {%s}>", "half_away", "identity",
             None, None, -7, 7, (1, 16)),
    "blocked": ("!quant.uniform<i3:f32:{0:4}, {%s}>", "floor", "clipped",
                None, None, -4, 3, (2, 1)),
    "stochastic": ("!quant.uniform<i8:f32, 0.125:-5>", "stochastic",
                   "clipped seed 11", [[0.125]], [[-5]], -128, 127, (1, 1)),
}
AXIS_SCALES = [0.05 * (1 + i % 5) for i in range(16)]
BLOCKED = ([0.5, 0.25], [1, -2])


def params(name):
    qtype, rounding, ste, scales, zps, qmin, qmax, groups = CASES[name]
    if name == "axis":
        scales = [AXIS_SCALES]
        zps = [[0] * 16]
        qtype = qtype % ", ".join(repr(s) for s in AXIS_SCALES)
    if name == "blocked":
        scales = [[s] for s in BLOCKED[0]]
        zps = [[z] for z in BLOCKED[1]]
        qtype = qtype % ", ".join(
            "{%r:%d}" % (s, z) for s, z in zip(*BLOCKED))
    return (qtype, rounding, ste, np.array(scales, np.float64),
            np.array(zps, np.float64), qmin, qmax, groups)


def grad_type(name):
    shape = {"tensor": "", "axis": "16x", "blocked": "2x1x",
             "stochastic": ""}[name]
    return f"tensor<{shape}f32>"


def write(out):
    rng = np.random.default_rng(3)
    x = rng.uniform(-20, 20, SHAPE).astype(np.float32)
    # Exactly on the borders of the per-tensor case: (qmin - z) * s and
    # (qmax - z) * s, and of the blocked one's first group.
    x[0, 0], x[0, 1] = (-128 - 3) * 0.0625, (127 - 3) * 0.0625
    x[1, 0], x[1, 1] = (-4 - 1) * 0.5, (3 - 1) * 0.5
    x[2, :] = rng.uniform(-1, 1, 16)  # inside for most cases
    np.save(f"{out}/x.npy", x)
    np.save(f"{out}/dy.npy", rng.normal(0, 1, SHAPE).astype(np.float32))
    t = f"tensor<{SHAPE[0]}x{SHAPE[1]}xf32>"
    with open(f"{out}/grad.mlir", "w") as f:
        for name in CASES:
            qtype, rounding, ste = params(name)[:3]
            g = grad_type(name)
            f.write(
                f"func.func @{name}(%x: {t}, %dy: {t}) -> ({t}, {g}, {g}) {{\n"
                f"  %dx, %ds, %dz = qf.fake_quant_grad %x, %dy as {qtype} "
                f"{rounding} {ste} : {t} -> {g}\n"
                f"  return %dx, %ds, %dz : {t}, {g}, {g}\n}}\n")


def draw(seed, index):
    """numerics::stochasticDraw: top 24 bits of splitmix64, in [0, 1)."""
    m = (1 << 64) - 1
    z = (seed + (index + 1) * 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return ((z ^ (z >> 31)) >> 40) / float(1 << 24)


def round_mode(v, name, rounding):
    if rounding == "half_even":
        return np.round(v)
    if rounding == "half_away":
        return np.sign(v) * np.floor(np.abs(v) + 0.5)
    if rounding == "floor":
        return np.floor(v)
    lower = np.floor(v)
    u = np.array([draw(11, i) for i in range(v.size)]).reshape(v.shape)
    return lower + (u < v - lower)


def reference(name, x, dy):
    _, rounding, ste, scales, zps, qmin, qmax, groups = params(name)
    # Broadcast the parameter grid over the elements.
    reps = (SHAPE[0] // scales.shape[0], SHAPE[1] // scales.shape[1])
    s = np.kron(scales, np.ones(reps))
    z = np.kron(zps, np.ones(reps))
    v = x.astype(np.float64) / s
    code = v + z
    below, above = code < qmin, code > qmax
    outside = below | above
    dscale = np.where(below, qmin - z,
                      np.where(above, qmax - z, round_mode(v, name, rounding) - v))
    dzero = np.where(outside, -s, 0.0)
    dx = np.where(outside, 1.0 if ste == "identity" else 0.0, 1.0) * dy
    g0, g1 = scales.shape

    def sums(t):
        return (t * dy).reshape(g0, reps[0], g1, reps[1]).sum(axis=(1, 3))
    return dx, sums(dscale), sums(dzero)


def check(out, name, result):
    x, dy = np.load(f"{out}/x.npy"), np.load(f"{out}/dy.npy")
    got = np.load(result)
    keys = sorted(got.files)
    dx, ds, dz = (got[k].astype(np.float64) for k in keys)
    rdx, rds, rdz = reference(name, x, dy.astype(np.float64))
    if not np.array_equal(dx, rdx.astype(np.float32)):
        sys.exit(f"{name}: input gradient differs")
    for what, a, b in (("scale", ds, rds), ("zero point", dz, rdz)):
        a = a.reshape(b.shape)
        err = np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)
        if not err <= 1e-5:
            sys.exit(f"{name}: {what} gradient off by {err:.2e}\n{a}\n{b}")
    print(f"{name}: equal to the reference")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4])
