func.func @dequantize_expressed_mismatch(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  %0 = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xbf16>
  return
}
