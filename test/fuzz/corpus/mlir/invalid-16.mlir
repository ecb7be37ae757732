func.func @requantize_axis_mismatch(%q: tensor<2x2x!quant.uniform<i32:f32:0, {0.5, 0.25}>>) {
  %0 = qf.requantize %q half_even : tensor<2x2x!quant.uniform<i32:f32:0, {0.5, 0.25}>> -> tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return
}
