//===- GemmF32.cpp - f32 GEMM with packed weights -------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Blocking.h's loop nest with A packed into 6-row micro-panels and a 6x16
// register tile (12 ymm accumulators, two B vectors, one broadcast) over
// the weight's 16-column panels.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/Blocking.h"
#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/Kernels.h"
#include "runtime/Kernels/MicroF32.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;
using namespace mlir::qf::kernels::f32;

void mlir::qf::kernels::f32::packA(const float *a, int64_t lda, int64_t rows,
                                   int64_t kc, float *out) {
  for (int64_t r0 = 0; r0 < rows; r0 += MR)
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t r = 0; r < MR; ++r)
        *out++ = r0 + r < rows ? a[(r0 + r) * lda + k] : 0.0f;
}

namespace {

/// c[MR, NR] (+)= a-panel * b-panel over kc, portable: the same fused
/// operations in the same order as the AVX2 path, so the same bits.
void microPortable(int64_t kc, const float *a, const float *b, float *c,
                   int64_t ldc, bool accumulate) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR)
    for (int64_t r = 0; r < MR; ++r)
      for (int64_t j = 0; j < NR; ++j)
        acc[r][j] = std::fma(a[r], b[j], acc[r][j]);
  for (int64_t r = 0; r < MR; ++r)
    for (int64_t j = 0; j < NR; ++j)
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void microAvx2(int64_t kc, const float *a,
                                                   const float *b, float *c,
                                                   int64_t ldc,
                                                   bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00,
         c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00,
         c51 = c00;
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  __m256 rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                        {c30, c31}, {c40, c41}, {c50, c51}};
  for (int64_t r = 0; r < MR; ++r)
    for (int j = 0; j < 2; ++j) {
      float *p = c + r * ldc + 8 * j;
      __m256 v = rows[r][j];
      if (accumulate)
        v = _mm256_add_ps(_mm256_loadu_ps(p), v);
      _mm256_storeu_ps(p, v);
    }
}
#endif

} // namespace

Micro mlir::qf::kernels::f32::micro() {
#if defined(__x86_64__)
  if (useAvx2())
    return microAvx2;
#endif
  return microPortable;
}

PackedF32 mlir::qf::kernels::packF32(const float *b, int64_t k, int64_t n) {
  PackedF32 p;
  p.k = k;
  p.n = n;
  int64_t panels = (n + NR - 1) / NR;
  p.data.assign(panels * k * NR, 0.0f);
  for (int64_t panel = 0; panel < panels; ++panel)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j)
        p.data[(panel * k + kk) * NR + j] = b[kk * n + panel * NR + j];
  return p;
}

void mlir::qf::kernels::gemmF32(const float *a, int64_t lda, int64_t m,
                                const PackedF32 &b, float *c, int64_t ldc,
                                unsigned threads, bool accumulate) {
  gemmF32(a, lda, m, b.data.data(), b.k, b.n, c, ldc, threads, accumulate);
}

void mlir::qf::kernels::gemmF32(const float *a, int64_t lda, int64_t m,
                                const float *packed, int64_t k, int64_t n,
                                float *c, int64_t ldc, unsigned threads,
                                bool accumulate) {
  if (m <= 0 || n <= 0 || (k == 0 && accumulate))
    return;
  Micro kernel = micro();
  std::vector<float> packedA(((MC + MR - 1) / MR) * MR * KC);
  blockedGemm<MR, NR>(
      m, n, k, KC, MC, c, ldc, threads,
      [&](int64_t ic, int64_t mc, int64_t pc, int64_t kc) {
        packA(a + ic * lda + pc, lda, mc, kc, packedA.data());
      },
      [&](int64_t panel, int64_t pc, int64_t kc, int64_t ir, float *out,
          int64_t ldo, bool acc) {
        kernel(kc, packedA.data() + ir * kc, packed + (panel * k + pc) * NR,
               out, ldo, acc);
      },
      accumulate);
}
