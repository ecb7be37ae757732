func.func @nan_scale(%x: tensor<4xf32>) {
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0x7FF8000000000000>>
  return
}
