// RUN: qf-opt %s --split-input-file --quant-prepare-qat --verify-diagnostics
// RUN: not qf-opt %s --quant-prepare-qat="scheme=f16" 2>&1 | FileCheck %s --check-prefix=FLOAT
// RUN: not qf-opt %s --quant-prepare-qat="scheme=nf4" 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: not qf-opt %s --quant-prepare-qat="scheme=w9a8" 2>&1 | FileCheck %s --check-prefix=SCHEME
// RUN: not qf-opt %s --quant-prepare-qat="group-fallback=row" 2>&1 | FileCheck %s --check-prefix=FALLBACK
// RUN: not qf-opt %s --quant-prepare-qat="gradient=smooth" 2>&1 | FileCheck %s --check-prefix=STE
// RUN: not qf-opt %s --quant-prepare-qat="rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=SEED
// RUN: not qf-opt %S/quant-prepare-qat.mlir --split-input-file --quant-prepare-qat="params-out=%t.missing/dir/x.npz" 2>&1 | FileCheck %s --check-prefix=EXPORT

// FLOAT: quant-prepare-qat: scheme 'f16' is not affine integers; fake quantization needs integer weights
// TABLE: quant-prepare-qat: scheme 'nf4' is not affine integers; fake quantization needs integer weights
// SCHEME: quant-prepare-qat: {{.*}}w9a8
// FALLBACK: for the --group-fallback option: Cannot find option named 'row'!
// STE: for the --gradient option: Cannot find option named 'smooth'!
// SEED: quant-prepare-qat: seed is required with rounding=stochastic and only then
// EXPORT: quant-prepare-qat: cannot write the export

// A group size that does not divide the reduction, without group-fallback.
// RUN: not qf-opt %S/quant-prepare-qat.mlir --split-input-file --quant-prepare-qat="scheme=w4a16g2" 2>&1 | FileCheck %s --check-prefix=GROUP
// GROUP: error: 'linalg.matmul' op weight operand: group size 2 does not divide the reduction dimension (1 along dimension 0 of the weight)

// Static activations need calibration statistics.
func.func @uncalibrated(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{fake quantization of activation operand 0 needs calibration statistics}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// NaN weights have no range.
func.func @nan_weight(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0x7FC00000> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 2.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  // expected-error @below {{weight operand: weight contains NaN or infinite values}}
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
