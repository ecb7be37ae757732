// RUN: qf-opt %s --qf-check-capabilities=backend=cpu | FileCheck %s
// RUN: not qf-opt %s --qf-check-capabilities=backend=gpu-nvvm 2>&1 | FileCheck %s --check-prefix=NVVM
// RUN: not qf-opt %s --load-backend-plugin=%qf_example_plugin --qf-check-capabilities=backend=example-int8 2>&1 | FileCheck %s --check-prefix=EXAMPLE
// REQUIRES: backend-cpu

// Weights in a float-code format and FP8 activations: the cpu backend runs
// both (the IR is unchanged); gpu-nvvm and the example plugin list neither,
// and each op gets an error that names it and the reason.

// CHECK-LABEL: func.func @fp8a8
// CHECK: qf.round_to_float
// CHECK: qf.dequantize_table
// NVVM: qf-check-capabilities-formats.mlir:[[@LINE+4]]:8: error: backend 'gpu-nvvm' cannot run activations rounded to a float format (qf.round_to_float, qf.round_to_mx); it supports {{.*}}
// NVVM: qf-check-capabilities-formats.mlir:[[@LINE+4]]:8: error: backend 'gpu-nvvm' cannot run weights in a float-code format (qf.dequantize_table: fp8, MX, NVFP4, NF4); it supports {{.*}}
// EXAMPLE: error: backend 'example-int8' cannot run activations rounded to a float format (qf.round_to_float, qf.round_to_mx)
func.func @fp8a8(%x: tensor<2x4xf32>, %c: tensor<4x2xi8>, %s: tensor<1x2xi8>) -> tensor<4x4xf32> {
  %a = qf.round_to_float %x scale 0.5 : f8E4M3FN, tensor<2x4xf32>
  %w = qf.dequantize_table %c, %s table dense<1.0> : tensor<16xf32> scale_table dense<1.0> : tensor<256xf32> : tensor<4x2xi8>, tensor<1x2xi8> -> tensor<4x4xf32>
  return %w : tensor<4x4xf32>
}
