!x = !quant.uniform<i8:f32, 0.5:-3>
!w4 = !quant.uniform<i4:f32:{0:2, 1:1}, {{0.5:1, 0.25:0}, {0.5:1, 0.25:0}}>

func.func @weight_only(%x: tensor<2x4xf32>, %p: tensor<4x1xi8>) -> tensor<2x2xf32> {
  %wq = qf.unpack %p : tensor<4x1xi8> -> tensor<4x2x!w4>
  %w = qf.dequantize %wq : tensor<4x2x!w4> -> tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
