//===- KernelsTest.cpp - The CPU kernels against references -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Every kernel on shapes that are not multiples of its tiles (M of 1 to 13,
// N of 1 to 37, K odd and across the K blocks), with 1 and 3 threads:
// - W8A8 equals qf.matmul's arithmetic (int64 reference) exactly;
// - W4A16 and W8A16 with one-hot activation rows return
//   numerics::dequantize of each weight exactly, and on random rows equal a
//   float64 reference to K * 2^-22 relative;
// - f32 equals a float64 reference to K * 2^-23 relative;
// and the AVX2 path of the integer and weight-only kernels gives the same bits
// as the portable one (which AVX2-less hosts run), compared in one process.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/Kernels.h"
#include "numerics/QuantParams.h"
#include "runtime/Kernels/CpuFeatures.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <tuple>

using namespace mlir::qf;
using namespace mlir::qf::kernels;

namespace {

struct Shape {
  int64_t m, n, k;
};

const Shape kShapes[] = {{1, 1, 1},     {1, 37, 300}, {7, 16, 513}, {13, 33, 7},
                         {6, 17, 1030}, {97, 5, 64},  {2, 48, 2}};

TEST(Kernels, S8EqualsTheIntegerReference) {
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(-128, 127);
  // Full-range weights (pairs, or quads with VNNI/i8mm), and weights in
  // [-64, 64] with both ends present (the narrow quads: vpmaddubsw's
  // largest pair sums, 2 * 255 * 64, must not saturate).
  for (bool narrow : {false, true})
    for (const Shape &s : kShapes)
      for (unsigned threads : {1u, 3u}) {
        std::vector<int8_t> a(s.m * s.k), w(s.k * s.n);
        for (int8_t &v : a)
          v = int8_t(byte(rng));
        for (int8_t &v : w)
          v = int8_t(narrow ? byte(rng) / 2 : byte(rng));
        // Row 0 at the top of the activations' range meets columns at both
        // ends of the weights'.
        for (int64_t kk = 0; kk < s.k; ++kk) {
          a[kk] = 127;
          w[kk * s.n] = narrow ? 64 : -128;
          w[kk * s.n + s.n - 1] = narrow ? -64 : 127;
        }
        std::vector<int32_t> zw(s.n), bias(s.n);
        for (int64_t j = 0; j < s.n; ++j) {
          zw[j] = byte(rng) / 4;
          bias[j] = byte(rng) * 1000;
        }
        const int32_t za = -17;
        PackedS8 packed = packS8(w.data(), s.k, s.n, zw);
        EXPECT_EQ(packed.layout == S8Layout::NarrowQuads, narrow);
        std::vector<int32_t> acc(s.m * s.n, -1);
        gemmS8(a.data(), s.k, s.m, za, packed, bias.data(), acc.data(), s.n,
               threads);
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            int64_t ref = bias[j];
            for (int64_t kk = 0; kk < s.k; ++kk)
              ref += int64_t(a[i * s.k + kk] - za) * (w[kk * s.n + j] - zw[j]);
            ASSERT_EQ(acc[i * s.n + j], ref)
                << s.m << "x" << s.n << "x" << s.k << " at " << i << "," << j;
          }
      }
}

/// Random codes in [lo, hi] and group parameters, and the dequantized
/// weight.
template <typename Code> struct WeightOnly {
  std::vector<Code> codes;
  std::vector<float> scales, zeros, dequantized;
};

