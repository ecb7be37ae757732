func.func @unpack_rank(%p: tensor<12xi8>) {
  %0 = qf.unpack %p : tensor<12xi8> -> tensor<4x6xi4>
  return
}
