func.func @requantize_blocked(%q: tensor<2x8x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>>) {
  %0 = qf.requantize %q half_even : tensor<2x8x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>> -> tensor<2x8x!quant.uniform<i8:f32, 0.5>>
  return
}
