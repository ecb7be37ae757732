// RUN: qf-opt %S/../Inputs/int8-accumulation-kernel.mlir --gpu-nvvm-int8-dot4 | FileCheck %s

// K = 12: three dp4a steps with the accumulator in a register, stored once.
// CHECK-LABEL: gpu.func @dot
// CHECK-SAME: (%[[A:.*]]: memref<4x12xi8>, %[[B:.*]]: memref<12x3xi8>, %[[C:.*]]: memref<4x3xi32>)
// CHECK: %[[INIT:.*]] = memref.load %[[C]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %[[FOUR:.*]] iter_args(%[[ACC:.*]] = %[[INIT]]) -> (i32)
// CHECK-COUNT-4: memref.load %[[A]]
// CHECK: %[[VA:.*]] = vector.from_elements {{.*}} : vector<4xi8>
// CHECK-COUNT-4: memref.load %[[B]]
// CHECK: %[[VB:.*]] = vector.from_elements {{.*}} : vector<4xi8>
// CHECK: %[[D:.*]] = nvvm.dot.accumulate.4way %[[VA]] <signed>, %[[VB]] <signed>, %[[ACC]]
// CHECK: scf.yield %[[D]] : i32
// CHECK: memref.store %[[SUM]], %[[C]]
// CHECK-NOT: arith.muli

// K = 6 is not a multiple of four: the loop stays.
// CHECK-LABEL: gpu.func @odd
// CHECK: scf.for {{.*}} step %c1
// CHECK: arith.muli
// CHECK-NOT: nvvm.dot.accumulate.4way

// Host code is not a kernel.
// CHECK-LABEL: func.func @host
// CHECK: arith.muli
// CHECK-NOT: nvvm.dot.accumulate.4way
