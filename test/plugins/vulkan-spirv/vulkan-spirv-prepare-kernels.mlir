// RUN: qf-opt %S/../Inputs/kernel-launch.mlir --vulkan-spirv-prepare-kernels | FileCheck %s
// RUN: qf-opt %S/../Inputs/kernel-launch.mlir --vulkan-spirv-prepare-kernels=int16=true | FileCheck %s --check-prefix=INT16

// The kernel module gets the device's target environment, each kernel its
// workgroup size from its launches, each launch the arguments it writes.
// CHECK: gpu.module @qf_kernels attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Int8, Int64, Float64, StorageBuffer8BitAccess]
// INT16: #spirv.vce<v1.3, [Shader, Int8, Int64, Float64, StorageBuffer8BitAccess, Int16]
// CHECK: gpu.func @scale({{.*}}) kernel attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [4, 1, 1]>}
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch_func @qf_kernels::@scale {{.*}} {qf.written = array<i1: false, false, true>}
