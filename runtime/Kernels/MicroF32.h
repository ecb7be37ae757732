//===- MicroF32.h - The f32 GEMM's packing and micro-kernel -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Shared by GemmF32.cpp and the weight-only kernels, which feed it blocks
// of dequantized weights (GemmWeightOnly.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_MICROF32_H
#define QF_RUNTIME_KERNELS_MICROF32_H

#include <cstdint>

namespace mlir::qf::kernels::f32 {

/// Register tile MR x NR; K and M blocks.
constexpr int64_t MR = 6, NR = 16, KC = 256, MC = 96;

/// A [rows <= MC, kc] into micro-panels of MR rows, k-major, zero-padded.
void packA(const float *a, int64_t lda, int64_t rows, int64_t kc, float *out);

/// c[MR, NR] (+)= packed A micro-panel x weight panel block ([kc][NR],
/// k-major) over kc; each element summed over k in order with fused
/// multiply-adds.
using Micro = void (*)(int64_t kc, const float *a, const float *b, float *c,
                       int64_t ldc, bool accumulate);
/// The best micro-kernel the host runs.
Micro micro();

} // namespace mlir::qf::kernels::f32

#endif // QF_RUNTIME_KERNELS_MICROF32_H
