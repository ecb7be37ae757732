!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @matmul_bias_shape(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>, %b: tensor<8x!acc>) {
  %0 = qf.matmul %a, %w bias %b : tensor<4x8x!qa>, tensor<8x16x!qw>, tensor<8x!acc> -> tensor<4x16x!acc>
  return
}
