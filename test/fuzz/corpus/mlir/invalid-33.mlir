!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:{0:4}, {{0.1}, {0.2}}>
func.func @matmul_blocked_rhs(%a: tensor<4x8x!qa>, %w: tensor<8x1x!qw>) {
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x1x!qw> -> tensor<4x1x!quant.uniform<i32:f32, 0.05>>
  return
}
