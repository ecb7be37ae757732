//===- GemmW4.cpp - W4A16 weight-only GEMM/GEMV ---------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Per 16-column panel and group: the codes of each k are unpacked once
// (one 32-bit word per 8 columns, shifted per lane and masked, converted
// to f32) and multiplied into up to 4 activation rows, with 4 (one row), 2
// (two rows) or 1 interleaved partial sums so that FMA latency chains
// overlap (GEMV is otherwise latency-bound); at the group's end
// c += scale (s - zero sum_k a[k]), so the zero point costs one fused
// multiply-add per group instead of a subtraction per weight. The portable
// path performs the same fused operations in the same order (std::fma),
// so both give the same bits.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/Kernels.h"
#include "runtime/Kernels/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;

namespace {

constexpr int64_t NR = 16, MR = 4;

/// What one call computes: rows [i0, i0 + ROWS) x one panel.
struct Tile {
  const float *a;
  int64_t lda;
  const uint8_t *codes; // the panel's, k-major, 8 bytes per k
  const float *scales;  // the panel's, [groups][NR]
  const float *zeros;   // the panel's, [groups][NR]
  const float *aSums;   // [ROWS][groups]
  float *c;             // [ROWS][NR] scratch, ld NR
  int64_t k, group;
};

uint32_t codeWord(const uint8_t *p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

/// Independent partial sums per group: with fewer rows, more of them, so
/// the FMA latency chains overlap. Partial u takes the group's k with
/// (k - start) % U == u, except the last group % U, which partial 0 takes;
/// they are added in order 0, 1, ... at the end.
template <int ROWS> constexpr int kPartials = ROWS == 1 ? 4 : ROWS == 2 ? 2 : 1;

template <int ROWS> void tilePortable(const Tile &t) {
  constexpr int U = kPartials<ROWS>;
  const int64_t groups = t.k / t.group;
  for (int64_t g = 0; g < groups; ++g) {
    float s[U][ROWS][NR] = {};
    const int64_t full = t.group / U * U;
    for (int64_t kk = g * t.group; kk < (g + 1) * t.group; ++kk) {
      const int64_t i = kk - g * t.group;
      const int u = i < full ? int(i % U) : 0;
      float w[NR];
      for (int h = 0; h < 2; ++h) {
        uint32_t word = codeWord(t.codes + kk * 8 + 4 * h);
        for (int j = 0; j < 8; ++j)
          w[8 * h + j] = float((word >> (4 * j)) & 0xF);
      }
      for (int r = 0; r < ROWS; ++r) {
        float x = t.a[r * t.lda + kk];
        for (int j = 0; j < NR; ++j)
          s[u][r][j] = std::fma(x, w[j], s[u][r][j]);
      }
    }
    for (int r = 0; r < ROWS; ++r)
      for (int j = 0; j < NR; ++j) {
        float total = s[0][r][j];
        for (int u = 1; u < U; ++u)
          total += s[u][r][j];
        float d =
            std::fma(-t.zeros[g * NR + j], t.aSums[r * groups + g], total);
        t.c[r * NR + j] = std::fma(t.scales[g * NR + j], d, t.c[r * NR + j]);
      }
  }
}

#if defined(__x86_64__)
/// The 8 codes of one 32-bit word as f32.
__attribute__((target("avx2"), always_inline)) inline __m256
unpackCodes(const uint8_t *p, __m256i shifts, __m256i mask) {
  return _mm256_cvtepi32_ps(_mm256_and_si256(
      _mm256_srlv_epi32(_mm256_set1_epi32(int(codeWord(p))), shifts), mask));
}

template <int ROWS>
__attribute__((target("avx2,fma"))) void tileAvx2(const Tile &t) {
  constexpr int U = kPartials<ROWS>;
  const int64_t groups = t.k / t.group;
  const __m256i shifts = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
  const __m256i mask = _mm256_set1_epi32(0xF);
  __m256 c[ROWS][2];
  for (int r = 0; r < ROWS; ++r)
    for (int h = 0; h < 2; ++h)
      c[r][h] = _mm256_loadu_ps(t.c + r * NR + 8 * h);
  const uint8_t *codes = t.codes;
  for (int64_t g = 0; g < groups; ++g) {
    __m256 s[U][ROWS][2];
    for (int u = 0; u < U; ++u)
      for (int r = 0; r < ROWS; ++r)
        s[u][r][0] = s[u][r][1] = _mm256_setzero_ps();
    const int64_t start = g * t.group, end = start + t.group;
    int64_t kk = start;
    for (; kk + U <= end; kk += U)
      for (int u = 0; u < U; ++u, codes += 8) {
        __m256 w0 = unpackCodes(codes, shifts, mask),
               w1 = unpackCodes(codes + 4, shifts, mask);
        for (int r = 0; r < ROWS; ++r) {
          __m256 x = _mm256_broadcast_ss(t.a + r * t.lda + kk + u);
          s[u][r][0] = _mm256_fmadd_ps(x, w0, s[u][r][0]);
          s[u][r][1] = _mm256_fmadd_ps(x, w1, s[u][r][1]);
        }
      }
    // The last group % U inputs go to partial 0.
    for (; kk < end; ++kk, codes += 8) {
      __m256 w0 = unpackCodes(codes, shifts, mask),
             w1 = unpackCodes(codes + 4, shifts, mask);
      for (int r = 0; r < ROWS; ++r) {
        __m256 x = _mm256_broadcast_ss(t.a + r * t.lda + kk);
        s[0][r][0] = _mm256_fmadd_ps(x, w0, s[0][r][0]);
        s[0][r][1] = _mm256_fmadd_ps(x, w1, s[0][r][1]);
      }
    }
    for (int h = 0; h < 2; ++h) {
      __m256 scale = _mm256_loadu_ps(t.scales + g * NR + 8 * h);
      __m256 zero = _mm256_loadu_ps(t.zeros + g * NR + 8 * h);
      for (int r = 0; r < ROWS; ++r) {
        __m256 total = s[0][r][h];
        for (int u = 1; u < U; ++u)
          total = _mm256_add_ps(total, s[u][r][h]);
        __m256 d = _mm256_fnmadd_ps(
            zero, _mm256_set1_ps(t.aSums[r * groups + g]), total);
        c[r][h] = _mm256_fmadd_ps(scale, d, c[r][h]);
      }
    }
  }
  for (int r = 0; r < ROWS; ++r)
    for (int h = 0; h < 2; ++h)
      _mm256_storeu_ps(t.c + r * NR + 8 * h, c[r][h]);
}
#endif

void runTile(const Tile &t, int rows) {
#if defined(__x86_64__)
  if (useAvx2()) {
    switch (rows) {
    case 1:
      return tileAvx2<1>(t);
    case 2:
      return tileAvx2<2>(t);
    case 3:
      return tileAvx2<3>(t);
    default:
      return tileAvx2<4>(t);
    }
  }
#endif
  switch (rows) {
  case 1:
    return tilePortable<1>(t);
  case 2:
    return tilePortable<2>(t);
  case 3:
    return tilePortable<3>(t);
  default:
    return tilePortable<4>(t);
  }
}

} // namespace

PackedW4 mlir::qf::kernels::packW4(const uint8_t *codes, int64_t k, int64_t n,
                                   int64_t group, const float *scales,
                                   const float *zeros) {
  PackedW4 p;
  p.k = k;
  p.n = n;
  p.group = group;
  const int64_t panels = (n + NR - 1) / NR, groups = k / group;
  p.codes.assign(panels * k * 8, 0);
  p.scales.assign(panels * groups * NR, 0.0f);
  p.zeros.assign(panels * groups * NR, 0.0f);
  for (int64_t panel = 0; panel < panels; ++panel) {
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j) {
        uint8_t code = codes[kk * n + panel * NR + j] & 0xF;
        // Column j: word j / 8, nibble j % 8 (byte (j % 8) / 2).
        int64_t byte = (j / 8) * 4 + (j % 8) / 2;
        p.codes[(panel * k + kk) * 8 + byte] |= code << (4 * (j % 2));
      }
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j) {
        p.scales[(panel * groups + g) * NR + j] =
            scales[g * n + panel * NR + j];
        p.zeros[(panel * groups + g) * NR + j] = zeros[g * n + panel * NR + j];
      }
  }
  return p;
}

