!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:1, {0.1, 0.2}>
func.func @matmul_accumulator_granularity(%a: tensor<4x8x!qa>, %w: tensor<8x2x!qw>) {
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x2x!qw> -> tensor<4x2x!quant.uniform<i32:f32, 0.05>>
  return
}
