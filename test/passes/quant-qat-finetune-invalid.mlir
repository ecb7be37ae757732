// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-qat-finetune="group-size=4"
// RUN: not qf-opt %s --quant-qat-finetune="bits=1" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not qf-opt %s --quant-qat-finetune="lr=0" 2>&1 | FileCheck %s --check-prefix=LR
// RUN: not qf-opt %s --quant-qat-finetune="steps=-1" 2>&1 | FileCheck %s --check-prefix=STEPS
// RUN: not qf-opt %s --quant-qat-finetune="group-fallback=row" 2>&1 | FileCheck %s --check-prefix=FALLBACK

// BITS: error: quant-qat-finetune: bits must be in [2, 8], got 1
// LR: error: quant-qat-finetune: lr must be positive and finite
// STEPS: error: quant-qat-finetune: steps must not be negative
// FALLBACK: for the --group-fallback option: Cannot find option named 'row'!

// No calibrated Hessian on the input.
func.func @no_hessian(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 : tensor<3x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{QAT fine-tuning needs the calibrated Hessian of its input (a qf.observe with hessian [4, 4]): run qf-insert-observers and qf-calibrate hessian=true first}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A layer no calibration sample reached: its Hessian is zero.
func.func @never_reached(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<0.0> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{QAT fine-tuning: tr(W H W^T) is zero: no calibration data reached this layer, or its weight is zero}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Groups of 4 do not divide a reduction of 6.
func.func @group_size(%x: tensor<3x6xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<1.0> : tensor<6x6xf32>} : tensor<3x6xf32>
  %w = arith.constant dense<1.0> : tensor<6x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{group size 4 does not divide the reduction (6); use group-fallback=channel for per-channel parameters}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x6xf32>, tensor<6x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A NaN weight.
func.func @nan_weight(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<1.0> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<0x7FC00000> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  // expected-error @below {{QAT fine-tuning: the weight contains NaN or infinite values}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
