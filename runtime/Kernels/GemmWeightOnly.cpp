//===- GemmWeightOnly.cpp - W4A16 and W8A16 GEMM/GEMV ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Few rows (M < 16, decode): per 16-column panel and group, the codes of
// each k are unpacked once (4-bit: 8 bytes zero-extended to 32-bit lanes,
// the low nibbles columns 0-7 and the high ones 8-15; 8-bit: 16 bytes
// sign-extended), converted to f32 and multiplied into up to 4 activation
// rows, with 4 (one row), 2 (two rows) or 1 interleaved partial sums so
// that FMA latency chains overlap (GEMV is otherwise latency-bound); at the
// group's end c += scale (s - zero sum_k a[k]), so the zero point costs
// one fused multiply-add per group instead of a subtraction per weight.
// Many rows (prefill): Blocking.h's loop nest over the f32 GEMM's
// micro-kernel (MicroF32.h), each thread dequantizing a KC x 16 block of
// the weight, (code - zero) * scale as numerics::dequantize computes it,
// before the row tiles that use it; unpacking then costs about 1/MC of
// the multiply-adds. The portable paths perform the same operations in the
// same order (std::fma), so they give the same bits.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/Blocking.h"
#include "runtime/Kernels/CpuFeatures.h"
#include "runtime/Kernels/Kernels.h"
#include "runtime/Kernels/MicroF32.h"
#include "runtime/Kernels/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;

namespace {

constexpr int64_t NR = 16, MR = 4;
static_assert(NR == f32::NR, "weight panels are the f32 GEMM's");

/// From this many rows, dequantized blocks and the f32 GEMM.
constexpr int64_t kDequantizeRows = 16;

/// 4-bit codes 0..15: per k, 8 bytes; byte j holds column j in its low
/// nibble and column j + 8 in its high one.
struct Nibbles {
  static constexpr int64_t kBytes = 8;
  static float code(const uint8_t *p, int j) {
    return float(j < 8 ? p[j] & 0xF : p[j - 8] >> 4);
  }
  static void put(uint8_t *p, int j, int code) {
    p[j % 8] |= uint8_t((code & 0xF) << (j < 8 ? 0 : 4));
  }
#if defined(__x86_64__)
  /// Columns 0-7 and 8-15 of one k as f32.
  __attribute__((target("avx2"), always_inline)) static inline void
  unpack(const uint8_t *p, __m256 &lo, __m256 &hi) {
    __m256i v = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
    lo = _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(0xF)));
    hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(v, 4));
  }
#endif
};

/// Signed 8-bit codes: per k, 16 bytes, column j in byte j.
struct Bytes {
  static constexpr int64_t kBytes = 16;
  static float code(const uint8_t *p, int j) { return float(int8_t(p[j])); }
  static void put(uint8_t *p, int j, int code) { p[j] = uint8_t(code); }
#if defined(__x86_64__)
  __attribute__((target("avx2"), always_inline)) static inline void
  unpack(const uint8_t *p, __m256 &lo, __m256 &hi) {
    lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p))));
    hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p + 8))));
  }
#endif
};

/// What one call computes: rows [i0, i0 + ROWS) x one panel.
struct Tile {
  const float *a;
  int64_t lda;
  const uint8_t *codes; // the panel's, k-major, Codes::kBytes per k
  const float *scales;  // the panel's, [groups][NR]
  const float *zeros;   // the panel's, [groups][NR]
  const float *aSums;   // [ROWS][groups]
  float *c;             // [ROWS][NR] scratch, ld NR
  int64_t k, group;
};

/// Independent partial sums per group: with fewer rows, more of them, so
/// the FMA latency chains overlap. Partial u takes the group's k with
/// (k - start) % U == u, except the last group % U, which partial 0 takes;
/// they are added in order 0, 1, ... at the end.
template <int ROWS> constexpr int kPartials = ROWS == 1 ? 4 : ROWS == 2 ? 2 : 1;

