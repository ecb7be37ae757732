//===- QFToLinalgTest.cpp - Lowered quantization equals the numerics core -===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf.quantize / qf.dequantize, lowered by convert-qf-to-linalg and run by the
// CPU JIT, against numerics (the bit-level reference) on values that
// stress every rounding mode (stochastic with the reference's draws): exact
// ties, NaN, infinities, huge and tiny values, and random data.
//
//===----------------------------------------------------------------------===//

#include "numerics/FixedPoint.h"
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

constexpr int64_t kCount = 4096;

/// Inputs: ties at every scale used below, specials, and random values.
std::vector<float> stressValues() {
  std::vector<float> v;
  for (int k = -300; k <= 300; ++k)
    for (float scale : {0.5f, 0.25f, 0.1f, 1.0f})
      v.push_back((k + 0.5f) * scale);
  float specials[] = {
      0.0f,     -0.0f,     std::numeric_limits<float>::quiet_NaN(),
      INFINITY, -INFINITY, 1e30f,
      -1e30f,   1e-40f,    -1e-40f};
  v.insert(v.end(), std::begin(specials), std::end(specials));
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 40.0f);
  while ((int64_t)v.size() < kCount)
    v.push_back(normal(rng));
  return v;
}

class QFToLinalgTest : public ::testing::TestWithParam<const char *>,
                       public qf::testing::LoweringHarness {
protected:
  /// Lowers and runs `source` on `x`; returns the results.
  std::vector<runtime::HostTensor> run(const std::string &source,
                                       const runtime::HostTensor &x) {
    return lowerAndRun(source, {&x});
  }
};

} // namespace

TEST_P(QFToLinalgTest, PerTensorAndPerAxisMatchNumerics) {
  const std::string mode = GetParam();
  numerics::RoundingMode reference = *numerics::parseRoundingMode(mode);
  // Stochastic draws depend on the seed and the element's row-major index.
  const uint64_t seed = 0xC0FFEE;
  std::string spelling =
      mode == "stochastic" ? mode + " seed " + std::to_string(seed) : mode;
  std::string fakeSpelling =
      mode == "stochastic" ? mode + " clipped seed " + std::to_string(seed)
                           : mode + " clipped";
  // Per-tensor i8 (asymmetric), per-axis u8 over 4 channels, per-tensor i16.
  const char *perTensor = "!quant.uniform<i8:f32, 0.25:-7>";
  const char *perAxis =
      "!quant.uniform<u8:f32:1, {0.5:128, 0.1:3, 1.0:250, 0.25:0}>";
  const char *wide = "!quant.uniform<i16:f32, 0.1:100>";
  std::string source =
      llvm::formatv(R"(
func.func @main(%x: tensor<1024x4xf32>) -> (tensor<1024x4xi8>, tensor<1024x4xi8>, tensor<1024x4xi16>, tensor<1024x4xf32>, tensor<1024x4xf32>) {
  %a = qf.quantize %x {0} : tensor<1024x4xf32> -> tensor<1024x4x{1}>
  %b = qf.quantize %x {0} : tensor<1024x4xf32> -> tensor<1024x4x{2}>
  %c = qf.quantize %x {0} : tensor<1024x4xf32> -> tensor<1024x4x{3}>
  %d = qf.dequantize %b : tensor<1024x4x{2}> -> tensor<1024x4xf32>
  %f = qf.fake_quant %x as {2} {4} : tensor<1024x4xf32>
  %ai = quant.scast %a : tensor<1024x4x{1}> to tensor<1024x4xi8>
  %bi = quant.scast %b : tensor<1024x4x{2}> to tensor<1024x4xi8>
  %ci = quant.scast %c : tensor<1024x4x{3}> to tensor<1024x4xi16>
  return %ai, %bi, %ci, %d, %f : tensor<1024x4xi8>, tensor<1024x4xi8>, tensor<1024x4xi16>, tensor<1024x4xf32>, tensor<1024x4xf32>
}
)",
                    spelling, perTensor, perAxis, wide, fakeSpelling);
  std::vector<float> values = stressValues();
  runtime::HostTensor x(runtime::DType::F32, {1024, 4});
  std::memcpy(x.data(), values.data(), kCount * sizeof(float));
  std::vector<runtime::HostTensor> out = run(source, x);
  ASSERT_EQ(out.size(), 5u);

  const float axisScales[] = {0.5f, 0.1f, 1.0f, 0.25f};
  const int64_t axisZps[] = {128, 3, 250, 0};
  auto i8 = numerics::IntRange::forBits(8, true);
  auto u8 = numerics::IntRange::forBits(8, false);
  auto i16 = numerics::IntRange::forBits(16, true);
  int mismatches = 0;
  for (int64_t i = 0; i < kCount && mismatches < 10; ++i) {
    float v = values[i];
    int64_t c = i % 4;
    int64_t a = numerics::quantize(v, 0.25f, -7, i8, reference, seed, i);
    int64_t b = numerics::quantize(v, axisScales[c], axisZps[c], u8, reference,
                                   seed, i);
    int64_t w = numerics::quantize(v, 0.1f, 100, i16, reference, seed, i);
    float d = numerics::dequantize(b, axisScales[c], axisZps[c]);
    int64_t gotA = out[0].dataAs<int8_t>()[i];
    int64_t gotB = out[1].dataAs<uint8_t>()[i];
    int64_t gotW = out[2].dataAs<int16_t>()[i];
    float gotD = out[3].dataAs<float>()[i];
    // fake_quant is dequantize(quantize(x)): with the same draws, d again.
    float gotF = out[4].dataAs<float>()[i];
    bool same = gotA == a && gotB == b && gotW == w &&
                std::memcmp(&gotD, &d, sizeof(float)) == 0 &&
                std::memcmp(&gotF, &d, sizeof(float)) == 0;
    if (!same) {
      ++mismatches;
      ADD_FAILURE() << mode << " x=" << v << " (index " << i << "): i8 " << gotA
                    << " vs " << a << ", u8 " << gotB << " vs " << b << ", i16 "
                    << gotW << " vs " << w << ", dequantized " << gotD << " vs "
                    << d;
    }
  }
}