template <typename Code>
WeightOnly<Code> randomWeightOnly(const Shape &s, int64_t group,
                                  std::mt19937 &rng) {
  std::uniform_int_distribution<int> code(std::numeric_limits<Code>::min(),
                                          std::numeric_limits<Code>::max());
  if (std::is_same_v<Code, uint8_t>) // 4-bit
    code = std::uniform_int_distribution<int>(0, 15);
  std::uniform_real_distribution<float> scale(0.001f, 0.2f);
  WeightOnly<Code> w;
  for (int64_t i = 0; i < s.k * s.n; ++i)
    w.codes.push_back(Code(code(rng)));
  for (int64_t i = 0; i < (s.k / group) * s.n; ++i) {
    w.scales.push_back(scale(rng));
    w.zeros.push_back(float(code(rng)));
  }
  for (int64_t kk = 0; kk < s.k; ++kk)
    for (int64_t j = 0; j < s.n; ++j) {
      int64_t g = (kk / group) * s.n + j;
      w.dequantized.push_back(numerics::dequantize(
          w.codes[kk * s.n + j], w.scales[g], int64_t(w.zeros[g])));
    }
  return w;
}

/// The largest divisor of `k` up to 128 below k (1 for primes): several
/// groups of an odd size (27 for K = 513, 103 for 1030, 100 for 300), whose
/// last k % 4 inputs take the single-row tile's leftover path.
int64_t middleGroup(int64_t k) {
  for (int64_t g = std::min<int64_t>(128, k - 1); g > 1; --g)
    if (k % g == 0)
      return g;
  return 1;
}

/// One-hot activation rows give numerics::dequantize of each weight
/// exactly; random rows equal float64 to K * 2^-22 relative.
template <typename Code, typename Pack, typename Gemm>
void checkWeightOnly(Pack pack, Gemm gemm, double maxCode) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0, 1);
  for (const Shape &s : kShapes)
    for (int64_t group : {int64_t(1), middleGroup(s.k), s.k}) {
      WeightOnly<Code> w = randomWeightOnly<Code>(s, group, rng);
      auto packed = pack(w.codes.data(), s.k, s.n, group, w.scales.data(),
                         w.zeros.data());
      // One-hot rows: row r selects input r % K; 9 rows take the fused
      // tiles, 17 the dequantized blocks.
      for (int64_t m : {int64_t(9), int64_t(17)}) {
        std::vector<float> eye(m * s.k, 0.0f), c(m * s.n);
        for (int64_t r = 0; r < m; ++r)
          eye[r * s.k + r % s.k] = 1.0f;
        gemm(eye.data(), s.k, m, packed, c.data(), s.n, 3);
        for (int64_t r = 0; r < m; ++r)
          for (int64_t j = 0; j < s.n; ++j)
            ASSERT_EQ(c[r * s.n + j], w.dequantized[(r % s.k) * s.n + j])
                << s.n << "x" << s.k << " g" << group << " m" << m << " at "
                << r << "," << j;
      }
      // Random rows against float64.
      std::vector<float> a(s.m * s.k);
      for (float &v : a)
        v = normal(rng);
      std::vector<float> out(s.m * s.n);
      gemm(a.data(), s.k, s.m, packed, out.data(), s.n, 1);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          double ref = 0, mag = 0;
          for (int64_t kk = 0; kk < s.k; ++kk) {
            double term = double(a[i * s.k + kk]) * w.dequantized[kk * s.n + j];
            ref += term;
            mag += std::fabs(term) + std::fabs(a[i * s.k + kk]) * maxCode * 0.2;
          }
          ASSERT_NEAR(out[i * s.n + j], ref, mag * s.k * 0x1p-22 + 1e-30);
        }
    }
}

TEST(Kernels, W4DequantizesExactlyAndMultipliesClosely) {
  checkWeightOnly<uint8_t>(
      packW4,
      [](const float *a, int64_t lda, int64_t m, const PackedW4 &w, float *c,
         int64_t ldc,
         unsigned threads) { gemmW4(a, lda, m, w, c, ldc, threads); },
      16);
}

TEST(Kernels, W8DequantizesExactlyAndMultipliesClosely) {
  checkWeightOnly<int8_t>(
      packW8,
      [](const float *a, int64_t lda, int64_t m, const PackedW8 &w, float *c,
         int64_t ldc,
         unsigned threads) { gemmW8(a, lda, m, w, c, ldc, threads); },
      256);
}

