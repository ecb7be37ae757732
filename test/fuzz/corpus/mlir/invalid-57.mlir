func.func @narrow_zero_point(%q: tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-128>>) {
  %0 = qf.dequantize %q : tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-128>> -> tensor<4xf32>
  return
}
