!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_ranks(%a: tensor<2x4x8x!qa>, %w: tensor<8x!qw>) {
  %0 = qf.matmul %a, %w : tensor<2x4x8x!qa>, tensor<8x!qw> -> tensor<2x4x!quant.uniform<i32:f32, 0.05>>
  return
}
