// An activation quantized per channel, which the cpu backend refuses.
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = qf.quantize %x half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  %d = qf.dequantize %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}