void mlir::qf::kernels::gemmW4(const float *a, int64_t lda, int64_t m,
                               const PackedW4 &w, float *c, int64_t ldc,
                               unsigned threads) {
  gemmW4(a, lda, m, w.codes.data(), w.scales.data(), w.zeros.data(), w.k, w.n,
         w.group, c, ldc, threads, /*accumulate=*/false);
}

void mlir::qf::kernels::gemmW4(const float *a, int64_t lda, int64_t m,
                               const uint8_t *codes, const float *scales,
                               const float *zeros, int64_t k, int64_t n,
                               int64_t group, float *c, int64_t ldc,
                               unsigned threads, bool accumulate) {
  const int64_t panels = (n + NR - 1) / NR;
  const int64_t groups = group > 0 ? k / group : 0;
  if (m <= 0 || n <= 0)
    return;
  // sum_k a[i, k] per group, in order.
  std::vector<float> aSums(m * groups, 0.0f);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t g = 0; g < groups; ++g) {
      float s = 0;
      for (int64_t kk = g * group; kk < (g + 1) * group; ++kk)
        s += a[i * lda + kk];
      aSums[i * groups + g] = s;
    }
  parallelFor(panels, threads, [&](int64_t first, int64_t last) {
    float scratch[MR * NR];
    for (int64_t panel = first; panel < last; ++panel) {
      const int64_t cols = std::min(NR, n - panel * NR);
      for (int64_t i0 = 0; i0 < m; i0 += MR) {
        const int rows = int(std::min(MR, m - i0));
        std::fill(scratch, scratch + MR * NR, 0.0f);
        if (accumulate)
          for (int r = 0; r < rows; ++r)
            std::copy(c + (i0 + r) * ldc + panel * NR,
                      c + (i0 + r) * ldc + panel * NR + cols, scratch + r * NR);
        Tile t{a + i0 * lda,
               lda,
               codes + panel * k * 8,
               scales + panel * groups * NR,
               zeros + panel * groups * NR,
               aSums.data() + i0 * groups,
               scratch,
               k,
               group};
        runTile(t, rows);
        for (int r = 0; r < rows; ++r)
          std::copy(scratch + r * NR, scratch + r * NR + cols,
                    c + (i0 + r) * ldc + panel * NR);
      }
    }
  });
}
