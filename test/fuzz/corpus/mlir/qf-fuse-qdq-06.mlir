!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32:2, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1>

func.func @batch(%xq: tensor<3x2x4x!x>) -> tensor<3x2x2x!y> {
  %wc = arith.constant dense<1> : tensor<3x4x2xi8>
  %wq = quant.scast %wc : tensor<3x4x2xi8> to tensor<3x4x2x!w>
  %w = qf.dequantize %wq : tensor<3x4x2x!w> -> tensor<3x4x2xf32>
  %x = qf.dequantize %xq : tensor<3x2x4x!x> -> tensor<3x2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<3x2x4xf32>, tensor<3x4x2xf32>) outs(%f : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %yq = qf.quantize %y half_even : tensor<3x2x2xf32> -> tensor<3x2x2x!y>
  return %yq : tensor<3x2x2x!y>
}
