// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-gptq="group-size=4 true-sequential=false"
// RUN: not qf-opt %s --quant-gptq="bits=9 true-sequential=false" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not qf-opt %s --quant-gptq="damp=0 true-sequential=false" 2>&1 | FileCheck %s --check-prefix=DAMP
// RUN: not qf-opt %s --quant-gptq 2>&1 | FileCheck %s --check-prefix=SEQ
// RUN: not qf-opt %s --quant-gptq="group-fallback=row true-sequential=false" 2>&1 | FileCheck %s --check-prefix=FALLBACK

// BITS: error: quant-gptq: bits must be in [2, 8], got 9
// DAMP: error: quant-gptq: damp and block-size must be positive (damping is raised x10 until H is positive definite)
// SEQ: error: quant-gptq: true-sequential re-collects the inputs of later layers from the model: give data=CALIBRATION (as qf-calibrate's), or true-sequential=false
// FALLBACK: for the --group-fallback option: Cannot find option named 'row'!

// No calibrated Hessian on the input.
func.func @no_hessian(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 : tensor<3x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{GPTQ needs the calibrated Hessian of its input (a qf.observe with hessian [4, 4]): run qf-insert-observers and qf-calibrate hessian=true first}}
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
  // expected-error @below {{GPTQ: the Hessian is zero: no calibration data reached this layer}}
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

// A convolution cannot follow a reordered reduction: static groups.
func.func @conv_act_order(%x: tensor<1x3x3x4xf32>) -> tensor<1x1x1x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<1.0> : tensor<36x36xf32>} : tensor<1x3x3x4xf32>
  %w = arith.constant dense<1.0> : tensor<3x3x4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x1x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  // expected-remark @below {{GPTQ: act-order with groups on a convolution uses static groups}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xo, %w : tensor<1x3x3x4xf32>, tensor<3x3x4x2xf32>) outs(%f : tensor<1x1x1x2xf32>) -> tensor<1x1x1x2xf32>
  return %y : tensor<1x1x1x2xf32>
}

// -----

// An indefinite H (eigenvalues 4 and -2, twice): damping 0.01, 0.1 and 1
// fail, 10 succeeds.
func.func @indefinite(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 3.0, 0.0, 0.0], [3.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 3.0], [0.0, 0.0, 3.0, 1.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @below {{(raised x10 3 times) to be positive definite}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A negative diagonal no damping can fix.
func.func @negative(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[-1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 0.0, 0.0, -1.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{GPTQ: the Hessian is not positive definite even with damping}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
