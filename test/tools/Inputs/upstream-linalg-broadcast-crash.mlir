!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1:2>

func.func @static_bias(%xq: tensor<2x4x!x>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %b = arith.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<2x2xf32>) dimensions =+ [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%bb : tensor<2x2xf32>) -> tensor<2x2xf32>
  %yq = qf.quantize %y half_away : tensor<2x2xf32> -> tensor<2x2x!y>
  %yd = qf.dequantize %yq : tensor<2x2x!y> -> tensor<2x2xf32>
  return %yd : tensor<2x2xf32>
}%
