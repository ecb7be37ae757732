func.func @dynamic_scaled_result(%x: tensor<4x8xf32>) {
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.5>>, tensor<4x1xf32>
  return
}
