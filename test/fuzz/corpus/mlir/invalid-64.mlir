func.func @dynamic_stochastic_seed(%x: tensor<4x8xf32>) {
  %q, %s = qf.dynamic_quantize %x stochastic : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4x1xf32>
  return
}
