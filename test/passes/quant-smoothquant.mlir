// RUN: qf-opt %s --split-input-file --quant-smoothquant="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: qf-opt %s --split-input-file --quant-smoothquant="insert-scale=true report=%t-scale.json" | FileCheck %s --check-prefix=SCALE
// RUN: FileCheck %s --check-prefix=SCALE-REPORT < %t-scale.json
// RUN: not qf-opt %s --split-input-file --quant-smoothquant="alpha=1.5" 2>&1 | FileCheck %s --check-prefix=ALPHA

// ALPHA: error: quant-smoothquant: alpha must be in [0, 1] and min-scale positive

// With in_abs_max A = [8, 0.5, 2, 1] and the weights' row maxima over both
// consumers W = [4, 2, 3, 4], alpha 0.5: s = sqrt(A / W) =
// [2.8284271, 0.5, 0.8164966, 0.5] (NumPy). gamma / s, beta / s, and each
// weight row j times s_j, as NumPy computes them; the observer's range is
// dropped (calibrate again).
// CHECK-LABEL: func.func @smoothed
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[0.353553385, 4.000000e+00, 0.612372457, -2.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[0.0353553407, -4.000000e-01, 0.000000e+00, 6.000000e-01]> : tensor<4xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[G]], %[[B]] :
// CHECK: %[[O:.*]] = qf.observe %{{.*}} id 0 : tensor<2x4xf32>
// CHECK: %[[W1:.*]] = arith.constant dense<{{\[\[}}1.41421354, -2.82842708, 0.707106769], [1.000000e+00, 5.000000e-02, -1.500000e-01], [0.163299322, 0.163299322, 0.163299322], [-2.000000e+00, 5.000000e-01, 2.500000e-01]]> : tensor<4x3xf32>
// CHECK: linalg.matmul ins(%[[O]], %[[W1]] :
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[}}2.82842708, 0.000000e+00], [0.000000e+00, -2.500000e-01], [2.44948983, 0.816496611], [5.000000e-02, 1.000000e-01]]> : tensor<4x2xf32>
// CHECK: linalg.matmul ins(%[[O]], %[[W2]] :

// The report of the last function (each split input writes it anew).
// REPORT: "status": "smoothed"
// With insert-scale, the linear producer's own matmul reads an argument no
// observer watches: left alone.
// SCALE-REPORT: "status": "left alone: the producer cannot absorb a per-channel scale and its input is not observed"
// SCALE-REPORT: "status": "smoothed"

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>

