func.func @quantize_expressed_mismatch(%x: tensor<4xf16>) {
  %0 = qf.quantize %x half_even : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}
