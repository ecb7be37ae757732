!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32, 0.25>

func.func @float_result(%xq: tensor<2x4x!x>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
