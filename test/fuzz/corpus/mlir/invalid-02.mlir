func.func @observe_min_not_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qf.observe %x id 1 stats {min = "low"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