template <typename Codes, int ROWS> void tilePortable(const Tile &t) {
  constexpr int U = kPartials<ROWS>;
  const int64_t groups = t.k / t.group;
  for (int64_t g = 0; g < groups; ++g) {
    float s[U][ROWS][NR] = {};
    const int64_t full = t.group / U * U;
    for (int64_t kk = g * t.group; kk < (g + 1) * t.group; ++kk) {
      const int64_t i = kk - g * t.group;
      const int u = i < full ? int(i % U) : 0;
      float w[NR];
      for (int j = 0; j < NR; ++j)
        w[j] = Codes::code(t.codes + kk * Codes::kBytes, j);
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
template <typename Codes, int ROWS>
__attribute__((target("avx2,fma"))) void tileAvx2(const Tile &t) {
  constexpr int U = kPartials<ROWS>;
  const int64_t groups = t.k / t.group;
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
      for (int u = 0; u < U; ++u, codes += Codes::kBytes) {
        __m256 w0, w1;
        Codes::unpack(codes, w0, w1);
        for (int r = 0; r < ROWS; ++r) {
          __m256 x = _mm256_broadcast_ss(t.a + r * t.lda + kk + u);
          s[u][r][0] = _mm256_fmadd_ps(x, w0, s[u][r][0]);
          s[u][r][1] = _mm256_fmadd_ps(x, w1, s[u][r][1]);
        }
      }
    // The last group % U inputs go to partial 0.
    for (; kk < end; ++kk, codes += Codes::kBytes) {
      __m256 w0, w1;
      Codes::unpack(codes, w0, w1);
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

template <typename Codes> void runTile(const Tile &t, int rows) {
#if defined(__x86_64__)
  if (useAvx2()) {
    switch (rows) {
    case 1:
      return tileAvx2<Codes, 1>(t);
    case 2:
      return tileAvx2<Codes, 2>(t);
    case 3:
      return tileAvx2<Codes, 3>(t);
    default:
      return tileAvx2<Codes, 4>(t);
    }
  }
#endif
  switch (rows) {
  case 1:
    return tilePortable<Codes, 1>(t);
  case 2:
    return tilePortable<Codes, 2>(t);
  case 3:
    return tilePortable<Codes, 3>(t);
  default:
    return tilePortable<Codes, 4>(t);
  }
}

/// Weights [kc, NR] of one panel from k = pc, (code - zero) * scale.
template <typename Codes>
void dequantizePortable(const uint8_t *codes, const float *scales,
                        const float *zeros, int64_t group, int64_t pc,
                        int64_t kc, float *out) {
  for (int64_t kk = pc; kk < pc + kc; ++kk, out += NR) {
    const int64_t g = kk / group;
    for (int j = 0; j < NR; ++j)
      out[j] =
          (Codes::code(codes + kk * Codes::kBytes, j) - zeros[g * NR + j]) *
          scales[g * NR + j];
  }
}

#if defined(__x86_64__)
template <typename Codes>
__attribute__((target("avx2"))) void
dequantizeAvx2(const uint8_t *codes, const float *scales, const float *zeros,
               int64_t group, int64_t pc, int64_t kc, float *out) {
  for (int64_t kk = pc; kk < pc + kc; ++kk, out += NR) {
    const int64_t g = kk / group;
    __m256 w[2];
    Codes::unpack(codes + kk * Codes::kBytes, w[0], w[1]);
    for (int h = 0; h < 2; ++h)
      _mm256_storeu_ps(
          out + 8 * h,
          _mm256_mul_ps(
              _mm256_sub_ps(w[h], _mm256_loadu_ps(zeros + g * NR + 8 * h)),
              _mm256_loadu_ps(scales + g * NR + 8 * h)));
  }
}
#endif

/// Which weight block a thread's buffer holds: a call (numbered), a panel
/// and a K block.
struct BlockKey {
  uint64_t call = 0;
  int64_t panel = -1, pc = -1;
  bool operator==(const BlockKey &) const = default;
};

template <typename Codes>
void gemmDequantized(const float *a, int64_t lda, int64_t m,
                     const uint8_t *codes, const float *scales,
                     const float *zeros, int64_t k, int64_t n, int64_t group,
                     float *c, int64_t ldc, unsigned threads, bool accumulate) {
  static std::atomic<uint64_t> calls{0};
  const uint64_t call = ++calls;
  const int64_t groups = k / group;
  auto dequantize = dequantizePortable<Codes>;
#if defined(__x86_64__)
  if (useAvx2())
    dequantize = dequantizeAvx2<Codes>;
#endif
  f32::Micro kernel = f32::micro();
  std::vector<float> packedA(((f32::MC + f32::MR - 1) / f32::MR) * f32::MR *
                             f32::KC);
  blockedGemm<f32::MR, NR>(
      m, n, k, f32::KC, f32::MC, c, ldc, threads,
      [&](int64_t ic, int64_t mc, int64_t pc, int64_t kc) {
        f32::packA(a + ic * lda + pc, lda, mc, kc, packedA.data());
      },
      [&](int64_t panel, int64_t pc, int64_t kc, int64_t ir, float *out,
          int64_t ldo, bool acc) {
        thread_local std::vector<float> block;
        thread_local BlockKey held;
        BlockKey key{call, panel, pc};
        if (!(held == key)) {
          block.resize(f32::KC * NR);
          dequantize(codes + panel * k * Codes::kBytes,
                     scales + panel * groups * NR, zeros + panel * groups * NR,
                     group, pc, kc, block.data());
          held = key;
        }
        kernel(kc, packedA.data() + ir * kc, block.data(), out, ldo, acc);
      },
      accumulate);
}

/// Codes row-major [K, N] into panels; scales and zeros [K / group, N] into
/// per-panel [groups][NR] (zero-padded).
template <typename Codes, typename Packed, typename Code>
Packed pack(const Code *codes, int64_t k, int64_t n, int64_t group,
            const float *scales, const float *zeros) {
  Packed p;
  p.k = k;
  p.n = n;
  p.group = group;
  const int64_t panels = (n + NR - 1) / NR, groups = k / group;
  p.codes.assign(panels * k * Codes::kBytes, 0);
  p.scales.assign(panels * groups * NR, 0.0f);
  p.zeros.assign(panels * groups * NR, 0.0f);
  for (int64_t panel = 0; panel < panels; ++panel) {
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j)
        Codes::put(p.codes.data() + (panel * k + kk) * Codes::kBytes, int(j),
                   codes[kk * n + panel * NR + j]);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < NR && panel * NR + j < n; ++j) {
        p.scales[(panel * groups + g) * NR + j] =
            scales[g * n + panel * NR + j];
        p.zeros[(panel * groups + g) * NR + j] = zeros[g * n + panel * NR + j];
      }
  }
  return p;
}

template <typename Codes>
void gemm(const float *a, int64_t lda, int64_t m, const uint8_t *codes,
          const float *scales, const float *zeros, int64_t k, int64_t n,
          int64_t group, float *c, int64_t ldc, unsigned threads,
          bool accumulate) {
  const int64_t panels = (n + NR - 1) / NR;
  const int64_t groups = group > 0 ? k / group : 0;
  if (m <= 0 || n <= 0)
    return;
  if (m >= kDequantizeRows && k > 0)
    return gemmDequantized<Codes>(a, lda, m, codes, scales, zeros, k, n, group,
                                  c, ldc, threads, accumulate);
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
               codes + panel * k * Codes::kBytes,
               scales + panel * groups * NR,
               zeros + panel * groups * NR,
               aSums.data() + i0 * groups,
               scratch,
               k,
               group};
        runTile<Codes>(t, rows);
        for (int r = 0; r < rows; ++r)
          std::copy(scratch + r * NR, scratch + r * NR + cols,
                    c + (i0 + r) * ldc + panel * NR);
      }
    }
  });
}

} // namespace

