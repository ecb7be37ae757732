!q = !quant.uniform<i8:f32, 0.5:3>
func.func @requantize_identity(%q: tensor<4x!q>) -> (tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25>>) {
  %0 = qf.requantize %q floor : tensor<4x!q> -> tensor<4x!q>
  %1 = qf.requantize %q floor : tensor<4x!q> -> tensor<4x!quant.uniform<i8:f32, 0.25>>
  return %0, %1 : tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25>>
}
