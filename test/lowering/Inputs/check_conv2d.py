#!/usr/bin/python3
"""Writes random inputs for Inputs/conv2d.mlir, or checks qf-run's result
against the integer definition of qf.conv2d evaluated here with NumPy.

  check_conv2d.py write DIR
  check_conv2d.py check DIR {grouped|plain} RESULT.npz
"""
import sys

import numpy as np

CASES = {
    # x shape, w shape, x unsigned, zx, zw, strides, dilations, padding, groups, bias
    "grouped": ((1, 5, 6, 4), (3, 2, 2, 6), True, 128, [1, -2, 0, 3, 5, -7],
                (2, 1), (1, 2), (1, 1, 0, 1), 2, True),
    "plain": ((2, 5, 6, 4), (3, 3, 4, 5), False, -3, [2], (1, 1), (1, 1),
              (0, 0, 0, 0), 1, False),
}


def reference(name, x, w, b):
    _, _, unsigned, zx, zw, (sh, sw), (dh, dw), (pt, pb, pl, pr), groups, _ = CASES[name]
    xs = (x.view(np.uint8) if unsigned else x).astype(np.int64) - zx
    xs = np.pad(xs, ((0, 0), (pt, pb), (pl, pr), (0, 0)))  # zero = the zero point
    ws = w.astype(np.int64) - np.array(zw)
    n, h, wd, c = xs.shape
    kh, kw, cg, f = ws.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    fg = f // groups
    out = np.zeros((n, oh, ow, f), np.int64)
    for y in range(oh):
        for xx in range(ow):
            for ky in range(kh):
                for kx in range(kw):
                    patch = xs[:, y * sh + ky * dh, xx * sw + kx * dw, :]
                    for g in range(groups):
                        out[:, y, xx, g * fg:(g + 1) * fg] += (
                            patch[:, g * cg:(g + 1) * cg] @ ws[ky, kx, :, g * fg:(g + 1) * fg])
    if b is not None:
        out += b
    return out.astype(np.int32)


mode, d = sys.argv[1], sys.argv[2]
rng = np.random.RandomState(4)
if mode == "write":
    for name, case in CASES.items():
        np.save(f"{d}/{name}-x.npy", rng.randint(-128, 128, case[0]).astype(np.int8))
        np.save(f"{d}/{name}-w.npy", rng.randint(-128, 128, case[1]).astype(np.int8))
        np.save(f"{d}/{name}-b.npy", rng.randint(-100000, 100000, case[1][3]).astype(np.int32))
    sys.exit(0)
name, result = sys.argv[3], sys.argv[4]
x, w = np.load(f"{d}/{name}-x.npy"), np.load(f"{d}/{name}-w.npy")
b = np.load(f"{d}/{name}-b.npy") if CASES[name][9] else None
got = np.load(result)["out0"]
want = reference(name, x, w, b)
assert got.dtype == np.int32 and np.array_equal(got, want), (got, want)
print(f"{name}: {got.size} accumulators equal the integer definition")
