!qa = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!qw = !quant.uniform<i8:f32:1, {0.1, 0.2}>
func.func @matmul_both_per_channel(%a: tensor<2x8x!qa>, %w: tensor<8x2x!qw>) {
  %0 = qf.matmul %a, %w : tensor<2x8x!qa>, tensor<8x2x!qw> -> tensor<2x2x!quant.uniform<i32:f32, 0.05>>
  return
}
