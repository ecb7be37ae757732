!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_narrow_accumulator(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x16x!quant.uniform<i16:f32, 0.05>>
  return
}
