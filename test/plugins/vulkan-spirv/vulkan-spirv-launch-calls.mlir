// RUN: qf-opt %S/../Inputs/kernel-launch.mlir --pass-pipeline='builtin.module(vulkan-spirv-prepare-kernels,convert-gpu-to-spirv,spirv.module(spirv-lower-abi-attrs,spirv-update-vce),vulkan-spirv-launch-calls)' | FileCheck %s

// The SPIR-V module is serialized into a host global (it starts with the
// SPIR-V magic number, little-endian), the kernel modules are gone, and the
// launch is a call of the Vulkan runtime with an [address, bytes, written]
// triple per argument.
// CHECK-NOT: gpu.container_module
// CHECK-DAG: memref.global "private" constant @[[ENTRY:__qf_vk_entry_scale]] : memref<6xi8> = dense<[115, 99, 97, 108, 101, 0]>
// CHECK-DAG: memref.global "private" constant @__qf_vk_spirv : memref<{{[0-9]+}}xi8> = dense<"0x03022307
// CHECK-DAG: func.func private @qfVulkanLaunch(memref<?xi8>, memref<?xi8>, i64, i64, i64, memref<?xi64>)
// CHECK-NOT: gpu.module
// CHECK-NOT: spirv.module
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<4xf32>, %[[Y:.*]]: memref<4xf32>)
// CHECK: %[[ARGS:.*]] = memref.alloca() : memref<9xi64>
// CHECK: memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[WRITTEN:.*]] = arith.constant 1 : i64
// CHECK: memref.store %[[WRITTEN]], %[[ARGS]][%{{.*}}] : memref<9xi64>
// CHECK: memref.get_global @__qf_vk_spirv
// CHECK: memref.get_global @[[ENTRY]]
// CHECK: call @qfVulkanLaunch
// CHECK-NOT: gpu.launch_func

// A function that launches nothing is left alone.
// CHECK-LABEL: func.func @no_launch
// CHECK-NEXT: return
