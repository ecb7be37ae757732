func.func @quantize_unknown_rounding(%x: tensor<4xf32>) {
  %0 = qf.quantize %x nearest : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}
