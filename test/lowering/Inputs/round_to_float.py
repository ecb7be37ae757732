#!/usr/bin/python3
"""Inputs and expected outputs of qf.round_to_float for every format it
takes, from the formats' specifications (test/unit/Numerics/
gen_float_reference.py's encode and decode, exact rational arithmetic, not
QuantForge's code): y = f32(decode(encode(f32(x / scale), half_even,
saturate))) * scale in float32; NaN stays NaN. Per format, two entries:
- edges, scale 1: ±0, every representable magnitude, every midpoint
  between neighbours (the ties) and one float32 step either side of it,
  the largest finite value and beyond, float32 denormals, ±Inf, NaN;
- random, scale 0.0125: 20,000 values of random sign spread over 2^-30 to
  2^12 times the format's largest value.

    round_to_float.py DIR -> DIR/model.mlir, DIR/in.npz, DIR/expected.npz
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "unit", "Numerics"))
import gen_float_reference as ref  # noqa: E402

F32 = np.float32
FORMATS = ["f8E4M3FN", "f8E5M2", "f6E2M3FN", "f6E3M2FN", "f4E2M1FN"]
out = sys.argv[1]
rng = np.random.default_rng(11)


def expected(fmt, x, scale):
    y = np.empty_like(x)
    for i, v in enumerate(x):
        q = float(F32(v) / F32(scale))
        if math.isnan(q):
            y[i] = np.nan
            continue
        code = fmt.encode(q, "half_even", "saturate")
        y[i] = F32(fmt.decode(code)) * F32(scale)
    return y


def edges(fmt):
    mags = fmt.magnitudes
    values = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-45, -1e-45, 1e-40,
              fmt.max * 2, fmt.max * 1e30, 3e38]
    for lo, hi in zip(mags, mags[1:] + [fmt.beyond]):
        mid = F32((lo + hi) / 2)
        values += [lo, mid, np.nextafter(mid, F32(0)),
                   np.nextafter(mid, F32(np.inf))]
    values = np.array(values, dtype=F32)
    return np.concatenate([values, -values])


def random_values():
    n = 20000
    exponents = rng.uniform(-30, 12, n)
    signs = rng.choice([-1.0, 1.0], n)
    return (signs * 2.0 ** exponents).astype(F32)


inputs, results, funcs = {}, {}, []
for name in FORMATS:
    fmt = ref.FMT[name]
    for kind, x, scale in (("edges", edges(fmt), 1.0),
                           ("random", random_values() * F32(fmt.max * 0.0125),
                            0.0125)):
        entry = f"{kind}_{name}"
        inputs[entry] = x
        results[entry] = expected(fmt, x, scale)
        n = x.size
        funcs.append(f"""func.func @{entry}(%x: tensor<{n}xf32> {{qf.name = "x"}}) -> tensor<{n}xf32> {{
  %y = qf.round_to_float %x scale {scale!r} : {name}, tensor<{n}xf32>
  return %y : tensor<{n}xf32>
}}
""")
with open(os.path.join(out, "model.mlir"), "w") as f:
    f.write("\n".join(funcs))
for entry, x in inputs.items():
    np.savez(os.path.join(out, f"in_{entry}.npz"), x=x)
np.savez(os.path.join(out, "expected.npz"), **results)