TEST_P(QFToLinalgTest, BlockedMatchesNumerics) {
  // Blocks of 256 rows x 2 columns: a 4 x 2 grid of scales and zero points.
  const std::string mode = GetParam();
  numerics::RoundingMode reference = *numerics::parseRoundingMode(mode);
  const uint64_t seed = 99;
  std::string spelling =
      mode == "stochastic" ? mode + " seed " + std::to_string(seed) : mode;
  const char *blocked =
      "!quant.uniform<i8:f32:{0:256, 1:2}, {{0.5:1, 0.25:-2}, {0.1:0, 1.0:3}, "
      "{0.3:5, 0.2:-1}, {0.05:0, 2.0:7}}>";
  std::string source = llvm::formatv(R"(
func.func @main(%x: tensor<1024x4xf32>) -> (tensor<1024x4xi8>, tensor<1024x4xf32>) {
  %q = qf.quantize %x {0} : tensor<1024x4xf32> -> tensor<1024x4x{1}>
  %d = qf.dequantize %q : tensor<1024x4x{1}> -> tensor<1024x4xf32>
  %i = quant.scast %q : tensor<1024x4x{1}> to tensor<1024x4xi8>
  return %i, %d : tensor<1024x4xi8>, tensor<1024x4xf32>
}
)",
                                     spelling, blocked);
  std::vector<float> values = stressValues();
  runtime::HostTensor x(runtime::DType::F32, {1024, 4});
  std::memcpy(x.data(), values.data(), kCount * sizeof(float));
  std::vector<runtime::HostTensor> out = run(source, x);
  ASSERT_EQ(out.size(), 2u);

  const float scales[4][2] = {
      {0.5f, 0.25f}, {0.1f, 1.0f}, {0.3f, 0.2f}, {0.05f, 2.0f}};
  const int64_t zps[4][2] = {{1, -2}, {0, 3}, {5, -1}, {0, 7}};
  auto i8 = numerics::IntRange::forBits(8, true);
  int mismatches = 0;
  for (int64_t i = 0; i < kCount && mismatches < 10; ++i) {
    int64_t row = i / 4, col = i % 4;
    float scale = scales[row / 256][col / 2];
    int64_t zp = zps[row / 256][col / 2];
    int64_t q =
        numerics::quantize(values[i], scale, zp, i8, reference, seed, i);
    float d = numerics::dequantize(q, scale, zp);
    int64_t gotQ = out[0].dataAs<int8_t>()[i];
    float gotD = out[1].dataAs<float>()[i];
    if (gotQ != q || std::memcmp(&gotD, &d, sizeof(float)) != 0) {
      ++mismatches;
      ADD_FAILURE() << mode << " x=" << values[i] << " [" << row << ", " << col
                    << "]: " << gotQ << " vs " << q << ", " << gotD << " vs "
                    << d;
    }
  }
}

