"""Two chained linear layers, for quant-gptq's true-sequential mode.

  gptq_sequential.py write DIR
      DIR/model.mlir (x [64, 64] -> W1 [64, 64] -> W2 [64, 32] -> y),
      DIR/calib.npz (4 samples of x), DIR/x.npz (a test input)
  gptq_sequential.py expect DIR OUT.npz SEQUENTIAL
      NumPy (gptq.py's reference): layer 1 with the Hessian of the
      calibration rows, layer 2 with that of layer 1's outputs computed with
      the quantized layer 1 (SEQUENTIAL=1) or the float one (0); writes y on
      the test input to OUT.npz
  gptq_sequential.py same A.npz B.npz
      "same" when the outputs agree to 1e-5 of their largest value (one
      code differing moves them by far more), "DIFFERENT" otherwise
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gptq  # noqa: E402

M, K1, K2, N = 64, 64, 64, 32
SAMPLES = 4
BITS, GROUP = 4, 16


def weights():
    rng = np.random.default_rng(5)
    w1 = (rng.normal(0, 1, (K1, K2)) / np.sqrt(K1)).astype(np.float32)
    w2 = (rng.normal(0, 1, (K2, N)) / np.sqrt(K2)).astype(np.float32)
    calib = rng.normal(0, 1, (SAMPLES, M, K1)).astype(np.float32)
    x = rng.normal(0, 1, (M, K1)).astype(np.float32)
    return w1, w2, calib, x


def hessian(rows):
    """2/N X^T X in double, stored in float32 as qf-calibrate does."""
    rows = rows.astype(np.float64)
    return (2.0 / rows.shape[0] * rows.T @ rows).astype(np.float32)


def quantized(w_ir, h):
    """gptq.py with the pass's defaults (act-order) on an IR weight [K, N];
    the dequantized weight as the model computes it."""
    code, scale, zero, _ = gptq.gptq(w_ir.T, h, bits=BITS, group_size=GROUP,
                                     act_order=True)
    return (scale.astype(np.float32) *
            (code - zero).astype(np.float32)).T


def write(d):
    w1, w2, calib, x = weights()
    mlir = f"""func.func @main(%x: {gptq.tensor((M, K1))} {{qf.name = "x"}}) -> ({gptq.tensor((M, N))} {{qf.name = "y"}}) {{
  %w1 = arith.constant {gptq.dense(w1)}
  %w2 = arith.constant {gptq.dense(w2)}
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : {gptq.tensor((M, K2))}
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : {gptq.tensor((M, K2))}) -> {gptq.tensor((M, K2))}
  %h = linalg.matmul ins(%x, %w1 : {gptq.tensor((M, K1))}, {gptq.tensor((K1, K2))}) outs(%f1 : {gptq.tensor((M, K2))}) -> {gptq.tensor((M, K2))}
  %e2 = tensor.empty() : {gptq.tensor((M, N))}
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : {gptq.tensor((M, N))}) -> {gptq.tensor((M, N))}
  %y = linalg.matmul ins(%h, %w2 : {gptq.tensor((M, K2))}, {gptq.tensor((K2, N))}) outs(%f2 : {gptq.tensor((M, N))}) -> {gptq.tensor((M, N))}
  return %y : {gptq.tensor((M, N))}
}}
"""
    open(os.path.join(d, "model.mlir"), "w").write(mlir)
    np.savez(os.path.join(d, "calib.npz"), x=calib)
    np.savez(os.path.join(d, "x.npz"), x=x)


def expect(d, out, sequential):
    w1, w2, calib, x = weights()
    rows = calib.reshape(-1, K1)
    w1q = quantized(w1, hessian(rows))
    h2 = hessian(rows @ (w1q if sequential else w1))
    w2q = quantized(w2, h2)
    np.savez(out, y=(x @ w1q) @ w2q)


def main(argv):
    if argv[1] == "write":
        write(argv[2])
    elif argv[1] == "expect":
        expect(argv[2], argv[3], argv[4] == "1")
    else:
        a, b = np.load(argv[2])["y"], np.load(argv[3])["y"]
        same = np.abs(a - b).max() <= 1e-5 * np.abs(b).max()
        print("same" if same else "DIFFERENT")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
