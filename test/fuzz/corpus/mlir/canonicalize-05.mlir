func.func @unpack_constants() -> tensor<2x3xi4> {
  %p = arith.constant dense<[[-31, 7], [8, 3]]> : tensor<2x2xi8>
  %u = qf.unpack %p : tensor<2x2xi8> -> tensor<2x3xi4>
  return %u : tensor<2x3xi4>
}
