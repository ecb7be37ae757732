!q = !quant.uniform<i8:f32, 0.5:-3>
!qc = !quant.uniform<i8:f32:1, {0.5, 0.25}>



func.func @casts(%x: tensor<4x2xf32>, %s: tensor<4x2x!qc>) -> (tensor<4x2xf32>, tensor<4x2x!qc>, tensor<4x2xf32>) {
  %q = quant.qcast %x : tensor<4x2xf32> to tensor<4x2x!q>
  %d = quant.dcast %q : tensor<4x2x!q> to tensor<4x2xf32>
  %c = quant.qcast %d : tensor<4x2xf32> to tensor<4x2x!qc>
  %dc = quant.dcast %s : tensor<4x2x!qc> to tensor<4x2xf32>
  return %d, %c, %dc : tensor<4x2xf32>, tensor<4x2x!qc>, tensor<4x2xf32>
}

func.func @storage_cast(%i: tensor<4xi8>) -> tensor<4x!q> {
  %0 = quant.scast %i : tensor<4xi8> to tensor<4x!q>
  return %0 : tensor<4x!q>
}
