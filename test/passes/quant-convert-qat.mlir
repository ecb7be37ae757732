// RUN: qf-opt %s --split-input-file --quant-convert-qat="fuse=false" | FileCheck %s
// RUN: qf-opt %s --split-input-file --quant-convert-qat | FileCheck %s --check-prefix=FUSED

// A trained weight folds to integer storage with its exact parameters:
// per axis 1, scales 0.25 and 0.5: [[0.5, -1.0], [0.3, 70.0]] ->
// [[2, -2], [1 (1.2 half to even), 127 (140 saturates)]].
// CHECK-LABEL: func.func @layer
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}2, -2], [1, 127]]> : tensor<2x2xi8>
// CHECK: %[[W:.*]] = quant.scast %[[C]] : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {2.500000e-01,5.000000e-01}>>
// CHECK: %[[WD:.*]] = qf.dequantize %[[W]]
// The activation's simulation becomes real Q/DQ with the trained type.
// CHECK: %[[X:.*]] = qf.quantize %arg0 half_even : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32, 1.000000e-01:-3>>
// CHECK: %[[XD:.*]] = qf.dequantize %[[X]]
// CHECK: linalg.matmul ins(%[[XD]], %[[WD]] :
// CHECK-NOT: qf.fake_quant

// Fused: an integer matmul on the two quantized operands.
// FUSED-LABEL: func.func @layer
// FUSED: qf.matmul
// FUSED-NOT: linalg.matmul
func.func @layer(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.5, -1.0], [0.3, 70.0]]> : tensor<2x2xf32>
  %wq = qf.fake_quant %w as !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.5}> half_even clipped : tensor<2x2xf32>
  %xq = qf.fake_quant %x as !quant.uniform<i8:f32, 0.1:-3> half_even clipped : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%xq, %wq : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Rounding and seed carry over; a 4-bit constant keeps its qf.quantize.
// CHECK-LABEL: func.func @modes
// CHECK: qf.quantize %arg0 stochastic seed 7 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK: qf.quantize %{{.*}} floor : tensor<4xf32> -> tensor<4x!quant.uniform<i4:f32, 5.000000e-01>>
func.func @modes(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = qf.fake_quant %x as !quant.uniform<i8:f32, 0.5> stochastic clipped seed 7 : tensor<4xf32>
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %b = qf.fake_quant %c as !quant.uniform<i4:f32, 0.5> floor identity : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// An imported ONNX Q/DQ convolution: DQ of the NCHW input, transposed to
// NHWC and zero-padded; DQ of the FCHW weight (per axis 0), transposed to
// HWCF. The dequantizes move past the transposes (the weight's constant
// codes transposed at once, its axis 0 -> 3) and the pad (0.0 -> the zero
// point, 5), so the convolution becomes integer.
// CHECK-LABEL: func.func @imported_conv
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}1, 3], [2, 4]]]]> : tensor<1x1x2x2xi8>
// CHECK-DAG: %[[ZP:.*]] = arith.constant 5 : i8
// CHECK: %[[XT:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x2x2x2xi8>)
// CHECK: tensor.pad %[[XT]]
// CHECK: tensor.yield %[[ZP]] : i8
// CHECK: quant.scast %[[W]] : tensor<1x1x2x2xi8> to tensor<1x1x2x2x!quant.uniform<i8:f32:3, {5.000000e-01,2.500000e-01}>>
// FUSED-LABEL: func.func @imported_conv
// FUSED: qf.conv2d
// FUSED-NOT: linalg.conv_2d_nhwc_hwcf
func.func @imported_conv(%xq: tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:5>>) -> tensor<1x2x4x4xf32> {
  %x = qf.dequantize %xq : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.1:5>> -> tensor<1x2x2x2xf32>
  %c = arith.constant dense<[[[[1]], [[2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %wq = quant.scast %c : tensor<2x2x1x1xi8> to tensor<2x2x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
  %w = qf.dequantize %wq : tensor<2x2x1x1x!quant.uniform<i8:f32:0, {0.5, 0.25}>> -> tensor<2x2x1x1xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %xt = linalg.transpose ins(%x : tensor<1x2x2x2xf32>) outs(%e : tensor<1x2x2x2xf32>) permutation = [0, 2, 3, 1]
  %zero = arith.constant 0.0 : f32
  %xp = tensor.pad %xt low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x2x2x2xf32> to tensor<1x4x4x2xf32>
  %we = tensor.empty() : tensor<1x1x2x2xf32>
  %wt = linalg.transpose ins(%w : tensor<2x2x1x1xf32>) outs(%we : tensor<1x1x2x2xf32>) permutation = [2, 3, 1, 0]
  %oe = tensor.empty() : tensor<1x4x4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%oe : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%xp, %wt : tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) outs(%f : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %ye = tensor.empty() : tensor<1x2x4x4xf32>
  %yt = linalg.transpose ins(%y : tensor<1x4x4x2xf32>) outs(%ye : tensor<1x2x4x4xf32>) permutation = [0, 3, 1, 2]
  return %yt : tensor<1x2x4x4xf32>
}
