// RUN: qf-opt %s --split-input-file --qf-fold-batchnorm --verify-diagnostics

// A negative variance gives a NaN scale: an error at the normalization.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @nan_scale(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %a = arith.constant dense<[4.0, 0x7FC00000]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  // expected-error @below {{cannot fold batch normalization: the scale of channel 1 is nan}}
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// An infinite weight cannot be scaled: an error at the layer.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @inf_weight(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 0x7F800000]]> : tensor<1x2xf32>
  %a = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{cannot fold batch normalization: the weight is not finite}}
  %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A BN after a matmul whose weight is an argument: kept, with a remark.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @variable_weight(%x: tensor<3x1xf32>, %w: tensor<1x2xf32>) -> tensor<3x2xf32> {
  %a = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  // expected-remark @below {{not folded: the layer's weight is not a constant}}
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
