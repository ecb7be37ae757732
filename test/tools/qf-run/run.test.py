"""Compares qf-run's output with NumPy: y = relu(x @ W1 + b1) @ W2 in
float32, one fused multiply-add per k in k order, as the cpu backend's
vectorized code computes it."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib",
                                "python"))
from qfref import matmul_fma  # noqa: E402

inputs, x_path, out_path = sys.argv[1:4]
w = np.load(inputs + "/weights.npz")
x = np.load(x_path)




y = matmul_fma(np.maximum(matmul_fma(x, w["w1"]) + w["b1"], np.float32(0)), w["w2"])
got = np.load(out_path)
assert list(got.keys()) == ["y"], list(got.keys())
assert got["y"].dtype == np.float32 and np.array_equal(got["y"], y), (got["y"], y)
print(f"y: f32{list(y.shape)} equal to NumPy")
