//===- Reconstruct.cpp - Layer-wise QAT reconstruction --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/Reconstruct.h"

#include "passes/Common/Lapack.h"
#include "passes/Numerics/FakeQuantGrad.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir::qf;
using namespace mlir::qf::qat;

namespace {

/// Adam (Kingma and Ba, 2015) on one array of parameters.
struct Adam {
  std::vector<double> m, v;
  explicit Adam(size_t n) : m(n, 0.0), v(n, 0.0) {}

  /// The update of parameter i for gradient g at step t (from 1), before
  /// the learning rate.
  double step(size_t i, double g, int64_t t) {
    constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-12;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    double mHat = m[i] / (1 - std::pow(beta1, double(t)));
    double vHat = v[i] / (1 - std::pow(beta2, double(t)));
    return mHat / (std::sqrt(vHat) + eps);
  }
};

bool allFinite(const std::vector<double> &v) {
  return std::all_of(v.begin(), v.end(),
                     [](double x) { return std::isfinite(x); });
}

} // namespace

llvm::Expected<Result> qat::reconstruct(const std::vector<double> &weight,
                                        int64_t rows, int64_t cols,
                                        const std::vector<double> &hessian,
                                        const Options &options) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(message);
  };
  if (rows <= 0 || cols <= 0 || rows > INT32_MAX || cols > INT32_MAX ||
      int64_t(weight.size()) != rows * cols ||
      int64_t(hessian.size()) != cols * cols)
    return error("the weight must be [rows, cols] and the Hessian [cols, "
                 "cols], with 1 to 2^31 - 1 rows and columns");
  if (!allFinite(weight))
    return error("the weight contains NaN or infinite values");
  if (!allFinite(hessian))
    return error("the Hessian contains NaN or infinite values");
  if (options.bits < 2 || options.bits > 8)
    return error("bits must be in [2, 8]");
  if (options.groupSize < 0 ||
      (options.groupSize > 0 && cols % options.groupSize))
    return error("the group size " + llvm::Twine(options.groupSize) +
                 " does not divide the " + llvm::Twine(cols) + " inputs");
  if (options.steps < 0)
    return error("steps must not be negative");
  if (!(options.lr > 0) || !std::isfinite(options.lr))
    return error("the learning rate must be positive and finite");

  const int n = int(cols), m = int(rows);
  const double one = 1, zero = 0;
  // G = E H for row-major E [rows, cols]: column-major G^T = H E^T.
  auto timesH = [&](const std::vector<double> &e, std::vector<double> &g) {
    dgemm_("N", "N", &n, &m, &n, &one, hessian.data(), &n, e.data(), &n, &zero,
           g.data(), &n, 1, 1);
  };
  std::vector<double> scratch(weight.size());
  timesH(weight, scratch);
  double norm = 0;
  for (size_t i = 0; i < weight.size(); ++i)
    norm += weight[i] * scratch[i];
  if (!(norm > 0))
    return error("tr(W H W^T) is zero: no calibration data reached this "
                 "layer, or its weight is zero");

  gptq::Options rtnOptions;
  rtnOptions.bits = options.bits;
  rtnOptions.groupSize = options.groupSize;
  rtnOptions.symmetric = options.symmetric;
  Result result;
  result.quantized = gptq::roundToNearest(weight, rows, cols, rtnOptions);
  gptq::Result &best = result.quantized;
  const int64_t perGroup = options.groupSize > 0 ? options.groupSize : cols;
  const int64_t groups = cols / perGroup;
  auto groupOf = [&](size_t i) {
    return (i / cols) * groups + (i % cols) / perGroup;
  };
  const numerics::IntRange range{0, (int64_t(1) << options.bits) - 1};
  const std::vector<double> initialScales = best.scales;
  const std::vector<double> &zeros = best.zeros;

  std::vector<double> latent = weight, scales = best.scales;
  std::vector<double> q(weight.size()), e(weight.size()), g(weight.size());
  std::vector<double> scaleGrad(scales.size());
  Adam latentAdam(latent.size()), scaleAdam(scales.size());
  double bestLoss = INFINITY;
  for (int64_t step = 0; step <= options.steps; ++step) {
    for (size_t i = 0; i < weight.size(); ++i) {
      size_t k = groupOf(i);
      q[i] = numerics::fakeQuant(latent[i], scales[k], zeros[k], range,
                                 numerics::RoundingMode::HalfEven);
      e[i] = q[i] - weight[i];
    }
    timesH(e, g);
    double loss = 0;
    for (size_t i = 0; i < e.size(); ++i)
      loss += e[i] * g[i];
    loss /= norm;
    if (step == 0)
      result.initialLoss = loss;
    if (loss < bestLoss) {
      bestLoss = loss;
      result.bestStep = step;
      for (size_t i = 0; i < weight.size(); ++i) {
        size_t k = groupOf(i);
        best.codes[i] = int64_t(std::nearbyint(q[i] / scales[k] + zeros[k]));
      }
      best.scales = scales;
    }
    if (step == options.steps)
      break;
    // dL/dQ = 2 E H / norm, then through the fake quantization.
    double lr = options.lr * 0.5 *
                (1 + std::cos(llvm::numbers::pi * step / options.steps));
    std::fill(scaleGrad.begin(), scaleGrad.end(), 0.0);
    for (size_t i = 0; i < weight.size(); ++i) {
      size_t k = groupOf(i);
      numerics::FakeQuantGrad d =
          numerics::fakeQuantGrad(latent[i], scales[k], zeros[k], range,
                                  numerics::RoundingMode::HalfEven);
      double dq = 2 * g[i] / norm;
      latent[i] -=
          lr * initialScales[k] * latentAdam.step(i, dq * d.dx, step + 1);
      scaleGrad[k] += dq * d.dscale;
    }
    for (size_t k = 0; k < scales.size(); ++k) {
      scales[k] -=
          lr * initialScales[k] * scaleAdam.step(k, scaleGrad[k], step + 1);
      scales[k] = std::max(scales[k], 1e-3 * initialScales[k]);
    }
  }
  result.finalLoss = bestLoss;
  return result;
}