TEST_P(QFToLinalgTest, RequantizeMatchesNumerics) {
  const std::string mode = GetParam();
  numerics::RoundingMode reference = *numerics::parseRoundingMode(mode);
  const uint64_t seed = 77;
  std::string spelling =
      mode == "stochastic" ? mode + " seed " + std::to_string(seed) : mode;
  // i32 accumulators to i8 per tensor; per-axis accumulators (one channel
  // with a multiplier above 1) to u8.
  const char *acc = "!quant.uniform<i32:f32, 3.7e-04:11>";
  const char *out = "!quant.uniform<i8:f32, 4.7e-02:5>";
  const char *accAxis =
      "!quant.uniform<i32:f32:1, {3.0e-04, 1.0e-03, 2.0e-02, 1.5e-05}>";
  const char *outU8 = "!quant.uniform<u8:f32, 1.0e-02:120>";
  std::string source = llvm::formatv(R"(
func.func @main(%x: tensor<1024x4xi32>) -> (tensor<1024x4xi8>, tensor<1024x4xi8>) {
  %a = quant.scast %x : tensor<1024x4xi32> to tensor<1024x4x{1}>
  %b = quant.scast %x : tensor<1024x4xi32> to tensor<1024x4x{3}>
  %ra = qf.requantize %a {0} : tensor<1024x4x{1}> -> tensor<1024x4x{2}>
  %rb = qf.requantize %b {0} : tensor<1024x4x{3}> -> tensor<1024x4x{4}>
  %ia = quant.scast %ra : tensor<1024x4x{2}> to tensor<1024x4xi8>
  %ib = quant.scast %rb : tensor<1024x4x{4}> to tensor<1024x4xi8>
  return %ia, %ib : tensor<1024x4xi8>, tensor<1024x4xi8>
}
)",
                                     spelling, acc, out, accAxis, outU8);
  // Accumulators: the int32 extremes, small values around rounding ties,
  // and random values over the whole range.
  std::vector<int32_t> values = {INT32_MIN, INT32_MAX, 0, 1, -1, 11, 12, 10};
  for (int k = -200; k <= 200; ++k)
    values.push_back(k * 64 + 32);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
  std::uniform_int_distribution<int32_t> small(-5000, 5000);
  while ((int64_t)values.size() < kCount)
    values.push_back(values.size() % 2 ? any(rng) : small(rng));
  runtime::HostTensor x(runtime::DType::I32, {1024, 4});
  std::memcpy(x.data(), values.data(), kCount * sizeof(int32_t));
  std::vector<runtime::HostTensor> results = run(source, x);
  ASSERT_EQ(results.size(), 2u);

  auto fixed = *numerics::quantizeMultiplier(3.7e-04 / 4.7e-02);
  const double axisScales[] = {3.0e-04, 1.0e-03, 2.0e-02, 1.5e-05};
  auto i8 = numerics::IntRange::forBits(8, true);
  auto u8 = numerics::IntRange::forBits(8, false);
  int mismatches = 0;
  for (int64_t i = 0; i < kCount && mismatches < 10; ++i) {
    int64_t c = i % 4;
    auto axisFixed = *numerics::quantizeMultiplier(axisScales[c] / 1.0e-02);
    int64_t a =
        numerics::requantize(values[i], 11, fixed, 5, i8, reference, seed, i);
    int64_t b = numerics::requantize(values[i], 0, axisFixed, 120, u8,
                                     reference, seed, i);
    int64_t gotA = results[0].dataAs<int8_t>()[i];
    int64_t gotB = results[1].dataAs<uint8_t>()[i];
    if (gotA != a || gotB != b) {
      ++mismatches;
      ADD_FAILURE() << mode << " acc=" << values[i] << " (index " << i
                    << "): i8 " << gotA << " vs " << a << ", u8 " << gotB
                    << " vs " << b;
    }
  }
}

