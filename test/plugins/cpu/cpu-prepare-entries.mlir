// RUN: qf-opt %s --cpu-prepare-entries | FileCheck %s

// Public functions get a C interface and read-only inputs; qf.name goes.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%{{.*}}: tensor<4xf32> {bufferization.writable = false}) -> tensor<4xf32>
// CHECK-SAME: attributes {llvm.emit_c_interface}
func.func @main(%x: tensor<4xf32> {qf.name = "x"}) -> (tensor<4xf32> {qf.name = "y"}) {
  %y = call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// Private functions and declarations are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xf32> {
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// CHECK: func.func private @external(tensor<4xf32>)
// CHECK-NOT: emit_c_interface
func.func private @external(tensor<4xf32>)
