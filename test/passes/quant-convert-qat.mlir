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
