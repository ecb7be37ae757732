// RUN: qf-opt %s --quant-quantize="scheme=mxfp8a8" --split-input-file -verify-diagnostics | FileCheck %s
// RUN: qf-opt %s --quant-quantize="scheme=mxfp8a8 dynamic-activations=per-token" --split-input-file -verify-diagnostics | FileCheck %s

// MXFP8 W8A8 (mxfp8a8): the weight's codes are E4M3 with an E8M0 byte per
// block of 32 along the reduction, and the activation is rounded in blocks
// of 32 along the same reduction with scales computed at run time: no
// calibration is needed (the observer goes), and dynamic-activations does
// not matter.

func.func @matmul(%x: tensor<2x64xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<64x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 : tensor<2x64xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<2x64xf32>, tensor<64x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK: %[[X:.*]] = qf.round_to_mx %arg0 block 32 : f8E4M3FN, tensor<2x64xf32>
// CHECK: %[[W:.*]] = qf.dequantize_table {{.*}} scale_table {{.*}} : tensor<64x3xi8>, tensor<2x3xi8> -> tensor<64x3xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[W]] :
// CHECK-NOT: qf.observe

// -----

// A reduction that 32 does not divide has no MX blocks.
func.func @odd(%x: tensor<2x48xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.5> : tensor<48x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @below {{weight operand: group size 32 does not divide the reduction dimension (48 along dimension 0 of the weight)}}
  %y = linalg.matmul ins(%x, %w : tensor<2x48xf32>, tensor<48x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