PackedW4 mlir::qf::kernels::packW4(const uint8_t *codes, int64_t k, int64_t n,
                                   int64_t group, const float *scales,
                                   const float *zeros) {
  return pack<Nibbles, PackedW4>(codes, k, n, group, scales, zeros);
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
  gemm<Nibbles>(a, lda, m, codes, scales, zeros, k, n, group, c, ldc, threads,
                accumulate);
}

PackedW8 mlir::qf::kernels::packW8(const int8_t *codes, int64_t k, int64_t n,
                                   int64_t group, const float *scales,
                                   const float *zeros) {
  return pack<Bytes, PackedW8>(codes, k, n, group, scales, zeros);
}

void mlir::qf::kernels::gemmW8(const float *a, int64_t lda, int64_t m,
                               const PackedW8 &w, float *c, int64_t ldc,
                               unsigned threads) {
  gemmW8(a, lda, m, w.codes.data(), w.scales.data(), w.zeros.data(), w.k, w.n,
         w.group, c, ldc, threads, /*accumulate=*/false);
}

void mlir::qf::kernels::gemmW8(const float *a, int64_t lda, int64_t m,
                               const uint8_t *codes, const float *scales,
                               const float *zeros, int64_t k, int64_t n,
                               int64_t group, float *c, int64_t ldc,
                               unsigned threads, bool accumulate) {
  gemm<Bytes>(a, lda, m, codes, scales, zeros, k, n, group, c, ldc, threads,
              accumulate);
}
