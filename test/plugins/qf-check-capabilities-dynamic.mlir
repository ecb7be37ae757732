// Backends whose kernels are sized at compile time refuse dynamic shapes at
// the function, before lowering; the cpu backend takes them.
// RUN: qf-opt %s --qf-check-capabilities=backend=cpu | FileCheck %s
// RUN: not qf-opt %s --qf-check-capabilities=backend=vulkan-spirv 2>&1 | FileCheck %s --check-prefix=VULKAN
// RUN: not qf-opt %s --qf-check-capabilities=backend=gpu-nvvm 2>&1 | FileCheck %s --check-prefix=NVVM
// REQUIRES: backend-cpu, backend-vulkan-spirv, backend-gpu-nvvm

// CHECK-LABEL: func.func @rows
// VULKAN: qf-check-capabilities-dynamic.mlir:[[@LINE+2]]:1: error: backend 'vulkan-spirv' needs static shapes, but @rows takes or returns 'tensor<?x4xf32>'; bind the dimensions at import (qf-import --input-shape)
// NVVM: qf-check-capabilities-dynamic.mlir:[[@LINE+1]]:1: error: backend 'gpu-nvvm' needs static shapes, but @rows takes or returns 'tensor<?x4xf32>'
func.func @rows(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
