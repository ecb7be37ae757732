// A float matmul whose activation ranges were calibrated (qf.observe with
// statistics): what examples/c/host.c quantizes to int8 and lowers.
func.func @main(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 1.0, -1.0], [2.0, 0.0, 0.5], [-0.5, 0.5, 1.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 2.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %yo = qf.observe %y id 1 stats {max = 6.0 : f32, min = -4.0 : f32} : tensor<2x3xf32>
  return %yo : tensor<2x3xf32>
}
