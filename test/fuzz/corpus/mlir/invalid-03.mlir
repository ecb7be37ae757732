func.func @observe_integer(%x: tensor<4xi8>) -> tensor<4xi8> {
  %0 = qf.observe %x id 1 : tensor<4xi8>
  return %0 : tensor<4xi8>
}
