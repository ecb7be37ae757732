// RUN: qf-opt %s --quant-smoothquant -verify-diagnostics

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>

// Smoothing needs the calibrated per-channel maxima of the group's input.
func.func @uncalibrated(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %gamma = arith.constant dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %gamma : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %yo = qf.observe %y id 0 : tensor<2x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{smoothing needs the calibrated per-channel maxima of its input (in_abs_max of a qf.observe): run qf-insert-observers and qf-calibrate first}}
  %q = linalg.matmul ins(%yo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %q : tensor<2x3xf32>
}
