//===- GemmS8.cpp - W8A8 GEMM, exact --------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// acc = sum_k (a - za)(w - zw) = sum_k a w - za colsum(w) - zw rowsum(a)
//       + K za zw, the sum of products exact in i32.
//
// Layouts, chosen when the weights are packed:
// - Quads: bytes of 4 consecutive k per column, A as a + 128 (u8), and
//   128 colsum(w) taken off again with the zero points' terms. Tile 4 rows
//   x 16 columns.
//   - AVX2 vpmaddubsw multiplies u8 by s8 and adds pairs in 16 bits with
//     saturation, so it is exact only when 2 * 255 * |w| < 2^15, i.e.
//     every |w| <= 64 (S8Layout::NarrowQuads); vpmaddwd by ones widens.
//   - AVX-512 VNNI vpdpbusd and Arm i8mm usdot add 4 products into i32
//     without saturating: exact for any weight (S8Layout::Quads, chosen
//     for wider weights where the host has one; GemmS8Neon.cpp).
// - Pairs (any int8 weight, on other hosts): sign-extended 16-bit pairs
//   (k, k+1) and vpmaddwd, where every product and pair sum fits. Tile 6
//   x 16.
// All run Blocking.h's loop nest.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/Blocking.h"
#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/GemmS8Neon.h"
#include "runtime/Kernels/Kernels.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;

namespace {

constexpr int64_t NR = 16, KC = 1024, MC = 96;

template <int64_t MR>
void store(const int32_t *acc, int32_t *c, int64_t ldc, bool accumulate) {
  for (int64_t r = 0; r < MR; ++r)
    for (int64_t j = 0; j < NR; ++j)
      c[r * ldc + j] =
          accumulate ? c[r * ldc + j] + acc[r * NR + j] : acc[r * NR + j];
}

#if defined(__x86_64__)
template <int64_t MR>
__attribute__((target("avx2"), always_inline)) inline void
storeAvx2(const __m256i (&acc)[MR][2], int32_t *c, int64_t ldc,
          bool accumulate) {
  for (int64_t r = 0; r < MR; ++r)
    for (int j = 0; j < 2; ++j) {
      auto *p = reinterpret_cast<__m256i *>(c + r * ldc + 8 * j);
      __m256i v = acc[r][j];
      if (accumulate)
        v = _mm256_add_epi32(_mm256_loadu_si256(p), v);
      _mm256_storeu_si256(p, v);
    }
}
#endif

//===----------------------------------------------------------------------===//
// Pairs
//===----------------------------------------------------------------------===//

struct Pairs {
  static constexpr int64_t MR = 6, KSTEP = 2;
  using AElem = int16_t;
  /// Bytes per k step of one weight panel, elements per k step of A.
  static constexpr int64_t kPanelStep = 2 * NR * sizeof(int16_t);
  static constexpr int64_t kAStep = MR * 2;