/// qf.matmul against a direct integer evaluation of its definition,
/// acc = bias[n] + sum_k (lhs - zp_l[m]) * (rhs - zp_r[n]), wrapped to i32.
struct MatmulCase {
  const char *name;
  std::vector<int64_t> lhsShape, rhsShape; ///< [(B,) M, K], [(B,) K, N]
  const char *lhsType, *rhsType, *accType, *biasType;
  bool lhsUnsigned;
  std::vector<int64_t> lhsZp, rhsZp; ///< one, or one per row / column
};

class QFMatmulTest : public QFToLinalgTest {};

TEST_F(QFMatmulTest, MatchesIntegerDefinition) {
  const MatmulCase cases[] = {
      {"per-channel weights, uint8 activations, bias",
       {7, 33},
       {33, 5},
       "!quant.uniform<u8:f32, 0.5:128>",
       "!quant.uniform<i8:f32:1, {0.1:1, 0.2:-2, 0.1:0, 0.3:3, 0.1:-128}>",
       "!quant.uniform<i32:f32:1, {0.05, 0.1, 0.05, 0.15, 0.05}>",
       "!quant.uniform<i32:f32:0, {0.05, 0.1, 0.05, 0.15, 0.05}>",
       true,
       {128},
       {1, -2, 0, 3, -128}},
      {"symmetric, no zero points",
       {7, 33},
       {33, 5},
       "!quant.uniform<i8:f32, 0.5>",
       "!quant.uniform<i8:f32, 0.25>",
       "!quant.uniform<i32:f32, 0.125>",
       nullptr,
       false,
       {0},
       {0}},
      {"batched",
       {3, 4, 9},
       {3, 9, 6},
       "!quant.uniform<i8:f32, 0.5:-5>",
       "!quant.uniform<i8:f32, 0.25:7>",
       "!quant.uniform<i32:f32, 0.125>",
       "!quant.uniform<i32:f32, 0.125>",
       false,
       {-5},
       {7}},
      {"batched, shared weights, per-row activations",
       {2, 3, 8},
       {8, 4},
       "!quant.uniform<i8:f32:1, {0.5:1, 0.5:-1, 0.5:9}>",
       "!quant.uniform<i8:f32, 0.25:-3>",
       "!quant.uniform<i32:f32:1, {0.125, 0.125, 0.125}>",
       nullptr,
       false,
       {1, -1, 9},
       {-3}},
  };
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127), wide(-100000, 100000);
  for (const MatmulCase &c : cases) {
    bool batched = c.lhsShape.size() == 3;
    int64_t batch = batched ? c.lhsShape[0] : 1;
    int64_t m = c.lhsShape[c.lhsShape.size() - 2], k = c.lhsShape.back();
    int64_t n = c.rhsShape.back();
    bool sharedRhs = batched && c.rhsShape.size() == 2;
    auto shapeText = [](const std::vector<int64_t> &shape) {
      std::string text;
      for (int64_t d : shape)
        text += std::to_string(d) + "x";
      return text;
    };
    std::vector<int64_t> accShape = c.lhsShape;
    accShape.back() = n;
    std::string l = shapeText(c.lhsShape), r = shapeText(c.rhsShape),
                o = shapeText(accShape), nb = std::to_string(n) + "x";
    std::string biasArg = c.biasType ? ", %b: tensor<" + nb + "i32>" : "";
    std::string biasCast = c.biasType
                               ? "  %qb = quant.scast %b : tensor<" + nb +
                                     "i32> to tensor<" + nb + c.biasType + ">\n"
                               : "";
    std::string biasUse = c.biasType ? std::string(" bias %qb") : std::string();
    std::string biasTypeUse =
        c.biasType ? ", tensor<" + nb + c.biasType + ">" : "";
    std::string source = llvm::formatv(
        "func.func @main(%a: tensor<{0}i8>, %w: tensor<{1}i8>{2}) -> "
        "tensor<{3}i32> {{\n"
        "  %qa = quant.scast %a : tensor<{0}i8> to tensor<{0}{4}>\n"
        "  %qw = quant.scast %w : tensor<{1}i8> to tensor<{1}{5}>\n{6}"
        "  %acc = qf.matmul %qa, %qw{7} : tensor<{0}{4}>, tensor<{1}{5}>{8} "
        "-> tensor<{3}{9}>\n"
        "  %r = quant.scast %acc : tensor<{3}{9}> to tensor<{3}i32>\n"
        "  return %r : tensor<{3}i32>\n}\n",
        l, r, biasArg, o, c.lhsType, c.rhsType, biasCast, biasUse, biasTypeUse,
        c.accType);

    runtime::HostTensor a(runtime::DType::I8, c.lhsShape),
        w(runtime::DType::I8, c.rhsShape), bias(runtime::DType::I32, {n});
    for (int64_t i = 0; i < a.numElements(); ++i)
      a.dataAs<int8_t>()[i] = byte(rng);
    for (int64_t i = 0; i < w.numElements(); ++i)
      w.dataAs<int8_t>()[i] = byte(rng);
    for (int64_t i = 0; i < n; ++i)
      bias.dataAs<int32_t>()[i] = wide(rng);

    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module) << c.name;
    PassManager pm(&context);
    pm.addPass(createConvertQFToLinalgPass());
    ASSERT_TRUE(succeeded(pm.run(*module))) << c.name;
    auto executor = qf::testing::createPlainJitExecutor();
    auto executable = executor->compile(*module, "main");
    ASSERT_TRUE(succeeded(executable)) << c.name;
    std::vector<const runtime::HostTensor *> inputs = {&a, &w};
    if (c.biasType)
      inputs.push_back(&bias);
    auto results = (*executable)->run(inputs);
    ASSERT_TRUE(bool(results)) << c.name;
    const int32_t *got = (*results)[0].dataAs<int32_t>();

    int mismatches = 0;
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n && mismatches < 5; ++j) {
          int64_t sum = c.biasType ? bias.dataAs<int32_t>()[j] : 0;
          int64_t zl = c.lhsZp.size() == 1 ? c.lhsZp[0] : c.lhsZp[i];
          int64_t zr = c.rhsZp.size() == 1 ? c.rhsZp[0] : c.rhsZp[j];
          for (int64_t kk = 0; kk < k; ++kk) {
            int8_t raw = a.dataAs<int8_t>()[(bi * m + i) * k + kk];
            int64_t av = c.lhsUnsigned ? (int64_t)(uint8_t)raw : raw;
            int64_t wv =
                w.dataAs<int8_t>()[((sharedRhs ? 0 : bi) * k + kk) * n + j];
            sum += (av - zl) * (wv - zr);
          }
          int32_t want = (int32_t)(uint32_t)(uint64_t)sum;
          int32_t have = got[(bi * m + i) * n + j];
          if (have != want) {
            ++mismatches;
            ADD_FAILURE() << c.name << " [" << bi << ", " << i << ", " << j
                          << "]: " << have << " vs " << want;
          }
        }
  }
}

INSTANTIATE_TEST_SUITE_P(Rounding, QFToLinalgTest,
                         ::testing::Values("half_even", "half_away", "floor",
                                           "ceil", "toward_zero", "stochastic"),
                         [](const auto &info) {
                           return std::string(info.param);
                         });
