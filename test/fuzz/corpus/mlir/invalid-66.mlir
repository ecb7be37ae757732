func.func @dynamic_dequantize_blocked(%q: tensor<4x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>, %s: tensor<4x1xf32>) {
  %y = qf.dynamic_dequantize %q, %s : tensor<4x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>, tensor<4x1xf32> -> tensor<4x8xf32>
  return
}
