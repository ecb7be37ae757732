func.func @fake_quant_survives(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %f = qf.fake_quant %x as !quant.uniform<i8:f32, 0.5> half_even clipped : tensor<4xf32>
  %q = qf.quantize %f half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %d = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xf32>
  %uq = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  %ud = quant.dcast %uq : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  return %d, %ud : tensor<4xf32>, tensor<4xf32>
}
