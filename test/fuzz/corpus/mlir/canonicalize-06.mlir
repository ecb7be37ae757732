!u4 = !quant.uniform<u4:f32, 0.75:8>
func.func @pack_round_trips(%w: tensor<2x5x!u4>, %full: tensor<2x4xi8>, %padded: tensor<2x3xi8>)
    -> (tensor<2x5x!u4>, tensor<2x4xi8>, tensor<2x3xi8>) {
  %0 = qf.pack %w : tensor<2x5x!u4> -> tensor<2x3xi8>
  %1 = qf.unpack %0 : tensor<2x3xi8> -> tensor<2x5x!u4>
  %2 = qf.unpack %full : tensor<2x4xi8> -> tensor<2x8x!u4>
  %3 = qf.pack %2 : tensor<2x8x!u4> -> tensor<2x4xi8>
  %4 = qf.unpack %padded : tensor<2x3xi8> -> tensor<2x5x!u4>
  %5 = qf.pack %4 : tensor<2x5x!u4> -> tensor<2x3xi8>
  return %1, %3, %5 : tensor<2x5x!u4>, tensor<2x4xi8>, tensor<2x3xi8>
}
