func.func @dynamic_dequantize_type(%q: tensor<4x8x!quant.uniform<i8:f32, 1.0>>, %s: tensor<4x1xf16>) {
  %y = qf.dynamic_dequantize %q, %s : tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4x1xf16> -> tensor<4x8xf32>
  return
}
