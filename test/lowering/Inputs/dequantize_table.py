#!/usr/bin/python3
"""Writes a model using qf.dequantize_table with 4-bit and 8-bit codes (on
its own, as the weight of a matmul of 3 rows and of one row), its inputs, and the expected results computed here with NumPy from the op's
definition (table[code] * scale per block; 4-bit codes two per byte, the low
nibble first). Values are dyadic, so every product and sum is exact and the
comparison is bit for bit.

    dequantize_table.py DIR   -> DIR/model.mlir, DIR/in.npz, DIR/expected.npz
"""
import os
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(3)
K, N, M = 8, 6, 3


def mlir_array(a, fmt):
    if a.ndim == 1:
        return "[" + ", ".join(fmt(v) for v in a) + "]"
    return "[" + ", ".join(mlir_array(r, fmt) for r in a) + "]"


def f(v):
    return repr(float(v))


lines = []
expected = {}
x = rng.integers(-4, 5, (M, K)).astype(np.float32) / 2
for bits in (4, 8):
    entries = 1 << bits
    table = (rng.integers(-64, 65, entries) / 8).astype(np.float32)
    codes = rng.integers(0, entries, (K, N))
    # Blocks of 4 rows x 3 columns: scales [2, 2], powers of two.
    scales = (2.0 ** rng.integers(-3, 4, (K // 4, N // 3))).astype(np.float32)
    w = table[codes] * np.repeat(np.repeat(scales, 4, 0), 3, 1)
    if bits == 4:
        stored = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
    else:
        stored = codes.astype(np.uint8)
    stored = stored.view(np.int8)
    ct = f"tensor<{K}x{stored.shape[1]}xi8>"
    st = f"tensor<{K // 4}x{N // 3}xf32>"
    dt = (f"%w = qf.dequantize_table %c, %s table dense<{mlir_array(table, f)}>"
          f" : tensor<{entries}xf32> : {ct}, {st} -> tensor<{K}x{N}xf32>")
    consts = (f"  %c = arith.constant dense<{mlir_array(stored, str)}> : {ct}\n"
              f"  %s = arith.constant dense<{mlir_array(scales, f)}> : {st}\n"
              f"  {dt}\n")
    lines.append(f"func.func @weights{bits}() -> tensor<{K}x{N}xf32> {{\n"
                 f"{consts}  return %w : tensor<{K}x{N}xf32>\n}}\n")
    for name, m in ((f"matmul{bits}", M), (f"gemv{bits}", 1)):
        lines.append(
            f"func.func @{name}(%x: tensor<{m}x{K}xf32> {{qf.name = \"x\"}}) "
            f"-> tensor<{m}x{N}xf32> {{\n{consts}"
            f"  %zero = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : tensor<{m}x{N}xf32>\n"
            f"  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{N}xf32>) "
            f"-> tensor<{m}x{N}xf32>\n"
            f"  %y = linalg.matmul ins(%x, %w : tensor<{m}x{K}xf32>, "
            f"tensor<{K}x{N}xf32>) outs(%i : tensor<{m}x{N}xf32>) -> "
            f"tensor<{m}x{N}xf32>\n"
            f"  return %y : tensor<{m}x{N}xf32>\n}}\n")
        expected[name] = x[:m] @ w
    expected[f"weights{bits}"] = w

with open(os.path.join(out, "model.mlir"), "w") as file:
    file.write("\n".join(lines))
np.savez(os.path.join(out, "in.npz"), x=x)
np.savez(os.path.join(out, "in1.npz"), x=x[:1])
np.savez(os.path.join(out, "expected.npz"), **expected)
