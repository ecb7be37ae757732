// REQUIRES: backend-cpu
// RUN: %numpy_python -c "import numpy as np; rng = np.random.default_rng(5); np.savez('%t.npz', x=rng.normal(size=(4, 2, 6)).astype(np.float32) * np.array([1, 2, 0.5, 3, 1, 0.1], np.float32))"
// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-insert-observers,qf-calibrate{data=%t.npz progress=false},quant-quantize{scheme=w4a16g3 symmetric=false report=%t.json})' -o /dev/null
// RUN: FileCheck %s < %t.json
// RUN: qf-opt %s --quant-quantize="scheme=w4a16g3 symmetric=false report=%t-nocal.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=NOCAL < %t-nocal.json

// The layer's output error on the calibration rows X (4 samples of 2 rows)
// from the Hessian the calibration attached: ||X (dq(q(W)) - W)|| / ||X W||.
// NumPy, decoding the emitted int4 codes and scales and multiplying the same
// X directly, gets 0.0599404953 (and 0.0515645429 for the weight error).
// CHECK: "output_error": 0.059940{{[0-9]+}},
// CHECK: "weight_error": 0.051564{{[0-9]+}}
// Without calibration there is no Hessian and no output error.
// NOCAL: "output_error": null,

func.func @main(%x: tensor<2x6xf32> {qf.name = "x"}) -> tensor<2x3xf32> {
  %w6 = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, 0.5, 3.0], [1.0, 2.0, -3.0], [0.25, 2.0, 3.0], [1.0, -2.0, 3.0], [1.5, 2.0, 0.0]]> : tensor<6x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = linalg.matmul ins(%x, %w6 : tensor<2x6xf32>, tensor<6x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}
