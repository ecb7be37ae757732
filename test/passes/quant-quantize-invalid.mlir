// RUN: qf-opt %s --quant-quantize="scheme=w8a8" --split-input-file -verify-diagnostics
// RUN: not qf-opt %s --quant-quantize="scheme=w4a16g3" --split-input-file 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not qf-opt %s --quant-quantize="scheme=w9a8" 2>&1 | FileCheck %s --check-prefix=SCHEME
// RUN: not qf-opt %s --quant-quantize="scheme=w4a16q" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not qf-opt %s --quant-quantize="rounding=nearest" 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not qf-opt %s --quant-quantize="rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=SEED
// RUN: not qf-opt %s --quant-quantize="dynamic-activations=per-row" 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// RUN: not qf-opt %s --quant-quantize="act-bits=4" 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: not qf-opt %s --quant-quantize="granularity=group group-size=0" 2>&1 | FileCheck %s --check-prefix=GSIZE

// SCHEME: error: quant-quantize: scheme 'w9a8': weight bits must be 2, 3, 4 or 8
// NAME: error: quant-quantize: unknown scheme 'w4a16q'; expected wBaA[gN|t] (e.g. w8a8, w4a16g128, w8a8t), f16, bf16, fp8, fp8a8, mxfp4, mxfp6, mxfp8, mxfp8a8, mxint8, nvfp4 or nf4 (with gN)
// ROUNDING: for the --rounding option: Cannot find option named 'nearest'!
// SEED: error: quant-quantize: seed is required with rounding=stochastic and only then
// DYNAMIC: for the --dynamic-activations option: Cannot find option named 'per-row'!
// ACT: for the --act-bits option: Cannot find option named '4'!
// GSIZE: error: quant-quantize: group-size must be positive, got 0

// Static activation quantization needs the observer's calibrated range.
func.func @uncalibrated(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 : tensor<2x4xf32>
  // expected-error @below {{static activation quantization of operand 0 needs calibration statistics (min and max of a qf.observe): run qf-insert-observers and qf-calibrate first, or use dynamic-activations=per-token|per-tensor}}
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @nan_weight(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [1.0, 0x7FC00000, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{weight operand: weight contains NaN or infinite values; it cannot be quantized}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// GROUP: error: 'linalg.matmul' op weight operand: group size 3 does not divide the reduction dimension (4 along dimension 0 of the weight)
