func.func @dynamic_scale_rank(%x: tensor<4x8xf32>) {
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4xf32>
  return
}
