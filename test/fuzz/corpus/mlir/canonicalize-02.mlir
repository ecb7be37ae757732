!q = !quant.uniform<i8:f32, 0.5:3>
func.func @quantize_of_dequantize(%q: tensor<4x!q>)
    -> (tensor<4x!q>, tensor<4x!q>, tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25:3>>) {
  %d = qf.dequantize %q : tensor<4x!q> -> tensor<4xf32>
  %0 = qf.quantize %d half_even : tensor<4xf32> -> tensor<4x!q>
  %1 = qf.quantize %d half_away : tensor<4xf32> -> tensor<4x!q>
  %2 = qf.quantize %d floor : tensor<4xf32> -> tensor<4x!q>
  %3 = qf.quantize %d half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.25:3>>
  return %0, %1, %2, %3 : tensor<4x!q>, tensor<4x!q>, tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25:3>>
}
