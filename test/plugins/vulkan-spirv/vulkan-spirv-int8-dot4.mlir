// RUN: qf-opt %S/../Inputs/int8-accumulation-kernel.mlir --vulkan-spirv-int8-dot4 | FileCheck %s --check-prefixes=CHECK,VECTOR
// RUN: qf-opt %S/../Inputs/int8-accumulation-kernel.mlir --vulkan-spirv-int8-dot4=integer-dot-product=true | FileCheck %s --check-prefixes=CHECK,SDOT

// K = 12: three steps of four products with the accumulator in a register.
// CHECK-LABEL: gpu.func @dot
// CHECK-SAME: (%[[A:.*]]: memref<4x12xi8>, %[[B:.*]]: memref<12x3xi8>, %[[C:.*]]: memref<4x3xi32>)
// CHECK: %[[INIT:.*]] = memref.load %[[C]]
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (i32)
// CHECK: %[[VA:.*]] = vector.from_elements {{.*}} : vector<4xi8>
// CHECK: %[[VB:.*]] = vector.from_elements {{.*}} : vector<4xi8>
// Without the integer dot product: four i32 lanes, multiplied and summed.
// VECTOR: %[[WA:.*]] = arith.extsi %[[VA]] : vector<4xi8> to vector<4xi32>
// VECTOR: %[[WB:.*]] = arith.extsi %[[VB]] : vector<4xi8> to vector<4xi32>
// VECTOR: %[[P:.*]] = arith.muli %[[WA]], %[[WB]] : vector<4xi32>
// VECTOR: %[[N:.*]] = vector.reduction <add>, %[[P]], %[[ACC]] : vector<4xi32> into i32
// With it: OpSDot.
// SDOT: %[[D:.*]] = spirv.SDot %[[VA]], %[[VB]] : vector<4xi8> -> i32
// SDOT: %[[N:.*]] = arith.addi %[[ACC]], %[[D]] : i32
// CHECK: scf.yield %[[N]] : i32
// CHECK: memref.store %[[SUM]], %[[C]]

// K = 6 is not a multiple of four: the loop stays.
// CHECK-LABEL: gpu.func @odd
// CHECK: scf.for {{.*}} step %c1
// CHECK-NOT: vector.from_elements

// Host code is not a kernel.
// CHECK-LABEL: func.func @host
// CHECK-NOT: vector.from_elements
