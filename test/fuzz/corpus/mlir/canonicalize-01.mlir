func.func @observe_kept(%x: tensor<4xf32>) {
  %0 = qf.observe %x id 7 : tensor<4xf32>
  return
}
