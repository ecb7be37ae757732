func.func @nan_channel_scale(%x: tensor<2x2xf32>) {
  %0 = qf.quantize %x half_even : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0x7FF8000000000000}>>
  return
}