  /// A rows [rows <= MC, kc] as 16-bit pairs per row, micro-panels of MR
  /// rows: out[((r0 / MR) * kp + p) * MR * 2 + r * 2 + {0, 1}] = a[r][2p],
  /// a[r][2p + 1] (zero beyond kc or rows); kp = ceil(kc / 2).
  static void packA(const int8_t *a, int64_t lda, int64_t rows, int64_t kc,
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

  /// Where weight (kk, column j) goes in its panel, in int16 elements.
  static int64_t place(int64_t kk, int64_t j) {
    return (kk / 2) * 2 * NR + j * 2 + kk % 2;
  }

  static void microPortable(int64_t kp, const int16_t *a, const int8_t *bytes,
                            int32_t *c, int64_t ldc, bool accumulate) {
    const auto *b = reinterpret_cast<const int16_t *>(bytes);
    int32_t acc[MR][NR] = {};
    for (int64_t p = 0; p < kp; ++p, a += 2 * MR, b += 2 * NR)
      for (int64_t r = 0; r < MR; ++r)
        for (int64_t j = 0; j < NR; ++j)
          acc[r][j] += int32_t(a[2 * r]) * b[2 * j] +
                       int32_t(a[2 * r + 1]) * b[2 * j + 1];
    store<MR>(&acc[0][0], c, ldc, accumulate);
  }

#if defined(__x86_64__)
  __attribute__((target("avx2"))) static void
  microAvx2(int64_t kp, const int16_t *a, const int8_t *b, int32_t *c,
            int64_t ldc, bool accumulate) {
    __m256i acc[MR][2];
    for (int r = 0; r < MR; ++r)
      acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int32_t *pairs = reinterpret_cast<const int32_t *>(a);
    for (int64_t p = 0; p < kp; ++p, pairs += MR, b += kPanelStep) {
      // Columns 0-7 then 8-15, each as (k, k+1) pairs.
      __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b));
      __m256i b1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + 32));
#pragma clang loop unroll(full)
      for (int r = 0; r < MR; ++r) {
        __m256i x = _mm256_set1_epi32(pairs[r]);
        acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
        acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
      }
    }
    storeAvx2<MR>(acc, c, ldc, accumulate);
  }
#endif

  using Micro = void (*)(int64_t, const int16_t *, const int8_t *, int32_t *,
                         int64_t, bool);
  static Micro micro(S8Layout) {
#if defined(__x86_64__)
    if (useAvx2())
      return microAvx2;
#endif
    return microPortable;
  }
};

//===----------------------------------------------------------------------===//
// Quads
//===----------------------------------------------------------------------===//

struct Quads {
  static constexpr int64_t MR = kS8QuadsMR, KSTEP = 4;
  using AElem = uint8_t;
  static constexpr int64_t kPanelStep = 4 * NR;
  static constexpr int64_t kAStep = MR * 4;

  /// A rows plus 128 (u8), quads of bytes per row, micro-panels of MR rows:
  /// out[((r0 / MR) * kq + q) * MR * 4 + r * 4 + h] = a[r][4q + h] + 128;
  /// padding is 0 (not 128), so it adds nothing.
  static void packA(const int8_t *a, int64_t lda, int64_t rows, int64_t kc,
                    uint8_t *out) {
    const int64_t kq = (kc + 3) / 4, whole = kc / 4;
    for (int64_t r0 = 0; r0 < rows; r0 += MR, out += kq * MR * 4)
      for (int64_t r = 0; r < MR; ++r) {
        uint8_t *dst = out + r * 4;
        if (r0 + r >= rows) {
          for (int64_t q = 0; q < kq; ++q)
            std::memset(dst + q * MR * 4, 0, 4);
          continue;
        }
        const int8_t *src = a + (r0 + r) * lda;
        // a + 128 as u8 is a with its top bit flipped.
        for (int64_t q = 0; q < whole; ++q) {
          uint32_t v;
          std::memcpy(&v, src + 4 * q, 4);
          v ^= 0x80808080u;
          std::memcpy(dst + q * MR * 4, &v, 4);
        }
        for (int64_t q = whole; q < kq; ++q)
          for (int64_t h = 0; h < 4; ++h)
            dst[q * MR * 4 + h] =
                4 * q + h < kc ? uint8_t(src[4 * q + h] + 128) : 0;
      }
  }

  static int64_t place(int64_t kk, int64_t j) {
    return (kk / 4) * 4 * NR + j * 4 + kk % 4;
  }

