func.func @zero_point_out_of_range(%x: tensor<4xf32>) {
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:200>>
  return
}
