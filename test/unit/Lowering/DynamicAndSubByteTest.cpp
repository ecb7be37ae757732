//===- DynamicAndSubByteTest.cpp - Run-time scales and packed weights -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The lowerings of qf.dynamic_quantize / qf.dynamic_dequantize, of
// qf.dequantize(qf.unpack) and of weight-only matmuls (dequantize on the
// fly), run by the CPU JIT, against numerics computed here.
//
//===----------------------------------------------------------------------===//

#include "numerics/Packing.h"
#include "numerics/QuantParams.h"
#include "test/unit/Lowering/LoweringHarness.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace mlir::qf;
namespace numerics = mlir::qf::numerics;

namespace {

class DynamicTest : public ::testing::TestWithParam<const char *>,
                    public qf::testing::LoweringHarness {};

TEST_P(DynamicTest, PerTokenMatchesNumerics) {
  const std::string mode = GetParam();
  numerics::RoundingMode reference = *numerics::parseRoundingMode(mode);
  const uint64_t seed = 77;
  std::string spelling =
      mode == "stochastic" ? mode + " seed " + std::to_string(seed) : mode;
  constexpr int64_t rows = 64, cols = 32;
  std::string source = llvm::formatv(R"(
func.func @main(%x: tensor<64x32xf32>) -> (tensor<64x32xi8>, tensor<64x1xf32>, tensor<64x32xf32>, tensor<1x1xf32>) {
  %q, %s = qf.dynamic_quantize %x {0} : tensor<64x32xf32> -> tensor<64x32x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<64x1xf32>
  %d = qf.dynamic_dequantize %q, %s : tensor<64x32x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<64x1xf32> -> tensor<64x32xf32>
  %qt, %st = qf.dynamic_quantize %x {0} : tensor<64x32xf32> -> tensor<64x32x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<1x1xf32>
  %qi = quant.scast %q : tensor<64x32x!quant.uniform<i8<-127:127>:f32, 1.0>> to tensor<64x32xi8>
  return %qi, %s, %d, %st : tensor<64x32xi8>, tensor<64x1xf32>, tensor<64x32xf32>, tensor<1x1xf32>
}
)",
                                     spelling);
  // Rows of ties at several scales, an all-zero row, a NaN, random data.
  std::vector<float> values(rows * cols);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      values[r * cols + c] =
          r % 4 == 0 ? (c - 16 + 0.5f) * (r + 1) : normal(rng);
  std::fill_n(values.begin() + 5 * cols, cols, 0.0f);
  values[7 * cols + 3] = std::numeric_limits<float>::quiet_NaN();
  runtime::HostTensor x(runtime::DType::F32, {rows, cols});
  std::memcpy(x.data(), values.data(), values.size() * sizeof(float));
  std::vector<runtime::HostTensor> out = lowerAndRun(source, {&x});
  ASSERT_EQ(out.size(), 4u);

  auto range = numerics::IntRange::forBits(8, true, /*narrow=*/true);
  float tensorMax = 0.0f;
  for (int64_t r = 0; r < rows; ++r) {
    float absMax = 0.0f;
    for (int64_t c = 0; c < cols; ++c)
      if (!std::isnan(values[r * cols + c]))
        absMax = std::max(absMax, std::fabs(values[r * cols + c]));
    tensorMax = std::max(tensorMax, absMax);
    float scale = absMax == 0.0f ? 1.0f : absMax / 127.0f;
    ASSERT_EQ(out[1].dataAs<float>()[r], scale) << "row " << r;
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      int64_t q =
          numerics::quantize(values[i], scale, 0, range, reference, seed, i);
      ASSERT_EQ(out[0].dataAs<int8_t>()[i], q) << "element " << i;
      ASSERT_EQ(out[2].dataAs<float>()[i], (float(q) * 1.0f) * scale)
          << "element " << i;
    }
  }
  EXPECT_EQ(out[3].dataAs<float>()[0], tensorMax / 127.0f);
}

INSTANTIATE_TEST_SUITE_P(Rounding, DynamicTest,
                         ::testing::Values("half_even", "half_away",
                                           "toward_zero", "stochastic"));

class SubByteTest : public ::testing::TestWithParam<unsigned>,
                    public qf::testing::LoweringHarness {};

/// Random signed codes of `bits` bits for a [rows, cols] weight, packed per
/// row, and the i8 tensor holding the bytes.
struct PackedWeight {
  std::vector<int64_t> codes;
  runtime::HostTensor bytes;
};