// A LayerNorm-like producer, x * gamma + beta, feeding two matmuls (as Q/K/V
// share their input) through one calibrated observer.
func.func @smoothed(%x: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x2xf32>) {
  %gamma = arith.constant dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>
  %beta = arith.constant dense<[0.1, -0.2, 0.0, 0.3]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %gamma, %beta : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    %r = arith.addf %m, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %yo = qf.observe %y id 0 stats {in_abs_max = dense<[8.0, 0.5, 2.0, 1.0]> : tensor<4xf32>, max = 9.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  %w1 = arith.constant dense<[[0.5, -1.0, 0.25], [2.0, 0.1, -0.3], [0.2, 0.2, 0.2], [-4.0, 1.0, 0.5]]> : tensor<4x3xf32>
  %w2 = arith.constant dense<[[1.0, 0.0], [0.0, -0.5], [3.0, 1.0], [0.1, 0.2]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %q = linalg.matmul ins(%yo, %w1 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %k = linalg.matmul ins(%yo, %w2 : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %q, %k : tensor<2x3xf32>, tensor<2x2xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>

// The producer's output is also returned (a residual): dividing gamma would
// change it, so the group is left alone.
// CHECK-LABEL: func.func @other_user
// CHECK: arith.constant dense<[1.000000e+00, 2.000000e+00, 5.000000e-01, -1.000000e+00]>
// CHECK-NOT: arith.constant dense<[0.353553385
// With insert-scale, an explicit x / s (s = sqrt(A / 1) = [2.8284271,
// 0.70710678, 1.4142136, 1]) goes between the producer and the observer;
// the residual keeps the unscaled value.
// SCALE-LABEL: func.func @other_user
// SCALE: %[[Y:.*]] = linalg.generic
// SCALE: %[[INV:.*]] = arith.constant dense<[0.353553385, 1.41421354, 0.707106769, 1.000000e+00]> : tensor<4xf32>
// SCALE: %[[S:.*]] = linalg.generic {{.*}} ins(%[[Y]], %[[INV]] : tensor<2x4xf32>, tensor<4xf32>)
// SCALE: arith.mulf
// SCALE: %[[O:.*]] = qf.observe %[[S]]
// SCALE: %[[W:.*]] = arith.constant dense<{{\[\[}}2.82842708, 2.82842708, 2.82842708], [0.707106769, 0.707106769, 0.707106769], [1.41421354, 1.41421354, 1.41421354], [1.000000e+00, 1.000000e+00, 1.000000e+00]]>
// SCALE: linalg.matmul ins(%[[O]], %[[W]] :
// SCALE: return %{{.*}}, %[[Y]] :
func.func @other_user(%x: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x4xf32>) {
  %gamma = arith.constant dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %gamma : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %yo = qf.observe %y id 0 stats {in_abs_max = dense<[8.0, 0.5, 2.0, 1.0]> : tensor<4xf32>} : tensor<2x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %q = linalg.matmul ins(%yo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %q, %y : tensor<2x3xf32>, tensor<2x4xf32>
}

// -----

// A producer that cannot absorb a scale (the function's argument, through
// a reshape): left alone, weights unchanged.
// CHECK-LABEL: func.func @no_absorber
// CHECK: arith.constant dense<1.000000e+00> : tensor<4x3xf32>
// With insert-scale the scale goes on the argument, before the reshape.
// SCALE-LABEL: func.func @no_absorber
// SCALE: %[[INV:.*]] = arith.constant dense<[0.353553385, 1.41421354, 0.707106769, 1.000000e+00]> : tensor<4xf32>
// SCALE: %[[S:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0, %[[INV]] : tensor<1x2x4xf32>, tensor<4xf32>)
// SCALE: %[[R:.*]] = tensor.collapse_shape %[[S]]
// SCALE: qf.observe %[[R]]
// SCALE: arith.constant dense<{{\[\[}}2.82842708, 2.82842708, 2.82842708], [0.707106769
func.func @no_absorber(%x: tensor<1x2x4xf32>) -> tensor<2x3xf32> {
  %r = tensor.collapse_shape %x [[0, 1], [2]] : tensor<1x2x4xf32> into tensor<2x4xf32>
  %xo = qf.observe %r id 0 stats {in_abs_max = dense<[8.0, 0.5, 2.0, 1.0]> : tensor<4xf32>} : tensor<2x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %q = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %q : tensor<2x3xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>

// A linear layer (+ bias) as the producer: its weight's output columns and
// its bias are divided. A = [16, 1, 4, 64], consumer row maxima [2, 0.5, 4,
// 1]: s = sqrt(A / W) = [2.8284271, 1.4142136, 1, 8] (NumPy).
// CHECK-LABEL: func.func @linear_producer
// CHECK: %[[W0:.*]] = arith.constant dense<{{\[\[}}0.353553385, -1.41421354, 5.000000e-01, 5.000000e-01], [0.176776692, 0.707106769, -1.000000e+00, 2.500000e-01], [0.707106769, 0.000000e+00, 1.000000e+00, -1.000000e+00]]> : tensor<3x4xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W0]] :
// CHECK: %[[B:.*]] = arith.constant dense<[0.176776692, -0.707106769, 2.000000e+00, 5.000000e-01]> : tensor<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[B]], %{{.*}} :
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}2.82842708, 5.65685415], [-0.707106769, 0.353553385], [4.000000e+00, 1.000000e+00], [4.000000e+00, -8.000000e+00]]> : tensor<4x2xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :
func.func @linear_producer(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  %w0 = arith.constant dense<[[1.0, -2.0, 0.5, 4.0], [0.5, 1.0, -1.0, 2.0], [2.0, 0.0, 1.0, -8.0]]> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x4xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul ins(%x, %w0 : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f0 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %b = arith.constant dense<[0.5, -1.0, 2.0, 4.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %hb = linalg.generic {indexing_maps = [#ch, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%b, %h : tensor<4xf32>, tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%bi: f32, %hi: f32, %o: f32):
    %r = arith.addf %bi, %hi : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %ho = qf.observe %hb id 0 stats {in_abs_max = dense<[16.0, 1.0, 4.0, 64.0]> : tensor<4xf32>} : tensor<2x4xf32>
  %w = arith.constant dense<[[1.0, 2.0], [-0.5, 0.25], [4.0, 1.0], [0.5, -1.0]]> : tensor<4x2xf32>
  %e1 = tensor.empty() : tensor<2x2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%ho, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
