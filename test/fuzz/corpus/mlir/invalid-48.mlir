func.func @unpack_from_i16(%p: tensor<4x3xi16>) {
  %0 = qf.unpack %p : tensor<4x3xi16> -> tensor<4x6xi4>
  return
}
