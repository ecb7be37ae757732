func.func @fake_quant_not_quantized(%x: tensor<4xf32>) {
  %0 = qf.fake_quant %x as i8 half_even clipped : tensor<4xf32>
  return
}
