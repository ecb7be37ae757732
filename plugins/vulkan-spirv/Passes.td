//===- Passes.td - The vulkan-spirv backend's passes -------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_VULKAN_SPIRV_PASSES_TD
#define QF_PLUGINS_VULKAN_SPIRV_PASSES_TD

include "mlir/Pass/PassBase.td"

def VulkanSpirvInt8Dot4Pass
    : Pass<"vulkan-spirv-int8-dot4", "::mlir::ModuleOp"> {
  let summary = "int8 accumulation loops of kernels four products at a time";
  let description = [{
    Inside every `gpu.func`, a loop `for k in [0, K)` with K a constant
    multiple of four that accumulates `sext(a[.., k]) * sext(b[k, ..])` into
    an i32 memory cell becomes K/4 steps over four bytes of each operand with
    the accumulator in a register: `spirv.SDot` where the device has the
    integer dot product (`integer-dot-product=true`), else a 4-lane
    `arith.muli` and `vector.reduction <add>`. The sum is the same i32 value:
    each dot of four i8 products is exact and the additions wrap as before
    (`lowering/GPU/Int8DotProduct.h`).

    Before:
    ```mlir
    scf.for %k = %c0 to %c64 step %c1 {
      %a = memref.load %A[%i, %k] : memref<4x64xi8>
      %b = memref.load %B[%k, %j] : memref<64x8xi8>
      %c = memref.load %C[%i, %j] : memref<4x8xi32>
      %p = arith.muli (arith.extsi %a), (arith.extsi %b) : i32
      memref.store (arith.addi %c, %p), %C[%i, %j]
    }
    ```
    After (`integer-dot-product=true`):
    ```mlir
    %s = scf.for %k = %c0 to %c64 step %c4 iter_args(%acc = %c0v) -> (i32) {
      %va = vector.from_elements ... : vector<4xi8>
      %vb = vector.from_elements ... : vector<4xi8>
      %d = spirv.SDot %va, %vb : vector<4xi8> -> i32
      %n = arith.addi %acc, %d : i32
      scf.yield %n : i32
    }
    memref.store %s, %C[%i, %j] : memref<4x8xi32>
    ```
  }];
  let options = [
    Option<"integerDotProduct", "integer-dot-product", "bool",
           /*default=*/"false",
           "The device has the integer dot product (OpSDot)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::spirv::SPIRVDialect",
                           "::mlir::vector::VectorDialect"];
}

def VulkanSpirvPrepareKernelsPass
    : Pass<"vulkan-spirv-prepare-kernels", "::mlir::ModuleOp"> {
  let summary = "Workgroup sizes, target environment and written arguments "
                "of Vulkan kernels";
  let description = [{
    Before upstream's `convert-gpu-to-spirv`: each kernel gets its
    workgroup size (from its launches' constant block sizes) as
    `spirv.entry_point_abi`, each kernel module the device's
    `spirv.target_env` (SPIR-V 1.6 with the DotProduct capabilities only
    where a kernel uses `spirv.SDot`, the Int16 capability with `int16`), and
    each launch the
    list of arguments the kernel writes as `qf.written`, so that the runtime
    copies back only those (constant weights live in read-only memory).
    A launch with a non-constant block size, or a kernel launched with two
    block sizes, is an error at the launch.

    Before:
    ```mlir
    gpu.module @qf_kernels {
      gpu.func @k(%a: memref<4xf32>, %o: memref<4xf32>) kernel {...}
    }
    gpu.launch_func @qf_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1)
        args(%x : memref<4xf32>, %y : memref<4xf32>)
    ```
    After:
    ```mlir
    gpu.module @qf_kernels attributes {spirv.target_env = #spirv.target_env<...>} {
      gpu.func @k(%a: memref<4xf32>, %o: memref<4xf32>) kernel
          attributes {spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [4, 1, 1]>} {...}
    }
    gpu.launch_func @qf_kernels::@k ... args(...) {qf.written = array<i1: false, true>}
    ```
  }];
  let options = [
    Option<"int16", "int16", "bool", /*default=*/"false",
           "The device has 16-bit integers in shaders">,
    Option<"integerDotProduct", "integer-dot-product", "bool",
           /*default=*/"false",
           "The device has the integer dot product (OpSDot)">,
  ];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def VulkanSpirvLaunchCallsPass
    : Pass<"vulkan-spirv-launch-calls", "::mlir::ModuleOp"> {
  let summary = "Serialize SPIR-V kernels and launch them through the Vulkan "
                "runtime";
  let description = [{
    After `convert-gpu-to-spirv`: the converted `spirv.module` is serialized
    into a private constant i8 global of the host module, `@__qf_vk_spirv`,
    and every `gpu.launch_func` becomes a call of
    `qfVulkanLaunch(spirv, entry, grid x, y, z, args)` (the entry of the
    Vulkan host runtime, `runtime/Vulkan`), `args` holding an
    `[address, bytes, written]` triple per kernel argument. A module with no
    launches just loses its kernel modules; more than one SPIR-V module is an
    error.

    Before:
    ```mlir
    spirv.module Logical GLSL450 { spirv.func @k(...) ... }
    gpu.launch_func @qf_kernels::@k blocks in (%c2, %c1, %c1) threads in (...)
        args(%x : memref<8xf32>, %y : memref<8xf32>) {qf.written = array<i1: false, true>}
    ```
    After:
    ```mlir
    memref.global "private" constant @__qf_vk_spirv : memref<NNNxi8> = dense<[...]>
    func.func private @qfVulkanLaunch(memref<?xi8>, memref<?xi8>, i64, i64, i64, memref<?xi64>)
    ...
    call @qfVulkanLaunch(%spirv, %entry, %c2_i64, %c1_i64, %c1_i64, %args) : (...) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // QF_PLUGINS_VULKAN_SPIRV_PASSES_TD
