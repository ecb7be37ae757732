//===- GemmS8Neon.cpp - W8A8 quad micro-kernel for Arm i8mm ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// GemmS8.cpp's quad layout on AArch64 with FEAT_I8MM: usdot multiplies the
// u8 activations (a + 128) by the s8 weights and adds each 4 products into
// an i32 lane, so nothing saturates and any int8 weight is exact. Tile 4
// rows x 16 columns, 16 accumulators. Only <arm_neon.h>, so the file also
// compiles freestanding for aarch64 on any host
// (test/runtime/kernel-targets.test); QFKernels builds it on AArch64.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/GemmS8Neon.h"

#include <arm_neon.h>

__attribute__((target("i8mm"))) void
mlir::qf::kernels::s8QuadsMicroI8mm(int64_t kq, const uint8_t *a,
                                    const int8_t *b, int32_t *c, int64_t ldc,
                                    bool accumulate) {
  constexpr int MR = kS8QuadsMR;
  int32x4_t acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v)
      acc[r][v] = vdupq_n_s32(0);
  for (int64_t q = 0; q < kq; ++q, a += 4 * MR, b += 64) {
    // Columns 4v to 4v + 3, 4 bytes of consecutive k each.
    int8x16_t w[4] = {vld1q_s8(b), vld1q_s8(b + 16), vld1q_s8(b + 32),
                      vld1q_s8(b + 48)};
    for (int r = 0; r < MR; ++r) {
      uint32_t quad;
      __builtin_memcpy(&quad, a + 4 * r, 4);
      uint8x16_t x = vreinterpretq_u8_u32(vdupq_n_u32(quad));
      for (int v = 0; v < 4; ++v)
        acc[r][v] = vusdotq_s32(acc[r][v], x, w[v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < 4; ++v) {
      int32_t *p = c + r * ldc + 4 * v;
      vst1q_s32(p, accumulate ? vaddq_s32(vld1q_s32(p), acc[r][v]) : acc[r][v]);
    }
}