  static void microPortable(int64_t kq, const uint8_t *a, const int8_t *b,
                            int32_t *c, int64_t ldc, bool accumulate) {
    int32_t acc[MR][NR] = {};
    for (int64_t q = 0; q < kq; ++q, a += 4 * MR, b += 4 * NR)
      for (int64_t r = 0; r < MR; ++r)
        for (int64_t j = 0; j < NR; ++j)
          for (int64_t h = 0; h < 4; ++h)
            acc[r][j] += int32_t(a[4 * r + h]) * b[4 * j + h];
    store<MR>(&acc[0][0], c, ldc, accumulate);
  }

#if defined(__x86_64__)
  /// Only for weights in [-64, 64] (S8Layout::NarrowQuads).
  __attribute__((target("avx2"))) static void
  microAvx2(int64_t kq, const uint8_t *a, const int8_t *b, int32_t *c,
            int64_t ldc, bool accumulate) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i acc[MR][2];
    for (int r = 0; r < MR; ++r)
      acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    const int32_t *quads = reinterpret_cast<const int32_t *>(a);
#pragma clang loop unroll_count(2)
    for (int64_t q = 0; q < kq; ++q, quads += MR, b += kPanelStep) {
      // Columns 0-7 then 8-15, each as 4 bytes of consecutive k.
      __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b));
      __m256i b1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b + 32));
#pragma clang loop unroll(full)
      for (int r = 0; r < MR; ++r) {
        __m256i x = _mm256_set1_epi32(quads[r]);
        acc[r][0] = _mm256_add_epi32(
            acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones));
        acc[r][1] = _mm256_add_epi32(
            acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones));
      }
    }
    storeAvx2<MR>(acc, c, ldc, accumulate);
  }

  /// Any weight: vpdpbusd on 16 columns (one zmm) per row.
  __attribute__((target("avx512f,avx512bw,avx512vnni"))) static void
  microVnni(int64_t kq, const uint8_t *a, const int8_t *b, int32_t *c,
            int64_t ldc, bool accumulate) {
    __m512i acc[MR];
    for (int r = 0; r < MR; ++r)
      acc[r] = _mm512_setzero_si512();
    const int32_t *quads = reinterpret_cast<const int32_t *>(a);
    for (int64_t q = 0; q < kq; ++q, quads += MR, b += kPanelStep) {
      __m512i w = _mm512_loadu_si512(b);
#pragma clang loop unroll(full)
      for (int r = 0; r < MR; ++r)
        acc[r] = _mm512_dpbusd_epi32(acc[r], _mm512_set1_epi32(quads[r]), w);
    }
    for (int r = 0; r < MR; ++r) {
      int32_t *p = c + r * ldc;
      __m512i v = acc[r];
      if (accumulate)
        v = _mm512_add_epi32(_mm512_loadu_si512(p), v);
      _mm512_storeu_si512(p, v);
    }
  }
#endif

  using Micro = void (*)(int64_t, const uint8_t *, const int8_t *, int32_t *,
                         int64_t, bool);
  static Micro micro(S8Layout layout) {
#if defined(__x86_64__)
    if (useAvx512Vnni())
      return microVnni;
    if (layout == S8Layout::NarrowQuads && useAvx2())
      return microAvx2;
#elif defined(__aarch64__)
    if (useI8mm())
      return s8QuadsMicroI8mm;
#endif
    return microPortable;
  }
};

//===----------------------------------------------------------------------===//
// Both
//===----------------------------------------------------------------------===//

/// sum_k a w (no zero points; with Quads, sum_k (a + 128) w) into acc.
template <typename L>
void gemmLayout(S8Layout layout, const int8_t *a, int64_t lda, int64_t m,
                const int8_t *packed, int64_t k, int64_t n, int32_t *acc,
                int64_t ldc, unsigned threads) {
  typename L::Micro kernel = L::micro(layout);
  const int64_t stepsAll = (k + L::KSTEP - 1) / L::KSTEP;
  std::vector<typename L::AElem> packedA(((MC + L::MR - 1) / L::MR) *
                                         (KC / L::KSTEP) * L::kAStep);
  blockedGemm<L::MR, NR>(
      m, n, k, KC, MC, acc, ldc, threads,
      [&](int64_t ic, int64_t mc, int64_t pc, int64_t kc) {
        L::packA(a + ic * lda + pc, lda, mc, kc, packedA.data());
      },
      [&](int64_t panel, int64_t pc, int64_t kc, int64_t ir, int32_t *out,
          int64_t ldo, bool accumulate) {
        const int64_t steps = (kc + L::KSTEP - 1) / L::KSTEP;
        kernel(steps, packedA.data() + (ir / L::MR) * steps * L::kAStep,
               packed + (panel * stepsAll + pc / L::KSTEP) * L::kPanelStep, out,
               ldo, accumulate);
      });
}

