#!/usr/bin/python3
"""A matmul whose weight quant-quantize puts in the float-code formats, and
the dequantized weights those formats give, computed here from the formats'
specifications (via test/unit/Numerics/gen_float_reference.py's tables, not
QuantForge's code):
- fp8: per output channel, scale = f32(amax / 448) (1 where that is 0),
  codes E4M3FN of
  f32(w / scale), ties to even, saturating; w' = f32(value * scale);
- mxfp4 (groups of 32 along the reduction): X = floor(log2(amax)) - 2
  (at least -127, E8M0's smallest), codes E2M1 of w * 2^-X; w' = value * 2^X;
- mxfp6, mxfp8, mxint8 (groups of 32): the reference's MX scale and
  elements (E2M3, E4M3, INT8) by the OCP floor rule; w' = value * 2^X;
  mxfp4_round_up: MXFP4 with the round-up scale rule;
- nvfp4 (groups of 16): the reference's NVFP4 tensor scale, E4M3 block
  scales and E2M1 codes; w' = f32(f32(value * block scale) * tensor scale);
- nf4 (groups of 64): the nearest level of f32(w / absmax), ties to the
  lower level; w' = f32(level * absmax).
The input is the identity, so the model's output is the dequantized weight.

    table_formats.py DIR  -> DIR/model.mlir, DIR/in.npz, DIR/expected.npz
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "unit", "Numerics"))
import gen_float_reference as ref  # noqa: E402

out = sys.argv[1]
K, N = 128, 8
rng = np.random.default_rng(5)
w = (rng.standard_normal((K, N)) * 0.05).astype(np.float32)
w[:, 3] *= 40          # a channel of large values
w[0:32, 5] = 0         # a zero MX block
w[7, 6] = 1.5          # an outlier
w[:, 7] = 0
w[9, 7] = 1e-44        # a channel whose amax / 448 is 0 in float32
F32 = np.float32


def fp8():
    e4m3 = ref.FMT["f8E4M3FN"]
    deq = np.empty_like(w)
    for n in range(N):
        amax = F32(np.abs(w[:, n]).max())
        scale = amax / F32(448)
        scale = F32(1) if scale == 0 else scale
        for k in range(K):
            code = e4m3.encode(float(w[k, n] / scale), "half_even", "saturate")
            deq[k, n] = F32(e4m3.decode(code)) * scale
    return deq


def mxfp4():
    e2m1 = ref.FMT["f4E2M1FN"]
    deq = np.empty_like(w)
    for n in range(N):
        for g in range(0, K, 32):
            block = w[g:g + 32, n]
            amax = float(np.abs(block).max())
            # E8M0 holds 2^-127..2^127.
            x = -127 if amax == 0 else max(-127, math.frexp(amax)[1] - 1 - 2)
            for k in range(32):
                code = e2m1.encode(float(block[k]) * 2.0 ** -x, "half_even",
                                   "saturate")
                deq[g + k, n] = F32(e2m1.decode(code) * 2.0 ** x)
    return deq


def mx(element, rule="floor"):
    deq = np.empty_like(w)
    for n in range(N):
        for g in range(0, K, 32):
            block = w[g:g + 32, n]
            scale = ref.mx_scale(float(np.abs(block).max()), element, rule)
            for k in range(32):
                code = ref.mx_encode(float(block[k]), scale, element,
                                     "half_even", 0, 0)
                deq[g + k, n] = F32(ref.mx_decode(code, scale, element))
    return deq


def nvfp4():
    ts = ref.nv_tensor_scale(float(np.abs(w).max()))
    deq = np.empty_like(w)
    for n in range(N):
        for g in range(0, K, 16):
            block = w[g:g + 16, n]
            bs = ref.nv_block_scale(float(np.abs(block).max()), ts)
            for k in range(16):
                code = ref.nv_encode(float(block[k]), bs, ts, "half_even", 0, 0)
                deq[g + k, n] = F32(ref.nv_decode(code, bs, ts))
    return deq


def nf4():
    deq = np.empty_like(w)
    for n in range(N):
        for g in range(0, K, 64):
            block = w[g:g + 64, n]
            absmax = F32(np.abs(block).max())
            for k in range(64):
                code = ref.nf4_encode(float(block[k]), float(absmax))
                deq[g + k, n] = ref.NF4_F32[code] * absmax
    return deq


def mlir(a):
    return "[" + ", ".join(
        "[" + ", ".join(repr(float(v)) for v in row) + "]" for row in a) + "]"


with open(os.path.join(out, "model.mlir"), "w") as f:
    f.write(f"""func.func @main(%x: tensor<{K}x{K}xf32> {{qf.name = "x"}}) -> tensor<{K}x{N}xf32> {{
  %w = arith.constant dense<{mlir(w)}> : tensor<{K}x{N}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{K}x{N}xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<{K}x{N}xf32>) -> tensor<{K}x{N}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{K}x{K}xf32>, tensor<{K}x{N}xf32>) outs(%i : tensor<{K}x{N}xf32>) -> tensor<{K}x{N}xf32>
  return %y : tensor<{K}x{N}xf32>
}}
""")
np.savez(os.path.join(out, "in.npz"), x=np.eye(K, dtype=np.float32))
np.savez(os.path.join(out, "expected.npz"), fp8=fp8(), mxfp4=mxfp4(),
         mxfp6=mx("fp6e2m3"), mxfp8=mx("fp8e4m3"), mxint8=mx("int8"),
         mxfp4_round_up=mx("fp4e2m1", "round_up"),
         nvfp4=nvfp4(), nf4=nf4(), weight=w)
