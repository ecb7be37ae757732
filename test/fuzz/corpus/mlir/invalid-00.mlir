func.func @observe_negative_id(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qf.observe %x id -1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}
