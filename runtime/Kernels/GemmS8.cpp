//===- GemmS8.cpp - W8A8 GEMM, exact --------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// acc = sum_k (a - za)(w - zw) = sum_k a w - za colsum(w) - zw rowsum(a)
//       + K za zw, the sum of products exact in i32.
//
// The products come from vpmaddwd on sign-extended 16-bit pairs (k, k+1):
// every product of two int8 values and every pair sum fits in 16x16->32
// bits, so nothing saturates; vpmaddubsw (u8 x s8) would saturate its
// 16-bit pair sums at 255 * 127 * 2 and is not exact for full-range
// weights without VNNI. Blocking.h's loop nest, tile 6 rows x 16 columns
// (12 ymm accumulators).
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/Blocking.h"
#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/Kernels.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;

namespace {

constexpr int64_t MR = 6, NR = 16, KC = 512, MC = 96;

/// A rows [rows <= MC, kc] as 16-bit pairs per row, micro-panels of MR
/// rows: out[((r0 / MR) * kp + p) * MR * 2 + r * 2 + {0, 1}] = a[r][2p],
/// a[r][2p + 1] (zero beyond kc or rows); kp = ceil(kc / 2).
void packA(const int8_t *a, int64_t lda, int64_t rows, int64_t kc,
           int16_t *out) {
  const int64_t kp = (kc + 1) / 2;
  for (int64_t r0 = 0; r0 < rows; r0 += MR)
    for (int64_t p = 0; p < kp; ++p)
      for (int64_t r = 0; r < MR; ++r)
        for (int64_t h = 0; h < 2; ++h) {
          int64_t kk = 2 * p + h;
          *out++ = (r0 + r < rows && kk < kc) ? a[(r0 + r) * lda + kk] : 0;
        }
}

void microPortable(int64_t kp, const int16_t *a, const int16_t *b, int32_t *c,
                   int64_t ldc, bool accumulate) {
  int32_t acc[MR][NR] = {};
  for (int64_t p = 0; p < kp; ++p, a += 2 * MR, b += 2 * NR)
    for (int64_t r = 0; r < MR; ++r)
      for (int64_t j = 0; j < NR; ++j)
        acc[r][j] +=
            int32_t(a[2 * r]) * b[2 * j] + int32_t(a[2 * r + 1]) * b[2 * j + 1];
  for (int64_t r = 0; r < MR; ++r)
    for (int64_t j = 0; j < NR; ++j)
      c[r * ldc + j] = accumulate ? c[r * ldc + j] + acc[r][j] : acc[r][j];
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void microAvx2(int64_t kp, const int16_t *a,
                                               const int16_t *b, int32_t *c,
                                               int64_t ldc, bool accumulate) {
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00,
          c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00,
          c50 = c00, c51 = c00;
  const int32_t *pairs = reinterpret_cast<const int32_t *>(a);
  for (int64_t p = 0; p < kp; ++p, pairs += MR, b += 2 * NR) {
    // Columns 0-7 then 8-15, each as (k, k+1) pairs.
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + 16));
    __m256i x = _mm256_set1_epi32(pairs[0]);
    c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
    c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
    x = _mm256_set1_epi32(pairs[1]);
    c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
    c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
    x = _mm256_set1_epi32(pairs[2]);
    c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
    c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
    x = _mm256_set1_epi32(pairs[3]);
    c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
    c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
    x = _mm256_set1_epi32(pairs[4]);
    c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(x, b0));
    c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(x, b1));
    x = _mm256_set1_epi32(pairs[5]);
    c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(x, b0));
    c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(x, b1));
  }
  __m256i rows[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                         {c30, c31}, {c40, c41}, {c50, c51}};
  for (int64_t r = 0; r < MR; ++r)
    for (int j = 0; j < 2; ++j) {
      auto *p = reinterpret_cast<__m256i *>(c + r * ldc + 8 * j);
      __m256i v = rows[r][j];
      if (accumulate)
        v = _mm256_add_epi32(_mm256_loadu_si256(p), v);
      _mm256_storeu_si256(p, v);
    }
}
#endif

using Micro = void (*)(int64_t, const int16_t *, const int16_t *, int32_t *,
                       int64_t, bool);

Micro micro() {
#if defined(__x86_64__)
  if (useAvx2())
    return microAvx2;
#endif
  return microPortable;
}

} // namespace

PackedS8 mlir::qf::kernels::packS8(const int8_t *w, int64_t k, int64_t n,
                                   const std::vector<int32_t> &zeroPoints) {
  PackedS8 p;
  p.k = k;
  p.n = n;
  const int64_t panels = (n + NR - 1) / NR, kp = (k + 1) / 2;
  // Per panel and pair p: columns 0-7 as (k, k+1) pairs, then 8-15.
  p.data.assign(panels * kp * 2 * NR, 0);
  for (int64_t panel = 0; panel < panels; ++panel)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j)
        p.data[(panel * kp + kk / 2) * 2 * NR + j * 2 + kk % 2] =
            w[kk * n + panel * NR + j];
  p.colSums.assign(n, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t j = 0; j < n; ++j)
      p.colSums[j] += w[kk * n + j];
  p.zeroPoints.assign(n, 0);
  for (int64_t j = 0; j < n && !zeroPoints.empty(); ++j)
    p.zeroPoints[j] = zeroPoints.size() == 1 ? zeroPoints[0] : zeroPoints[j];
  return p;
}

void mlir::qf::kernels::gemmS8(const int8_t *a, int64_t lda, int64_t m,
                               int32_t aZeroPoint, const PackedS8 &w,
                               const int32_t *bias, int32_t *acc, int64_t ldc,
                               unsigned threads) {
  gemmS8(a, lda, m, aZeroPoint, w.data.data(), w.colSums.data(),
         w.zeroPoints.data(), w.k, w.n, bias, acc, ldc, threads);
}

void mlir::qf::kernels::gemmS8(const int8_t *a, int64_t lda, int64_t m,
                               int32_t aZeroPoint, const int16_t *packed,
                               const int32_t *colSums,
                               const int32_t *zeroPoints, int64_t k, int64_t n,
                               const int32_t *bias, int32_t *acc, int64_t ldc,
                               unsigned threads) {
  const int64_t kpAll = (k + 1) / 2;
  if (m <= 0 || n <= 0)
    return;
  Micro kernel = micro();
  std::vector<int16_t> packedA(((MC + MR - 1) / MR) * MR * (KC + 2));
  blockedGemm<MR, NR>(
      m, n, k, KC, MC, acc, ldc, threads,
      [&](int64_t ic, int64_t mc, int64_t pc, int64_t kc) {
        packA(a + ic * lda + pc, lda, mc, kc, packedA.data());
      },
      [&](int64_t panel, int64_t pc, int64_t kc, int64_t ir, int32_t *out,
          int64_t ldo, bool accumulate) {
        const int64_t kp = (kc + 1) / 2;
        kernel(kp, packedA.data() + ir * kp * 2,
               packed + (panel * kpAll + pc / 2) * 2 * NR, out, ldo,
               accumulate);
      });
  // The zero points' terms, and the bias.
  for (int64_t i = 0; i < m; ++i) {
    int32_t rowSum = 0;
    for (int64_t kk = 0; kk < k; ++kk)
      rowSum += a[i * lda + kk];
    for (int64_t j = 0; j < n; ++j) {
      int32_t zw = zeroPoints[j];
      acc[i * ldc + j] += -aZeroPoint * colSums[j] - zw * rowSum +
                          int32_t(k) * aZeroPoint * zw + (bias ? bias[j] : 0);
    }
  }
}
