//===- ReconstructTest.cpp - Layer-wise QAT reconstruction ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qat::reconstruct on random layers with a Hessian from random correlated
// activations: the loss it reports is the output error computed from the
// returned codes (gptq::outputError, and ||X dW^T||^2 directly), it beats
// round to nearest, and it refuses bad input.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/Reconstruct.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir::qf;

namespace {

struct Layer {
  int64_t rows, cols, samples;
  std::vector<double> w, x, h;
};

/// W [rows, cols] and activations X [samples, cols] with correlated,
/// unevenly scaled columns (as real activations have); H = 2/N X^T X.
Layer randomLayer(int64_t rows, int64_t cols, int64_t samples, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  Layer l{rows, cols, samples, {}, {}, {}};
  for (int64_t i = 0; i < rows * cols; ++i)
    l.w.push_back(n(rng) * 0.1);
  std::vector<double> colScale(cols);
  for (double &s : colScale)
    s = std::exp(n(rng));
  for (int64_t s = 0; s < samples; ++s) {
    double shared = n(rng);
    for (int64_t c = 0; c < cols; ++c)
      l.x.push_back(colScale[c] * (0.6 * shared + 0.8 * n(rng)));
  }
  l.h.assign(cols * cols, 0.0);
  for (int64_t s = 0; s < samples; ++s)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        l.h[i * cols + j] +=
            2.0 / samples * l.x[s * cols + i] * l.x[s * cols + j];
  return l;
}

/// ||X dW^T||^2 / ||X W^T||^2 straight from the activations.
double directOutputError(const Layer &l, const std::vector<double> &q) {
  double err = 0, ref = 0;
  for (int64_t s = 0; s < l.samples; ++s)
    for (int64_t r = 0; r < l.rows; ++r) {
      double y = 0, d = 0;
      for (int64_t c = 0; c < l.cols; ++c) {
        y += l.x[s * l.cols + c] * l.w[r * l.cols + c];
        d += l.x[s * l.cols + c] * (q[r * l.cols + c] - l.w[r * l.cols + c]);
      }
      err += d * d;
      ref += y * y;
    }
  return err / ref;
}

TEST(Reconstruct, BeatsRoundToNearestAndReportsItsTrueLoss) {
  for (unsigned bits : {3u, 4u}) {
    for (int64_t group : {int64_t(0), int64_t(16)}) {
      Layer l = randomLayer(24, 48, 256, bits * 100 + group);
      qat::Options options;
      options.bits = bits;
      options.groupSize = group;
      options.steps = 150;
      llvm::Expected<qat::Result> r =
          qat::reconstruct(l.w, l.rows, l.cols, l.h, options);
      ASSERT_TRUE(bool(r)) << llvm::toString(r.takeError());
      SCOPED_TRACE(testing::Message() << "bits " << bits << " group " << group);
      std::vector<double> q = r->quantized.dequantized();
      EXPECT_NEAR(r->finalLoss, directOutputError(l, q), 1e-9);
      EXPECT_NEAR(r->finalLoss, gptq::outputError(l.w, q, l.rows, l.cols, l.h),
                  1e-12);

      gptq::Options rtn;
      rtn.bits = bits;
      rtn.groupSize = group;
      rtn.symmetric = false;
      std::vector<double> rtnValues =
          gptq::roundToNearest(l.w, l.rows, l.cols, rtn).dequantized();
      EXPECT_NEAR(r->initialLoss, directOutputError(l, rtnValues), 1e-9);
      // Layer-wise reconstruction removes a good part of RTN's error.
      EXPECT_LT(r->finalLoss, 0.8 * r->initialLoss);
      EXPECT_GT(r->bestStep, 0);
      for (int64_t code : r->quantized.codes) {
        EXPECT_GE(code, 0);
        EXPECT_LT(code, int64_t(1) << bits);
      }
    }
  }
}

TEST(Reconstruct, ZeroStepsIsRoundToNearest) {
  Layer l = randomLayer(8, 16, 64, 3);
  qat::Options options;
  options.steps = 0;
  llvm::Expected<qat::Result> r =
      qat::reconstruct(l.w, l.rows, l.cols, l.h, options);
  ASSERT_TRUE(bool(r));
  gptq::Options rtn;
  rtn.bits = 4;
  rtn.groupSize = 0;
  EXPECT_EQ(r->quantized.codes,
            gptq::roundToNearest(l.w, l.rows, l.cols, rtn).codes);
  EXPECT_EQ(r->initialLoss, r->finalLoss);
}

TEST(Reconstruct, RefusesBadInput) {
  Layer l = randomLayer(4, 8, 16, 5);
  auto message = [&](std::vector<double> w, std::vector<double> h,
                     qat::Options options) {
    llvm::Expected<qat::Result> r = qat::reconstruct(w, 4, 8, h, options);
    return r ? std::string() : llvm::toString(r.takeError());
  };
  qat::Options ok;
  std::vector<double> nanWeight = l.w;
  nanWeight[3] = NAN;
  EXPECT_NE(message(nanWeight, l.h, ok).find("NaN"), std::string::npos);
  EXPECT_NE(message(l.w, std::vector<double>(64, 0.0), ok).find("zero"),
            std::string::npos);
  qat::Options badGroup = ok;
  badGroup.groupSize = 3;
  EXPECT_NE(message(l.w, l.h, badGroup).find("does not divide"),
            std::string::npos);
  qat::Options badLr = ok;
  badLr.lr = -1;
  EXPECT_NE(message(l.w, l.h, badLr).find("learning rate"), std::string::npos);
  EXPECT_NE(message(l.w, std::vector<double>(9, 1.0), ok).find("[rows, cols]"),
            std::string::npos);
}

} // namespace
