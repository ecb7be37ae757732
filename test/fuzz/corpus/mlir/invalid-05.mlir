func.func @seed_without_stochastic(%x: tensor<4xf32>) {
  %0 = qf.quantize %x half_even seed 3 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}
