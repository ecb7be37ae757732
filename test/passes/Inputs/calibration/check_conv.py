#!/usr/bin/python3
"""Checks the input statistics of the convolution in qf-calibrate-conv.mlir
(3x3 window, dilations (2, 1), strides (1, 2)) against NumPy's im2col.

  check_conv.py STATS.safetensors DATA.npz
"""
import json
import struct
import sys

import numpy as np

path, data = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    raw = f.read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
body = raw[8 + n:]


def tensor(name):
    spec = header[name]
    b, e = spec["data_offsets"]
    return np.frombuffer(body[b:e], "<f4").reshape(spec["shape"])


kh, kw, dh, dw, sh, sw = 3, 3, 2, 1, 1, 2
rows = []
samples = np.load(data)["img"]
for img in samples:
    _, h, w, c = img.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    for y in range(oh):
        for x in range(ow):
            patch = [img[0, y * sh + a * dh, x * sw + b * dw, :]
                     for a in range(kh) for b in range(kw)]
            rows.append(np.concatenate(patch))
rows = np.array(rows, np.float64)
hessian = 2.0 / len(rows) * rows.T @ rows
err = np.abs(tensor("obs0.hessian") - hessian).max() / np.abs(hessian).max()
assert err <= 1e-5, err
flat = samples.reshape(-1, samples.shape[-1]).astype(np.float64)
assert np.array_equal(tensor("obs0.in_abs_max"), np.abs(flat).max(0).astype(np.float32))
assert np.allclose(tensor("obs0.in_abs_mean"), np.abs(flat).mean(0), rtol=1e-6, atol=0)
sample = tensor("obs0.row_sample")
assert sample.shape == (4, 27)
for r in sample:
    assert (rows.astype(np.float32) == r).all(1).any(), "sampled row is not a patch"
print("conv input statistics match NumPy")
