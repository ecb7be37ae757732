func.func @stochastic_without_seed(%x: tensor<4xf32>) {
  %0 = qf.quantize %x stochastic : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}
