func.func @pack_shape(%w: tensor<4x5x!quant.uniform<i4:f32, 0.1>>) {
  %0 = qf.pack %w : tensor<4x5x!quant.uniform<i4:f32, 0.1>> -> tensor<4x2xi8>
  return
}
