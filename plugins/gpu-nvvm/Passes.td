//===- Passes.td - The gpu-nvvm backend's passes -----------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_GPU_NVVM_PASSES_TD
#define QF_PLUGINS_GPU_NVVM_PASSES_TD

include "mlir/Pass/PassBase.td"

def GpuNvvmMmaSyncPass : Pass<"gpu-nvvm-mma-sync", "::mlir::func::FuncOp"> {
  let summary = "int8 matmuls with K % 32 == 0 to warp tiles of mma.sync m16n8k32";
  let description = [{
    After bufferization, the i8 x i8 -> i32 contraction of a `qf.matmul` or
    `qf.batch_matmul` is a `linalg.generic` accumulating `sext(a) * sext(b)`
    into an i32 buffer. Each one whose reduction length K is a multiple of 32
    (and at most 131072, so that `.satfinite` accumulation equals wrapping
    addition) becomes a `gpu.launch` of one warp per 16 x 8 output tile that
    issues one `nvgpu.mma.sync` (m16n8k32, s8) per step of 32. Rows and
    columns past the end of M and N read zeros and are not stored. Other
    contractions keep the generic per-thread path.

    Before:
    ```mlir
    linalg.generic {indexing_maps = [...], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%a, %b : memref<16x32xi8>, memref<32x8xi8>) outs(%c : memref<16x8xi32>) {...}
    ```
    After:
    ```mlir
    gpu.launch blocks(...) in (...) threads(%lane, ...) in (%c32, ...) {
      scf.for %k = %c0 to %c32 step %c32 {
        ...
        %d = nvgpu.mma.sync(%fa, %fb, %acc) {mmaShape = [16, 8, 32]}
            : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
      }
      memref.store ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def GpuNvvmInt8Dot4Pass : Pass<"gpu-nvvm-int8-dot4", "::mlir::ModuleOp"> {
  let summary = "int8 accumulation loops of kernels to dp4a steps";
  let description = [{
    Inside every `gpu.func`, a loop `for k in [0, K)` with K a constant
    multiple of four that accumulates `sext(a[.., k]) * sext(b[k, ..])` into
    an i32 memory cell becomes K/4 steps of
    `nvvm.dot.accumulate.4way` (PTX `dp4a`) on four bytes of each operand,
    with the accumulator in a register. The sum is the same i32 value: each
    dot of four i8 products is exact and the additions wrap as before
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
    After:
    ```mlir
    %c0v = memref.load %C[%i, %j] : memref<4x8xi32>
    %s = scf.for %k = %c0 to %c64 step %c4 iter_args(%acc = %c0v) -> (i32) {
      %va = vector.from_elements ... : vector<4xi8>
      %vb = vector.from_elements ... : vector<4xi8>
      %d = nvvm.dot.accumulate.4way %va <signed>, %vb <signed>, %acc : vector<4xi8>, vector<4xi8>
      scf.yield %d : i32
    }
    memref.store %s, %C[%i, %j] : memref<4x8xi32>
    ```
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect",
                           "::mlir::vector::VectorDialect"];
}

def GpuNvvmStageBuffersPass : Pass<"gpu-nvvm-stage-buffers", "::mlir::ModuleOp"> {
  let summary = "Device-visible copies of host buffers around kernel launches";
  let description = [{
    On a CUDA device, kernels only touch memory the driver knows about. The
    CUDA runtime turns the host code's own allocations into managed memory;
    this pass makes everything else such an allocation: each memref argument
    of a public function that launches kernels (the caller's inputs and
    result buffers) and each constant global a kernel reads is copied into a
    fresh buffer on entry, and argument buffers are copied back before
    returning. On the CPU the program computes the same; only copies are
    added.

    Before:
    ```mlir
    func.func @main(%x: memref<4xf32>, %out: memref<4xf32>) {
      gpu.launch_func @qf_kernels::@k blocks in (...) threads in (...) args(%x : memref<4xf32>, %out : memref<4xf32>)
      return
    }
    ```
    After:
    ```mlir
    func.func @main(%x: memref<4xf32>, %out: memref<4xf32>) {
      %sx = memref.alloc() : memref<4xf32>
      memref.copy %x, %sx : memref<4xf32> to memref<4xf32>
      %so = memref.alloc() : memref<4xf32>
      memref.copy %out, %so : memref<4xf32> to memref<4xf32>
      gpu.launch_func @qf_kernels::@k ... args(%sx : memref<4xf32>, %so : memref<4xf32>)
      memref.copy %so, %out : memref<4xf32> to memref<4xf32>
      memref.dealloc %sx : memref<4xf32>
      memref.dealloc %so : memref<4xf32>
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

#endif // QF_PLUGINS_GPU_NVVM_PASSES_TD
