// RUN: qf-opt %S/../Inputs/kernel-launch.mlir --gpu-nvvm-stage-buffers | FileCheck %s

// Arguments and the constant global the kernel reads are copied into fresh
// buffers (managed memory under the CUDA runtime); arguments are copied back.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<4xf32>, %[[Y:.*]]: memref<4xf32>)
// CHECK: %[[SX:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[X]], %[[SX]]
// CHECK: %[[SY:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[Y]], %[[SY]]
// CHECK: %[[G:.*]] = memref.get_global @weights
// CHECK: %[[SW:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.copy %[[G]], %[[SW]]
// CHECK: gpu.launch_func @qf_kernels::@scale {{.*}} args(%[[SX]] : memref<4xf32>, %[[SW]] : memref<4xf32>, %[[SY]] : memref<4xf32>)
// CHECK: memref.copy %[[SX]], %[[X]]
// CHECK: memref.dealloc %[[SX]]
// CHECK: memref.copy %[[SY]], %[[Y]]
// CHECK: memref.dealloc %[[SY]]
// CHECK: memref.dealloc %[[SW]]
// CHECK-NEXT: return

// A function that launches nothing is left alone.
// CHECK-LABEL: func.func @no_launch
// CHECK-NEXT: return
