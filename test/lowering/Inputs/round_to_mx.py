#!/usr/bin/python3
"""Inputs and expected outputs of qf.round_to_mx (blocks of 32 along the
last dimension) for every element format, from the OCP MX specification as
test/unit/Numerics/gen_float_reference.py implements it (mx_scale with the
floor rule, mx_encode half to even, mx_decode; exact arithmetic, not
QuantForge's code), each value cast to float32. Per format, rows of 64
values (two blocks):
- edges: a block of zeros, of -0, one outlier among tiny values, float32
  denormals only, the largest float32, a NaN, an infinity, values on the
  element grid's midpoints under 2^X, 2^127 and 2^-140 magnitudes;
- 2,000 random rows, magnitudes 2^uniform(-140, 120) per block times
  2^uniform(-12, 0) per value, random signs.

    round_to_mx.py DIR -> DIR/model.mlir, DIR/in_F.npz, DIR/expected.npz
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "unit", "Numerics"))
import gen_float_reference as ref  # noqa: E402

F32 = np.float32
ELEMENTS = {"f8E4M3FN": "fp8e4m3", "f8E5M2": "fp8e5m2",
            "f6E2M3FN": "fp6e2m3", "f6E3M2FN": "fp6e3m2",
            "f4E2M1FN": "fp4e2m1"}
BLOCK = 32
out = sys.argv[1]
rng = np.random.default_rng(17)


def expected(x, element):
    y = np.empty_like(x)
    flat, res = x.reshape(-1, BLOCK), y.reshape(-1, BLOCK)
    for b, block in enumerate(flat):
        amax = float(np.max(np.abs(block))) if not np.isnan(block).any() \
            else math.nan
        scale = ref.mx_scale(amax, element, "floor")
        for i, v in enumerate(block):
            code = ref.mx_encode(float(v), scale, element, "half_even", 0, 0)
            res[b, i] = F32(ref.mx_decode(code, scale, element))
    return y


def edges(name):
    fmt = ref.FMT[name]
    rows = []
    row = lambda a, b: np.concatenate([a, b]).astype(F32)  # noqa: E731
    tiny = np.full(BLOCK, 1e-3, F32)
    outlier = tiny.copy()
    outlier[5] = 1000.0
    rows.append(row(np.zeros(BLOCK), -np.zeros(BLOCK)))
    rows.append(row(outlier, -outlier))
    rows.append(row(np.full(BLOCK, 1e-42), np.full(BLOCK, 3.4e38)))
    nan = tiny.copy()
    nan[3] = np.nan
    inf = tiny.copy()
    inf[7] = -np.inf
    rows.append(row(nan, inf))
    # Grid values and midpoints under X = 0: the block's amax is the
    # element's largest power of two's binade (2^emax), so 2^X = 1.
    mags = [m for m in fmt.magnitudes if m < 2 ** (math.floor(math.log2(fmt.max)) + 1)]
    mids = [(a + b) / 2 for a, b in zip(mags, mags[1:])]
    vals = (mags + mids)[:2 * BLOCK]
    vals += [0.0] * (2 * BLOCK - len(vals))
    first = np.array(vals[:BLOCK], F32)
    second = np.array(vals[BLOCK:], F32)
    first[0] = second[0] = 2.0 ** math.floor(math.log2(fmt.max))
    rows.append(row(first, -second))
    rows.append(row(np.full(BLOCK, 2.0 ** 127), np.full(BLOCK, 2.0 ** -140)))
    return np.stack(rows)


def random_rows(n):
    block = 2.0 ** rng.uniform(-140, 120, (n, 2, 1))
    vals = block * 2.0 ** rng.uniform(-12, 0, (n, 2, BLOCK))
    signs = rng.choice([-1.0, 1.0], (n, 2, BLOCK))
    return (signs * vals).reshape(n, 2 * BLOCK).astype(F32)


funcs, results = [], {}
for name, element in ELEMENTS.items():
    x = np.concatenate([edges(name), random_rows(2000)])
    np.savez(os.path.join(out, f"in_{name}.npz"), x=x)
    results[name] = expected(x, element)
    n = x.shape[0]
    funcs.append(f"""func.func @{name}(%x: tensor<{n}x64xf32> {{qf.name = "x"}}) -> tensor<{n}x64xf32> {{
  %y = qf.round_to_mx %x block {BLOCK} : {name}, tensor<{n}x64xf32>
  return %y : tensor<{n}x64xf32>
}}
""")
with open(os.path.join(out, "model.mlir"), "w") as f:
    f.write("\n".join(funcs))
np.savez(os.path.join(out, "expected.npz"), **results)
