!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32, 0.25>
!y = !quant.uniform<i8:f32, 0.1>

func.func @accumulate(%xq: tensor<2x4x!x>, %acc: tensor<2x2xf32>) -> tensor<2x2x!y> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
  %yq = qf.quantize %y half_even : tensor<2x2xf32> -> tensor<2x2x!y>
  return %yq : tensor<2x2x!y>
}
