func.func @quantize_scale_count(%x: tensor<2x3xf32>) {
  %0 = qf.quantize %x half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return
}
