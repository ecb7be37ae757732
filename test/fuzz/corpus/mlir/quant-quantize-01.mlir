func.func @per_op_scheme(%x: tensor<2x2x4xf32>, %v: tensor<2x4xf32>) -> (tensor<2x2x3xf32>, tensor<2x3xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x4x3xf32>
  %w2 = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 1.0 : f32, min = -1.0 : f32} : tensor<2x2x4xf32>
  %y = linalg.batch_matmul {qf.scheme = #qf.scheme<weight = i8, act = i8, per_channel, symmetric, rounding = half_away>}
      ins(%xo, %w : tensor<2x2x4xf32>, tensor<2x4x3xf32>) outs(%f : tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %vo = qf.observe %v id 1 stats {max = 1.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  %z = linalg.matmul ins(%vo, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %z2 = linalg.matmul ins(%vo, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y, %z2 : tensor<2x2x3xf32>, tensor<2x3xf32>
}
