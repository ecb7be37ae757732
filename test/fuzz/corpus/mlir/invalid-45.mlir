func.func @pack_full_bytes(%w: tensor<4x8x!quant.uniform<i8:f32, 0.1>>) {
  %0 = qf.pack %w : tensor<4x8x!quant.uniform<i8:f32, 0.1>> -> tensor<4x8xi8>
  return
}
