#!/usr/bin/python3
"""A W8A8 linear layer by hand, and its independent NumPy reference.

  w8a8_linear.py write DIR   writes DIR/model.mlir (float y = x @ W + b
                             quantized: int8 activations per tensor, int8
                             weights per output channel, i32 bias, requantize
                             to int8, dequantize) and DIR/x.npy
  w8a8_linear.py check DIR RESULT.npz
                             the integer pipeline recomputed here must match
                             bit for bit; the float error against x @ W + b
                             is reported and bounded
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib",
                                "python"))
from qfref import quantize_multiplier, rounding_shift  # noqa: E402

rng = np.random.RandomState(8)
K, N, M = 16, 8, 4
W = (rng.randn(K, N) * 0.2).astype(np.float32)
B = (rng.randn(N) * 0.1).astype(np.float32)
X = rng.randn(M, K).astype(np.float32)

# Parameters: symmetric per-channel weights, asymmetric activations from the
# data's range, the output range from the float result.
s_w = (np.abs(W).max(0) / 127).astype(np.float64)
lo, hi = min(X.min(), 0.0), max(X.max(), 0.0)
s_x = float(hi - lo) / 255
z_x = int(np.clip(np.rint(-128 - lo / s_x), -128, 127))
Y = X @ W + B
ylo, yhi = min(Y.min(), 0.0), max(Y.max(), 0.0)
s_y = float(yhi - ylo) / 255
z_y = int(np.clip(np.rint(-128 - ylo / s_y), -128, 127))
s_acc = [s_x * s for s in s_w]


def quantize(x, scale, zp):
    q = np.rint(x / np.float32(scale)).astype(np.float64)  # f32 division, half even
    return np.clip(q + zp, -128, 127).astype(np.int64)


Wq = np.clip(np.rint(W / s_w.astype(np.float32)), -127, 127).astype(np.int8)
Bq = np.rint(B.astype(np.float64) / np.array(s_acc)).astype(np.int32)


def hexconst(a, dtype):
    return '"0x' + a.astype(dtype).tobytes().hex().upper() + '"'


def fmt(v):
    return repr(float(v))


mode, d = sys.argv[1], sys.argv[2]
acc_type = "!quant.uniform<i32:f32:1, {" + ", ".join(fmt(s) for s in s_acc) + "}>"
bias_type = "!quant.uniform<i32:f32:0, {" + ", ".join(fmt(s) for s in s_acc) + "}>"
w_type = "!quant.uniform<i8:f32:1, {" + ", ".join(fmt(s) for s in s_w) + "}>"
x_type = f"!quant.uniform<i8:f32, {fmt(s_x)}:{z_x}>"
y_type = f"!quant.uniform<i8:f32, {fmt(s_y)}:{z_y}>"
if mode == "write":
    np.save(f"{d}/x.npy", X)
    with open(f"{d}/model.mlir", "w") as f:
        f.write(f"""func.func @main(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %wi = arith.constant dense<{hexconst(Wq, '<i1')}> : tensor<{K}x{N}xi8>
  %bi = arith.constant dense<{hexconst(Bq, '<i4')}> : tensor<{N}xi32>
  %w = quant.scast %wi : tensor<{K}x{N}xi8> to tensor<{K}x{N}x{w_type}>
  %b = quant.scast %bi : tensor<{N}xi32> to tensor<{N}x{bias_type}>
  %q = qf.quantize %x half_even : tensor<{M}x{K}xf32> -> tensor<{M}x{K}x{x_type}>
  %acc = qf.matmul %q, %w bias %b : tensor<{M}x{K}x{x_type}>, tensor<{K}x{N}x{w_type}>, tensor<{N}x{bias_type}> -> tensor<{M}x{N}x{acc_type}>
  %o = qf.requantize %acc half_even : tensor<{M}x{N}x{acc_type}> -> tensor<{M}x{N}x{y_type}>
  %y = qf.dequantize %o : tensor<{M}x{N}x{y_type}> -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
""")
    sys.exit(0)

# The integer pipeline, independently.
xq = quantize(X, s_x, z_x)
acc = (xq - z_x) @ Wq.astype(np.int64) + Bq
out = np.zeros_like(acc)
for n in range(N):
    m, e = quantize_multiplier(s_acc[n] / s_y)
    out[:, n] = rounding_shift(acc[:, n] * m, 31 - e) + z_y
out = np.clip(out, -128, 127)
y_ref = ((out - z_y).astype(np.float32) * np.float32(s_y)).astype(np.float32)
got = np.load(sys.argv[3])["out0"]
assert np.array_equal(got, y_ref), (got, y_ref)
err = np.abs(got - Y).max() / np.abs(Y).max()
# Activation, weight and output rounding each contribute about half a step.
assert err < 0.05, err
print(f"w8a8 linear: equal to the NumPy integer pipeline; max error {err:.4f} of max |y|")
