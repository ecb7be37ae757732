// Two integer convolutions for qf-conv2d-run.test.
// @grouped: uint8 input (zp 128) padded [1, 1, 0, 1], strides [2, 1],
// dilations [1, 2], 2 groups, per-channel filter zero points, bias.
func.func @grouped(%x: tensor<1x5x6x4xi8>, %w: tensor<3x2x2x6xi8>, %b: tensor<6xi32>) -> tensor<1x3x5x6xi32> {
  %qx = quant.scast %x : tensor<1x5x6x4xi8> to tensor<1x5x6x4x!quant.uniform<u8:f32, 0.5:128>>
  %qw = quant.scast %w : tensor<3x2x2x6xi8> to tensor<3x2x2x6x!quant.uniform<i8:f32:3, {0.1:1, 0.1:-2, 0.1:0, 0.1:3, 0.1:5, 0.1:-7}>>
  %qb = quant.scast %b : tensor<6xi32> to tensor<6x!quant.uniform<i32:f32:0, {0.05, 0.05, 0.05, 0.05, 0.05, 0.05}>>
  %acc = qf.conv2d %qx, %qw bias %qb strides [2, 1] dilations [1, 2] padding [1, 1, 0, 1] groups 2
      : tensor<1x5x6x4x!quant.uniform<u8:f32, 0.5:128>>, tensor<3x2x2x6x!quant.uniform<i8:f32:3, {0.1:1, 0.1:-2, 0.1:0, 0.1:3, 0.1:5, 0.1:-7}>>, tensor<6x!quant.uniform<i32:f32:0, {0.05, 0.05, 0.05, 0.05, 0.05, 0.05}>>
      -> tensor<1x3x5x6x!quant.uniform<i32:f32:3, {0.05, 0.05, 0.05, 0.05, 0.05, 0.05}>>
  %r = quant.scast %acc : tensor<1x3x5x6x!quant.uniform<i32:f32:3, {0.05, 0.05, 0.05, 0.05, 0.05, 0.05}>> to tensor<1x3x5x6xi32>
  return %r : tensor<1x3x5x6xi32>
}

// @plain: int8 input (zp -3), per-tensor filter (zp 2), no padding, one
// group, two images, no bias.
func.func @plain(%x: tensor<2x5x6x4xi8>, %w: tensor<3x3x4x5xi8>) -> tensor<2x3x4x5xi32> {
  %qx = quant.scast %x : tensor<2x5x6x4xi8> to tensor<2x5x6x4x!quant.uniform<i8:f32, 0.5:-3>>
  %qw = quant.scast %w : tensor<3x3x4x5xi8> to tensor<3x3x4x5x!quant.uniform<i8:f32, 0.1:2>>
  %acc = qf.conv2d %qx, %qw strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 1
      : tensor<2x5x6x4x!quant.uniform<i8:f32, 0.5:-3>>, tensor<3x3x4x5x!quant.uniform<i8:f32, 0.1:2>>
      -> tensor<2x3x4x5x!quant.uniform<i32:f32, 0.05>>
  %r = quant.scast %acc : tensor<2x3x4x5x!quant.uniform<i32:f32, 0.05>> to tensor<2x3x4x5xi32>
  return %r : tensor<2x3x4x5xi32>
}
