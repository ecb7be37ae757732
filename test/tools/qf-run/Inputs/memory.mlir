// Weights: w, 64x32 f32 (8192 bytes), and b, 32 f32 (128 bytes): 8320.
// Activations, ops in order: x (8x64 f32, 2048 bytes) is alive from the
// start to the matmul; the empty (1024) until the fill; the fill's result
// (1024) until the generic; the product (1024) until the generic; the sum
// (1024) to the return. The constants' values are the weights. At the
// fill and at the matmul, 4096 bytes are alive: the peak. Total 12416.
func.func @main(%x: tensor<8x64xf32>) -> tensor<8x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %b = arith.constant dense<1.0> : tensor<32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%i : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<8x32xf32>, tensor<32xf32>) outs(%i : tensor<8x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
