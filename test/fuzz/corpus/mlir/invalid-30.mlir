!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:0, {0.1, 0.2}>
func.func @matmul_channel_on_contraction(%a: tensor<4x2x!qa>, %w: tensor<2x16x!qw>) {
  %0 = qf.matmul %a, %w : tensor<4x2x!qa>, tensor<2x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.05>>
  return
}