template <typename L>
std::vector<int8_t> packLayout(const int8_t *w, int64_t k, int64_t n) {
  const int64_t panels = (n + NR - 1) / NR;
  const int64_t steps = (k + L::KSTEP - 1) / L::KSTEP;
  std::vector<int8_t> data(panels * steps * L::kPanelStep, 0);
  for (int64_t panel = 0; panel < panels; ++panel) {
    int8_t *out = data.data() + panel * steps * L::kPanelStep;
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j) {
        const int8_t v = w[kk * n + panel * NR + j];
        const typename L::AElem wide = v;
        std::memcpy(out + sizeof(wide) * L::place(kk, j), &wide, sizeof(wide));
      }
  }
  return data;
}

} // namespace

PackedS8 mlir::qf::kernels::packS8(const int8_t *w, int64_t k, int64_t n,
                                   const std::vector<int32_t> &zeroPoints) {
  PackedS8 p;
  p.k = k;
  p.n = n;
  if (std::all_of(w, w + k * n, [](int8_t v) { return v >= -64 && v <= 64; }))
    p.layout = S8Layout::NarrowQuads;
  else if (useAvx512Vnni() || useI8mm())
    p.layout = S8Layout::Quads;
  else
    p.layout = S8Layout::Pairs;
  p.data = p.layout == S8Layout::Pairs ? packLayout<Pairs>(w, k, n)
                                       : packLayout<Quads>(w, k, n);
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
  gemmS8(a, lda, m, aZeroPoint, w.layout, w.data.data(), w.colSums.data(),
         w.zeroPoints.data(), w.k, w.n, bias, acc, ldc, threads);
}

void mlir::qf::kernels::gemmS8(const int8_t *a, int64_t lda, int64_t m,
                               int32_t aZeroPoint, S8Layout layout,
                               const int8_t *packed, const int32_t *colSums,
                               const int32_t *zeroPoints, int64_t k, int64_t n,
                               const int32_t *bias, int32_t *acc, int64_t ldc,
                               unsigned threads) {
  if (m <= 0 || n <= 0)
    return;
  if (layout == S8Layout::Pairs)
    gemmLayout<Pairs>(layout, a, lda, m, packed, k, n, acc, ldc, threads);
  else
    gemmLayout<Quads>(layout, a, lda, m, packed, k, n, acc, ldc, threads);
  // The zero points' terms (with the quads' +128 on a), and the bias:
  // per column t[j] = -(za + shift) colsum[j] + K za zw[j] + bias[j], then
  // acc[i, j] += t[j] - zw[j] rowsum[i], in wrapping 32-bit arithmetic as
  // the accumulator's.
  const uint32_t shift = layout == S8Layout::Pairs ? 0 : 128;
  std::vector<uint32_t> columnTerm(n);
  for (int64_t j = 0; j < n; ++j)
    columnTerm[j] =
        -(uint32_t(aZeroPoint) + shift) * uint32_t(colSums[j]) +
        uint32_t(k) * uint32_t(aZeroPoint) * uint32_t(zeroPoints[j]) +
        (bias ? uint32_t(bias[j]) : 0u);
  parallelFor(m, threads, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      uint32_t rowSum = 0;
      for (int64_t kk = 0; kk < k; ++kk)
        rowSum += uint32_t(int32_t(a[i * lda + kk]));
      auto *row = reinterpret_cast<uint32_t *>(acc + i * ldc);
      for (int64_t j = 0; j < n; ++j)
        row[j] += columnTerm[j] - uint32_t(zeroPoints[j]) * rowSum;
    }
  });
}
