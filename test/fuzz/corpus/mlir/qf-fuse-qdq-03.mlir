!x = !quant.uniform<i8:f32, 0.5:-3>
!f = !quant.uniform<i8<-127:127>:f32:3, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1>

func.func @conv(%xq: tensor<1x5x5x3x!x>) -> tensor<1x2x2x2x!y> {
  %wc = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %wq = quant.scast %wc : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!f>
  %w = qf.dequantize %wq : tensor<3x3x3x2x!f> -> tensor<3x3x3x2xf32>
  %x = qf.dequantize %xq : tensor<1x5x5x3x!x> -> tensor<1x5x5x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x5x5x3xf32>, tensor<3x3x3x2xf32>) outs(%bb : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %yq = qf.quantize %y half_even : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!y>
  return %yq : tensor<1x2x2x2x!y>
}
