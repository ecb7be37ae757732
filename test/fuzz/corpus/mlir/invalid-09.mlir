func.func @quantize_block_does_not_divide(%x: tensor<2x6xf32>) {
  %0 = qf.quantize %x half_even : tensor<2x6xf32> -> tensor<2x6x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>>
  return
}
