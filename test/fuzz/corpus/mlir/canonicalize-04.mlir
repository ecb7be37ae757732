func.func @pack_constants() -> (tensor<2x2xi8>, tensor<2xi8>) {
  %c4 = arith.constant dense<[[1, -2, 7], [-8, 0, 3]]> : tensor<2x3xi4>
  %p4 = qf.pack %c4 : tensor<2x3xi4> -> tensor<2x2xi8>
  %c3 = arith.constant dense<[1, -1, 3, -4, 2]> : tensor<5xi3>
  %p3 = qf.pack %c3 : tensor<5xi3> -> tensor<2xi8>
  return %p4, %p3 : tensor<2x2xi8>, tensor<2xi8>
}
