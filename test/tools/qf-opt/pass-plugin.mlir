// MLIR's pass plugin option works in qf-opt: a plugin built as its own
// shared library registers a pass that runs on qf IR. (Plugin passes are
// registered after the flags are defined, so they are named through
// --pass-pipeline, as upstream.)
// RUN: qf-opt %s --load-pass-plugin=%qf_test_plugin \
// RUN:   --pass-pipeline="builtin.module(qf-raise-quant-casts,test-qf-plugin-count)" \
// RUN:   | FileCheck %s

// CHECK: module attributes {test.qf_quantize_count = 2 : i64}
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  %y = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  %r = quant.qcast %y : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  %z = quant.dcast %r : tensor<4x!quant.uniform<i8:f32, 0.25>> to tensor<4xf32>
  return %y, %z : tensor<4xf32>, tensor<4xf32>
}