TEST(Kernels, F32MatchesFloat64) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  for (const Shape &s : kShapes)
    for (unsigned threads : {1u, 3u}) {
      std::vector<float> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n);
      for (float &v : a)
        v = normal(rng);
      for (float &v : b)
        v = normal(rng);
      PackedF32 packed = packF32(b.data(), s.k, s.n);
      gemmF32(a.data(), s.k, s.m, packed, c.data(), s.n, threads);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          double ref = 0, mag = 0;
          for (int64_t kk = 0; kk < s.k; ++kk) {
            double t = double(a[i * s.k + kk]) * b[kk * s.n + j];
            ref += t;
            mag += std::fabs(t);
          }
          ASSERT_NEAR(c[i * s.n + j], ref, mag * s.k * 0x1p-23 + 1e-30)
              << s.m << "x" << s.n << "x" << s.k;
        }
    }
}

TEST(Kernels, FastAndPortablePathsGiveTheSameBits) {
  if (!useAvx2())
    GTEST_SKIP() << "no AVX2 on this host: only the portable path runs";
  std::mt19937 rng(4);
  std::normal_distribution<float> normal(0, 1);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (const Shape &s : kShapes) {
    std::vector<float> a(s.m * s.k), b(s.k * s.n);
    std::vector<int8_t> a8(s.m * s.k), w8(s.k * s.n);
    for (int64_t i = 0; i < s.m * s.k; ++i) {
      a[i] = normal(rng);
      a8[i] = int8_t(byte(rng));
    }
    for (int64_t i = 0; i < s.k * s.n; ++i) {
      b[i] = normal(rng);
      w8[i] = int8_t(byte(rng));
    }
    WeightOnly<uint8_t> w4 = randomWeightOnly<uint8_t>(s, s.k, rng);
    WeightOnly<int8_t> w8only = randomWeightOnly<int8_t>(s, s.k, rng);
    PackedF32 pf = packF32(b.data(), s.k, s.n);
    PackedS8 ps = packS8(w8.data(), s.k, s.n);
    std::vector<int8_t> narrow(w8);
    for (int8_t &v : narrow)
      v = int8_t(v / 2);
    PackedS8 psNarrow = packS8(narrow.data(), s.k, s.n);
    PackedW4 pw = packW4(w4.codes.data(), s.k, s.n, s.k, w4.scales.data(),
                         w4.zeros.data());
    PackedW8 pw8 = packW8(w8only.codes.data(), s.k, s.n, s.k,
                          w8only.scales.data(), w8only.zeros.data());
    auto run = [&] {
      std::vector<float> f(s.m * s.n), q(s.m * s.n), q8(s.m * s.n);
      std::vector<int32_t> i(s.m * s.n), iNarrow(s.m * s.n);
      gemmF32(a.data(), s.k, s.m, pf, f.data(), s.n);
      gemmS8(a8.data(), s.k, s.m, 3, ps, nullptr, i.data(), s.n);
      gemmS8(a8.data(), s.k, s.m, 3, psNarrow, nullptr, iNarrow.data(), s.n);
      gemmW4(a.data(), s.k, s.m, pw, q.data(), s.n);
      gemmW8(a.data(), s.k, s.m, pw8, q8.data(), s.n);
      return std::tuple(f, i, q, iNarrow, q8);
    };
    auto fast = run();
    ScopedPortableKernels portable;
    EXPECT_EQ(std::get<1>(fast), std::get<1>(run()));
    EXPECT_EQ(std::get<2>(fast), std::get<2>(run()));
    EXPECT_EQ(std::get<3>(fast), std::get<3>(run()));
    EXPECT_EQ(std::get<4>(fast), std::get<4>(run()));
    EXPECT_EQ(std::get<0>(fast), std::get<0>(run()));
  }
}

} // namespace
