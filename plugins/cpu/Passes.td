//===- Passes.td - The cpu backend's passes ----------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_CPU_PASSES_TD
#define QF_PLUGINS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuUseKernelsPass : Pass<"cpu-use-kernels", "::mlir::ModuleOp"> {
  let summary = "Call the packed CPU kernels for matmuls with constant weights";
  let description = [{
    For the JIT: a `linalg.matmul` of a static f32 activation `[M, K]` by a
    constant f32 weight `[K, N]` becomes a call of `runtime/Kernels`' packed
    f32 GEMM. The weight is packed at compile time into a private constant
    `memref.global`; the call computes `C += A B` on buffers, `C` a fresh
    buffer holding the matmul's init, so the op's semantics are kept.
    Likewise a 2-D `qf.matmul` of a signed 8-bit per-tensor activation by a
    constant signed 8-bit weight calls the exact W8A8 kernel (packed weight,
    column sums and zero points as globals), and an f32 matmul whose weight
    is `qf.dequantize` of constant codes calls the W4A16 kernel for 2- to
    4-bit codes and the W8A16 kernel for 8-bit ones. Other contractions are
    left to the backend's own loops. The cpu executor runs it; object files
    do not (their users would have to link the kernels).

    Before:
    ```mlir
    %w = arith.constant dense<...> : tensor<64x32xf32>
    %r = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>)
                       outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
    ```
    After:
    ```mlir
    func.func private @qf_kernel_gemm_f32(memref<?x?xf32>, memref<?xf32>, memref<?x?xf32>)
    memref.global "private" constant @__qf_packed_weight : memref<2048xf32> = dense<...>
    ...
    %p = memref.get_global @__qf_packed_weight : memref<2048xf32>
    %a = bufferization.to_buffer %x read_only : tensor<8x64xf32> to memref<8x64xf32>
    %acc = bufferization.alloc_tensor() copy(%init) : tensor<8x32xf32>
    %c = bufferization.to_buffer %acc : tensor<8x32xf32> to memref<8x32xf32>
    call @qf_kernel_gemm_f32(%a', %p', %c') : (memref<?x?xf32>, memref<?xf32>, memref<?x?xf32>) -> ()
    %r = bufferization.to_tensor %c restrict writable : memref<8x32xf32> to tensor<8x32xf32>
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CpuVectorizePass : Pass<"cpu-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops into register blocks and vectorize them";
  let description = [{
    Each linalg op on static tensors is tiled so that one tile is a register
    sized block, and the tile is vectorized: elementwise ops to
    `vector-bits / 32`-wide vectors along their innermost parallel
    dimension, contractions to 4 x lanes outer-product blocks stepping the
    reduction by one. Tile sizes divide the dimensions, so no masking is
    needed. An op the vectorizer refuses (convolution windows, some gathers)
    stays a scalar loop nest: correct, just slower; so does an op on i1
    tensors (a boolean is stored a byte each, a `vector<Nxi1>` as N bits).

    Dynamic dimensions (batch, sequence) take the same tiles where they are
    parallel: an outer one steps by one, the innermost one by the vector
    width, with its last, partial tile peeled into a loop of its own that
    stays scalar (the main loop's tiles fold to static shapes first). An op
    that reduces over a dynamic dimension stays a scalar loop nest.

    Before:
    ```mlir
    %r = linalg.add ins(%a, %b : tensor<4x64xf32>, tensor<4x64xf32>)
                    outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
    ```
    After (`vector-bits=256`: rows of 8 lanes):
    ```mlir
    %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %e) -> (tensor<4x64xf32>) {
      %s = scf.for %j = %c0 to %c64 step %c8 iter_args(%acc2 = %acc) -> (tensor<4x64xf32>) {
        %ta = tensor.extract_slice %a[%i, %j] [1, 8] [1, 1] : tensor<4x64xf32> to tensor<1x8xf32>
        ...
        %va = vector.transfer_read %ta[%c0, %c0], %pad : tensor<1x8xf32>, vector<1x8xf32>
        %vb = vector.transfer_read %tb[%c0, %c0], %pad : tensor<1x8xf32>, vector<1x8xf32>
        %sum = arith.addf %va, %vb : vector<1x8xf32>
        %w = vector.transfer_write %sum, %te[%c0, %c0] : vector<1x8xf32>, tensor<1x8xf32>
        %ins = tensor.insert_slice %w into %acc2[%i, %j] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x64xf32>
        scf.yield %ins : tensor<4x64xf32>
      }
      scf.yield %s : tensor<4x64xf32>
    }
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits (128, 256 or 512); 0 means the "
           "host's widest (AVX-512, AVX2 or SSE/NEON)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuPrepareEntriesPass : Pass<"cpu-prepare-entries", "::mlir::ModuleOp"> {
  let summary = "Give public functions the host calling convention";
  let description = [{
    Every public function with a body gets a C interface wrapper
    (`llvm.emit_c_interface`), read-only inputs
    (`bufferization.writable = false`) and loses QuantForge's `qf.name`
    argument and result attributes, which mean nothing to LLVM. The cpu
    backend runs it before bufferization, for the JIT and object files alike.

    Before:
    ```mlir
    func.func @main(%x: tensor<4xf32> {qf.name = "x"}) -> (tensor<4xf32> {qf.name = "y"})
    ```
    After:
    ```mlir
    func.func @main(%x: tensor<4xf32> {bufferization.writable = false}) -> tensor<4xf32>
        attributes {llvm.emit_c_interface}
    ```
  }];
}

#endif // QF_PLUGINS_CPU_PASSES_TD
