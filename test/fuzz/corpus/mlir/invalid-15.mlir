func.func @requantize_expressed_mismatch(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  %0 = qf.requantize %q half_even : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f16, 0.5>>
  return
}
