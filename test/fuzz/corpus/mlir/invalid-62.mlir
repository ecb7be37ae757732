func.func @dynamic_scale_shape(%x: tensor<4x8xf32>) {
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<3x1xf32>
  return
}
