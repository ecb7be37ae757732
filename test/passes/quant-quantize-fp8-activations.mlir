// RUN: qf-opt %s --quant-quantize="scheme=fp8a8" --split-input-file -verify-diagnostics | FileCheck %s
// RUN: not qf-opt %s --quant-quantize="scheme=fp8a8 dynamic-activations=per-token" --split-input-file 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// RUN: not qf-opt %s --quant-quantize="scheme=fp8a8 rounding=stochastic seed=1" --split-input-file 2>&1 | FileCheck %s --check-prefix=ROUNDING

// FP8 W8A8 (fp8a8): the weight's codes are E4M3FN with a float32 scale per
// output channel; the activation is rounded to E4M3FN under one static
// scale from its calibrated range, f32(amax / 448): here amax = 2.24, so
// the scale is 0.005. The output observer goes; the output stays f32.

func.func @matmul(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 1.0, -1.0], [2.0, 0.0, 0.5], [-0.5, 0.5, 1.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 1.0 : f32, min = -2.24 : f32} : tensor<2x4xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %yo = qf.observe %y id 1 stats {max = 6.0 : f32, min = -4.0 : f32} : tensor<2x3xf32>
  return %yo : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK: %[[W:.*]] = qf.dequantize_table {{.*}} : tensor<256xf32> : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x3xf32>
// CHECK: %[[X:.*]] = qf.round_to_float %arg0 scale 5.000000e-03 : f8E4M3FN, tensor<2x4xf32>
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<2x4xf32>, tensor<4x3xf32>)
// CHECK-NOT: qf.observe
// CHECK: return %[[Y]]

// -----

// Two consumers of one activation share one rounding.
func.func @shared(%x: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 4.48 : f32, min = 0.0 : f32} : tensor<2x4xf32>
  %a = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @shared
// CHECK-COUNT-1: qf.round_to_float %arg0 scale 0.00999999977 : f8E4M3FN
// CHECK-NOT: qf.round_to_float

// -----

// Without calibration there is no scale.
func.func @uncalibrated(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{'linalg.matmul' op activations of 'f8E4M3FN' (operand 0) need calibration statistics (min and max of a qf.observe): run qf-insert-observers and qf-calibrate first}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A range so small that amax / 448 leaves the normal float32 range has no
// FP8 scale (scaled values would not be the format's).
func.func @tiny_range(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{'qf.observe' op the 'f8E4M3FN' scale of the calibrated range [0.000000e+00, 9.999946e-41] is 2.228065e-43, outside the normal float32 range}}
  %xo = qf.observe %x id 0 stats {max = 1.0e-40 : f32, min = 0.0 : f32} : tensor<2x4xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// DYNAMIC: error: 'linalg.matmul' op activations of 'f8E4M3FN' take a calibrated scale per tensor: dynamic-activations must be none
// ROUNDING: error: 'linalg.matmul' op activations of 'f8E4M3FN' round half_even only
