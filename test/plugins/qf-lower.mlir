// RUN: qf-opt %s --qf-lower=backend=cpu | FileCheck %s
// RUN: qf-opt %s --qf-lower="backend=cpu emit=%t.o" -o /dev/null && test -s %t.o
// RUN: not qf-opt %s --qf-lower="backend=cpu options=vector-bits=100" 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not qf-opt %s --qf-lower=backend=nope 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// REQUIRES: backend-cpu

// The cpu backend's whole pipeline: LLVM dialect with a C interface.
// CHECK: llvm.func @main(
// CHECK: llvm.fadd
// CHECK: llvm.func @_mlir_ciface_main(
// CHECK-NOT: arith.addf

// OPTION: error: qf-lower: vector-bits must be 128, 256 or 512, not '100'
// UNKNOWN: error: qf-lower: unknown backend 'nope'
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
