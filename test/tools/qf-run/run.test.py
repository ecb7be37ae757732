"""Compares qf-run's output with NumPy: y = relu(x @ W1 + b1) @ W2 in
float32, summing over k in order as the JIT's loop nest does."""
import sys

import numpy as np

inputs, x_path, out_path = sys.argv[1:4]
w = np.load(inputs + "/weights.npz")
x = np.load(x_path)


def matmul(a, b):
    acc = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        acc = acc + a[:, k:k + 1] * b[k:k + 1, :]
    return acc


y = matmul(np.maximum(matmul(x, w["w1"]) + w["b1"], np.float32(0)), w["w2"])
got = np.load(out_path)
assert list(got.keys()) == ["y"], list(got.keys())
assert got["y"].dtype == np.float32 and np.array_equal(got["y"], y), (got["y"], y)
print(f"y: f32{list(y.shape)} equal to NumPy")