PackedWeight randomPacked(unsigned bits, int64_t rows, int64_t cols) {
  std::mt19937 rng(bits);
  auto range = numerics::IntRange::forBits(bits, true);
  std::uniform_int_distribution<int64_t> dist(range.min, range.max);
  PackedWeight w{
      {},
      runtime::HostTensor(runtime::DType::I8,
                          {rows, numerics::packedRowBytes(cols, bits)})};
  for (int64_t i = 0; i < rows * cols; ++i)
    w.codes.push_back(dist(rng));
  std::vector<uint8_t> packed =
      numerics::packBits(w.codes.data(), rows, cols, bits);
  std::memcpy(w.bytes.data(), packed.data(), packed.size());
  return w;
}

// Group g of column n (groups of 4 rows) has scale (n + 1) / 64 + g / 8
// (exact in binary and in six decimals) and zero point (n + g) % 3 - 1.
std::string groupType(unsigned bits, int64_t rows, int64_t cols) {
  std::string grid;
  for (int64_t g = 0; g < rows / 4; ++g) {
    grid += g ? ", {" : "{";
    for (int64_t n = 0; n < cols; ++n)
      grid += llvm::formatv("{0}{1:f6}:{2}", n ? ", " : "",
                            (n + 1) / 64.0 + g / 8.0, (n + g) % 3 - 1)
                  .str();
    grid += "}";
  }
  return llvm::formatv("!quant.uniform<i{0}:f32:{{0:4, 1:1}, {{{1}}>", bits,
                       grid);
}

float groupScale(int64_t k, int64_t n) {
  return static_cast<float>((n + 1) / 64.0 + (k / 4) / 8.0);
}
int64_t groupZeroPoint(int64_t k, int64_t n) { return (n + k / 4) % 3 - 1; }

TEST_P(SubByteTest, DequantizeOfUnpackMatchesNumerics) {
  unsigned bits = GetParam();
  constexpr int64_t rows = 16, cols = 7; // 7 columns: rows end mid-byte
  PackedWeight w = randomPacked(bits, rows, cols);
  int64_t bytes = numerics::packedRowBytes(cols, bits);
  std::string qtype = groupType(bits, rows, cols);
  std::string source = llvm::formatv(R"(
func.func @main(%p: tensor<16x{0}xi8>) -> tensor<16x7xf32> {
  %u = qf.unpack %p : tensor<16x{0}xi8> -> tensor<16x7x{1}>
  %d = qf.dequantize %u : tensor<16x7x{1}> -> tensor<16x7xf32>
  return %d : tensor<16x7xf32>
}
)",
                                     bytes, qtype);
  std::vector<runtime::HostTensor> out = lowerAndRun(source, {&w.bytes});
  ASSERT_EQ(out.size(), 1u);
  for (int64_t k = 0; k < rows; ++k)
    for (int64_t n = 0; n < cols; ++n)
      ASSERT_EQ(out[0].dataAs<float>()[k * cols + n],
                numerics::dequantize(w.codes[k * cols + n], groupScale(k, n),
                                     groupZeroPoint(k, n)))
          << "element (" << k << ", " << n << ")";
}

TEST_P(SubByteTest, WeightOnlyMatmulDequantizesOnTheFly) {
  unsigned bits = GetParam();
  constexpr int64_t m = 5, k = 16, n = 7;
  PackedWeight w = randomPacked(bits, k, n);
  int64_t bytes = numerics::packedRowBytes(n, bits);
  std::string qtype = groupType(bits, k, n);
  std::string source = llvm::formatv(R"(
func.func @main(%x: tensor<5x16xf32>, %p: tensor<16x{0}xi8>) -> tensor<5x7xf32> {
  %u = qf.unpack %p : tensor<16x{0}xi8> -> tensor<16x7x{1}>
  %w = qf.dequantize %u : tensor<16x7x{1}> -> tensor<16x7xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x7xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<5x7xf32>) -> tensor<5x7xf32>
  %y = linalg.matmul ins(%x, %w : tensor<5x16xf32>, tensor<16x7xf32>) outs(%f : tensor<5x7xf32>) -> tensor<5x7xf32>
  return %y : tensor<5x7xf32>
}
)",
                                     bytes, qtype);
  runtime::HostTensor x(runtime::DType::F32, {m, k});
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t i = 0; i < m * k; ++i)
    x.dataAs<float>()[i] = normal(rng);
  std::vector<runtime::HostTensor> out = lowerAndRun(source, {&x, &w.bytes});
  ASSERT_EQ(out.size(), 1u);
  // The plain JIT multiplies and adds separately, in k order.
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) {
        float weight = numerics::dequantize(
            w.codes[kk * n + j], groupScale(kk, j), groupZeroPoint(kk, j));
        float product = x.dataAs<float>()[i * k + kk] * weight;
        acc = acc + product;
      }
      ASSERT_EQ(out[0].dataAs<float>()[i * n + j], acc)
          << "element (" << i << ", " << j << ")";
    }
}

INSTANTIATE_TEST_SUITE_P(Bits, SubByteTest, ::testing::Values(2u, 3u, 4u));

} // namespace
