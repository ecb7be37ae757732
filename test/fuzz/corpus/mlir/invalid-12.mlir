func.func @quantize_shape_mismatch(%x: tensor<4xf32>) {
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<5x!quant.uniform<i8:f32, 0.5>>
  return
}
