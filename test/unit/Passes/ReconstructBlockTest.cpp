//===- ReconstructBlockTest.cpp - Block QAT reconstruction ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The function between two layers recorded from IR (ElementwiseTape)
// against GELU and its derivative written out here, and
// qat::reconstructBlock on a random MLP: its losses are the block's output
// error computed directly from the returned codes, it beats round to
// nearest, zero steps is round to nearest, and bad input is refused.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/Reconstruct.h"

#include "dialects/QF/QFDialect.h"
#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/MathExtras.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::qf;

namespace {

// fc1 -> reshape -> + bias -> exact GELU (as the ONNX importer emits it:
// x * 0.5 * (1 + erf(x / sqrt 2)), spread over three generics) -> fc2's
// input.
constexpr const char *kMlp = R"mlir(
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#col = affine_map<(d0, d1, d2) -> (d2)>
#s = affine_map<(d0, d1, d2) -> ()>
func.func @main(%h: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = tensor.expand_shape %h [[0, 1], [2]] output_shape [1, 2, 3] : tensor<2x3xf32> into tensor<1x2x3xf32>
  %bias = arith.constant dense<[0.5, -1.0, 0.25]> : tensor<3xf32>
  %root2 = arith.constant dense<1.41421354> : tensor<f32>
  %e = tensor.empty() : tensor<1x2x3xf32>
  %b = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%r, %bias : tensor<1x2x3xf32>, tensor<3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    linalg.yield %s : f32
  } -> tensor<1x2x3xf32>
  %g = linalg.generic {indexing_maps = [#id, #s, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b, %root2 : tensor<1x2x3xf32>, tensor<f32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %d = arith.divf %x, %c : f32
    %f = math.erf %d : f32
    %one = arith.constant 1.0 : f32
    %p = arith.addf %f, %one : f32
    linalg.yield %p : f32
  } -> tensor<1x2x3xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b, %g : tensor<1x2x3xf32>, tensor<1x2x3xf32>) outs(%e : tensor<1x2x3xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %m = arith.mulf %x, %c : f32
    %half = arith.constant 0.5 : f32
    %v = arith.mulf %m, %half : f32
    linalg.yield %v : f32
  } -> tensor<1x2x3xf32>
  %c = tensor.collapse_shape %y [[0, 1], [2]] : tensor<1x2x3xf32> into tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}
)mlir";

const double kBias[3] = {0.5, -1.0, 0.25};

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double geluDerivative(double x) {
  return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) +
         x * std::exp(-x * x / 2) * llvm::numbers::inv_sqrt2 *
             llvm::numbers::inv_sqrtpi;
}

class TapeTest : public testing::Test {
protected:
  TapeTest() {
    context.loadDialect<func::FuncDialect, arith::ArithDialect,
                        linalg::LinalgDialect, math::MathDialect,
                        tensor::TensorDialect, QFDialect>();
  }
  FailureOr<qat::ElementwiseTape> tapeOf(const char *source, std::string &why) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module)
      return failure();
    auto fn = cast<func::FuncOp>(module->getBody()->front());
    Value from = fn.getArgument(0);
    Value to = fn.getBody().front().getTerminator()->getOperand(0);
    return qat::ElementwiseTape::build(from, to, why);
  }
  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(TapeTest, EvaluatesGeluWithBiasAndItsDerivative) {
  std::string why;
  FailureOr<qat::ElementwiseTape> tape = tapeOf(kMlp, why);
  ASSERT_TRUE(succeeded(tape)) << why;
  EXPECT_EQ(tape->channels(), 3);
  std::vector<double> x = {-3.0, -0.7, 0.0, 0.4, 1.3, 2.9}, y, dy;
  tape->apply(x, y, dy);
  for (size_t i = 0; i < x.size(); ++i) {
    double in = x[i] + kBias[i % 3];
    // The constants are f32 in the IR: 1/sqrt 2 is off in the 8th digit.
    EXPECT_NEAR(y[i], gelu(in), 1e-7) << i;
    EXPECT_NEAR(dy[i], geluDerivative(in), 1e-7) << i;
  }
}

TEST_F(TapeTest, SaysWhatItCannotEvaluate) {
  std::string source = kMlp;
  source.replace(source.find("math.erf"), 8, "math.cos");
  std::string why;
  EXPECT_TRUE(failed(tapeOf(source.c_str(), why)));
  EXPECT_EQ(why, "'math.cos' between the layers is not evaluated");
}

/// A random MLP: rows X [samples, inputs], W1 [hidden, inputs], W2
/// [outputs, hidden].
struct Mlp {
  int64_t samples = 128, inputs = 16, hidden = 3, outputs = 8;
  std::vector<double> x, w1, w2;
};

Mlp randomMlp(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  Mlp m;
  for (int64_t i = 0; i < m.samples * m.inputs; ++i)
    m.x.push_back(n(rng) * (1 + i % m.inputs % 4));
  for (int64_t i = 0; i < m.hidden * m.inputs; ++i)
    m.w1.push_back(n(rng) * 0.2);
  for (int64_t i = 0; i < m.outputs * m.hidden; ++i)
    m.w2.push_back(n(rng) * 0.5);
  return m;
}

