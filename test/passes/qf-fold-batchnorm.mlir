// RUN: qf-opt %s --split-input-file --qf-fold-batchnorm --verify-diagnostics | FileCheck %s

// Conv -> bias add -> transpose to NCHW -> BN (x * a + b with a = [2, 0.5],
// b = [1, -3] on channel dim 1). By hand: filter column f times a[f]:
// [[1, 2], [3, 4]] -> [[2, 1], [6, 2]]; bias [0.5, -1] -> [0.5 * 2 + 1,
// -1 * 0.5 - 3] = [2, -3.5]; the BN generic is gone.
// CHECK-LABEL: func.func @conv_bias_bn
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00, 1.000000e+00], [6.000000e+00, 2.000000e+00]]]]> : tensor<1x1x2x2xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%arg0, %[[W]] :
// CHECK: %[[B:.*]] = arith.constant dense<[2.000000e+00, -3.500000e+00]> : tensor<2xf32>
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[C]], %[[B]] :
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[A]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[T]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch3 = affine_map<(d0, d1, d2, d3) -> (d3)>
#ch1 = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
func.func @conv_bias_bn(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %bias = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %a = arith.constant dense<[[[2.0]], [[0.5]]]> : tensor<2x1x1xf32>
  %b = arith.constant dense<[[[1.0]], [[-3.0]]]> : tensor<2x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x2x2xf32>, tensor<1x1x2x2xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %e2 = tensor.empty() : tensor<1x2x2x2xf32>
  %biased = linalg.generic {indexing_maps = [#id, #ch3, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c, %bias : tensor<1x2x2x2xf32>, tensor<2xf32>) outs(%e2 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %bb: f32, %out: f32):
    %s = arith.addf %in, %bb : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2xf32>
  %e3 = tensor.empty() : tensor<1x2x2x2xf32>
  %t = linalg.transpose ins(%biased : tensor<1x2x2x2xf32>) outs(%e3 : tensor<1x2x2x2xf32>) permutation = [0, 3, 1, 2]
  %e4 = tensor.empty() : tensor<1x2x2x2xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch1, #ch1, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t, %a, %b : tensor<1x2x2x2xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>) outs(%e4 : tensor<1x2x2x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %m = arith.mulf %in, %aa : f32
    %s = arith.addf %m, %bb : f32
    linalg.yield %s : f32
  } -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Matmul without bias -> BN1d (a = [4, -1], b = [0.25, 0] on dim 1): the
// weight's columns scale ([[1, 2]] -> [[4, -2]]) and the BN becomes an add
// of b (the operand order of the body does not matter).
// CHECK-LABEL: func.func @matmul_bn
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, -2.000000e+00]]> : tensor<1x2xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[2.500000e-01, 0.000000e+00]> : tensor<2xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%arg0, %[[W]] :
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[B]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK: return %[[A]]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @matmul_bn(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %a = arith.constant dense<[4.0, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [#col, #id2, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%b, %m, %a : tensor<2xf32>, tensor<3x2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%bb: f32, %in: f32, %aa: f32, %out: f32):
    %p = arith.mulf %aa, %in : f32
    %s = arith.addf %bb, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// An affine map on a function argument (LayerNorm's gamma and beta) is no
// batch normalization to fold: untouched, without a remark.
// CHECK-LABEL: func.func @not_after_a_layer
// CHECK: arith.mulf
// CHECK: arith.addf
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @not_after_a_layer(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = arith.constant dense<[4.0, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A layer whose output is also used elsewhere keeps its BN, with a remark.
// CHECK-LABEL: func.func @shared_output
// CHECK: arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00]]>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @shared_output(%x: tensor<3x1xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %a = arith.constant dense<[4.0, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  // expected-remark @below {{per-channel affine (batch normalization) not folded: the layer's output has other users}}
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y, %m : tensor<3x2xf32>, tensor<3x2xf32>
}
