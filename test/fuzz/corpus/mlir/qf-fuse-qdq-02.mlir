!w = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>
!u = !quant.uniform<i8<-127:127>:f32, 1.0>

func.func @dynamic(%x0: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %q, %s = qf.dynamic_quantize %x0 half_even : tensor<2x4xf32> -> tensor<2x4x!u>, tensor<2x1xf32>
  %x = qf.dynamic_dequantize %q, %s : tensor<2x4x!u>, tensor<2x1xf32> -> tensor<2x4xf32>
  %b = arith.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<2x2xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%bb : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
