func.func @quantize_to_float(%x: tensor<4xf32>) {
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4xf32>
  return
}
