// RUN: qf-opt %s --qf-check-capabilities=backend=cpu | FileCheck %s
// RUN: not qf-opt %s --load-backend-plugin=%qf_example_plugin --qf-check-capabilities=backend=example-int8 2>&1 | FileCheck %s --check-prefix=EXAMPLE
// RUN: not qf-opt %s --qf-check-capabilities=backend=nope 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// REQUIRES: backend-cpu

// The cpu backend takes 4-bit per-channel weights: the IR is unchanged.
// CHECK-LABEL: func.func @w4
// CHECK: %[[U:.*]] = qf.unpack
// CHECK: qf.dequantize %[[U]]

// The example plugin takes 8-bit per-tensor weights only: an error at the op.
// EXAMPLE: qf-check-capabilities.mlir:[[@LINE+6]]:8: error: backend 'example-int8' cannot run 4-bit weights (supported: i8); it supports weights i8, activations i8; granularity per-tensor; symmetric

// UNKNOWN: error: qf-check-capabilities: unknown backend 'nope' (known: {{.*}})
func.func @w4(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %c = arith.constant dense<[[-113], [-40], [46], [119]]> : tensor<4x1xi8>
  %u = qf.unpack %c : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {4.000000e-01:-3,2.000000e-01:-8}>>
  %w = qf.dequantize %u : tensor<4x2x!quant.uniform<i4:f32:1, {4.000000e-01:-3,2.000000e-01:-8}>> -> tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