/// ||f(X Q1^T) Q2^T - f(X W1^T) W2^T||^2 / ||f(X W1^T) W2^T||^2 with the
/// GELU of kMlp, straight from the definition.
double blockError(const Mlp &m, const std::vector<double> &q1,
                  const std::vector<double> &q2) {
  double err = 0, ref = 0;
  for (int64_t s = 0; s < m.samples; ++s) {
    std::vector<double> a(m.hidden), aq(m.hidden);
    for (int64_t j = 0; j < m.hidden; ++j) {
      double h = 0, hq = 0;
      for (int64_t k = 0; k < m.inputs; ++k) {
        h += m.x[s * m.inputs + k] * m.w1[j * m.inputs + k];
        hq += m.x[s * m.inputs + k] * q1[j * m.inputs + k];
      }
      a[j] = gelu(h + kBias[j]);
      aq[j] = gelu(hq + kBias[j]);
    }
    for (int64_t o = 0; o < m.outputs; ++o) {
      double y = 0, yq = 0;
      for (int64_t j = 0; j < m.hidden; ++j) {
        y += a[j] * m.w2[o * m.hidden + j];
        yq += aq[j] * q2[o * m.hidden + j];
      }
      err += (yq - y) * (yq - y);
      ref += y * y;
    }
  }
  return err / ref;
}

TEST_F(TapeTest, BlockBeatsRoundToNearestAndReportsItsTrueLoss) {
  std::string why;
  FailureOr<qat::ElementwiseTape> tape = tapeOf(kMlp, why);
  ASSERT_TRUE(succeeded(tape)) << why;
  Mlp m = randomMlp(11);
  qat::Options o1, o2;
  o1.bits = 3;
  o1.groupSize = 8;
  o2.bits = 3;
  o1.steps = o2.steps = 150;
  llvm::Expected<qat::BlockResult> r = qat::reconstructBlock(
      m.x, m.samples, m.w1, m.hidden, m.inputs, *tape, m.w2, m.outputs, o1, o2);
  ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
  EXPECT_NEAR(r->finalLoss,
              blockError(m, r->first.dequantized(), r->second.dequantized()),
              1e-5 * r->finalLoss);

  gptq::Options rtn1, rtn2;
  rtn1.bits = rtn2.bits = 3;
  rtn1.groupSize = 8;
  rtn2.groupSize = 0;
  std::vector<double> q1 =
      gptq::roundToNearest(m.w1, m.hidden, m.inputs, rtn1).dequantized();
  std::vector<double> q2 =
      gptq::roundToNearest(m.w2, m.outputs, m.hidden, rtn2).dequantized();
  EXPECT_NEAR(r->initialLoss, blockError(m, q1, q2), 1e-5 * r->initialLoss);
  EXPECT_LT(r->finalLoss, 0.8 * r->initialLoss);
  EXPECT_GT(r->bestStep, 0);

  qat::Options none1 = o1, none2 = o2;
  none1.steps = none2.steps = 0;
  llvm::Expected<qat::BlockResult> rtn =
      qat::reconstructBlock(m.x, m.samples, m.w1, m.hidden, m.inputs, *tape,
                            m.w2, m.outputs, none1, none2);
  ASSERT_TRUE(bool(rtn));
  EXPECT_EQ(rtn->first.codes,
            gptq::roundToNearest(m.w1, m.hidden, m.inputs, rtn1).codes);
  EXPECT_EQ(rtn->second.codes,
            gptq::roundToNearest(m.w2, m.outputs, m.hidden, rtn2).codes);
}

TEST_F(TapeTest, BlockRefusesBadInput) {
  std::string why;
  FailureOr<qat::ElementwiseTape> tape = tapeOf(kMlp, why);
  ASSERT_TRUE(succeeded(tape)) << why;
  Mlp m = randomMlp(5);
  auto message = [&](const std::vector<double> &x,
                     const std::vector<double> &w1, int64_t hidden,
                     qat::Options o) {
    llvm::Expected<qat::BlockResult> r = qat::reconstructBlock(
        x, m.samples, w1, hidden, m.inputs, *tape, m.w2, m.outputs, o, o);
    return r ? std::string() : llvm::toString(r.takeError());
  };
  qat::Options ok;
  std::vector<double> nanRows = m.x;
  nanRows[7] = NAN;
  EXPECT_NE(message(nanRows, m.w1, m.hidden, ok).find("NaN"),
            std::string::npos);
  std::vector<double> nanWeight = m.w1;
  nanWeight[2] = INFINITY;
  EXPECT_NE(message(m.x, nanWeight, m.hidden, ok).find("NaN or infinite"),
            std::string::npos);
  EXPECT_NE(message(m.x, m.w1, 4, ok).find("shapes do not match"),
            std::string::npos);
  llvm::Expected<qat::BlockResult> zero = qat::reconstructBlock(
      m.x, m.samples, m.w1, m.hidden, m.inputs, *tape,
      std::vector<double>(m.w2.size(), 0.0), m.outputs, ok, ok);
  ASSERT_FALSE(bool(zero));
  EXPECT_NE(llvm::toString(zero.takeError()).find("is zero"),
            std::string::npos);
  qat::Options badGroup = ok;
  badGroup.groupSize = 5;
  EXPECT_NE(message(m.x, m.w1, m.hidden, badGroup).find("does not divide"),
            std::string::npos);
}

} // namespace
