//===- KernelABI.h - The kernels as compiled code calls them ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// C functions with MLIR's memref calling convention (`llvm.emit_c_interface`:
// pointers to StridedMemRefType descriptors) that lowered code calls, and
// their names and addresses for a JIT to link:
//
//   func.func private @qf_kernel_gemm_f32(memref<?x?xf32>, memref<?xf32>,
//                                         memref<?x?xf32>)
//       attributes {llvm.emit_c_interface}
//
// computes C += A B with A [M, K], the weight packed by packF32 (its K and N
// are A's columns and C's), C [M, N];
//
//   func.func private @qf_kernel_gemm_s8(memref<?x?xi8>, i32, i32,
//       memref<?xi8>, memref<?xi32>, memref<?xi32>, memref<?xi32>,
//       memref<?x?xi32>)
//
// writes qf.matmul's accumulator (a, its zero point, packS8's layout, data,
// column sums and zero points, the bias or an empty memref, acc);
//
//   func.func private @qf_kernel_gemm_w4(memref<?x?xf32>, memref<?xi8>,
//       memref<?xf32>, memref<?xf32>, i64, memref<?x?xf32>)
//
// computes C += A dequantize(W) from packW4's codes, scales and zero points
// and the group size; qf_kernel_gemm_w8, with the same arguments, from
// packW8's. All run on QF_NUM_THREADS threads (default: the hardware's).
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_KERNELABI_H
#define QF_RUNTIME_KERNELS_KERNELABI_H

#include <string>
#include <utility>
#include <vector>

namespace mlir::qf::kernels {

constexpr const char *kGemmF32Function = "qf_kernel_gemm_f32";
constexpr const char *kGemmS8Function = "qf_kernel_gemm_s8";
constexpr const char *kGemmW4Function = "qf_kernel_gemm_w4";
constexpr const char *kGemmW8Function = "qf_kernel_gemm_w8";

/// `_mlir_ciface_` names and addresses of every kernel entry.
std::vector<std::pair<std::string, void *>> kernelSymbols();

/// The threads a kernel call from compiled code uses.
unsigned kernelThreads();

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_KERNELABI_H
