//===- GemmS8Neon.h - W8A8 quad micro-kernel for Arm i8mm -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Freestanding (fixed-width integers only), so GemmS8Neon.cpp compiles for
// aarch64 on any host.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_GEMMS8NEON_H
#define QF_RUNTIME_KERNELS_GEMMS8NEON_H

#include <stdint.h>

namespace mlir::qf::kernels {

/// Rows per tile of the quad layout (GemmS8.cpp packs A for it).
constexpr int64_t kS8QuadsMR = 4;

/// C[4, 16] (=, or += with `accumulate`) sum over `kq` quads of packed
/// (a + 128) u8 rows and a 16-column weight panel, in i32.
void s8QuadsMicroI8mm(int64_t kq, const uint8_t *a, const int8_t *b, int32_t *c,
                      int64_t ldc, bool accumulate);

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_GEMMS8NEON_H
