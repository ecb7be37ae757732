!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_features_groups(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x2x3x!qw>) {
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 2 : tensor<1x8x8x4x!qa>, tensor<3x3x2x3x!qw> -> tensor<1x6x6x3x!acc>
  return
}
