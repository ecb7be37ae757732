//===- Reconstruct.cpp - Layer-wise QAT reconstruction --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/Reconstruct.h"

#include "numerics/FakeQuantGrad.h"
#include "passes/Solvers/Lapack.h"

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

llvm::Error invalid(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

llvm::Error checkOptions(const Options &options, int64_t cols) {
  if (options.bits < 2 || options.bits > 8)
    return invalid("bits must be in [2, 8]");
  if (options.groupSize < 0 ||
      (options.groupSize > 0 && cols % options.groupSize))
    return invalid("the group size " + llvm::Twine(options.groupSize) +
                   " does not divide the " + llvm::Twine(cols) + " inputs");
  if (options.steps < 0)
    return invalid("steps must not be negative");
  if (!(options.lr > 0) || !std::isfinite(options.lr))
    return invalid("the learning rate must be positive and finite");
  return llvm::Error::success();
}

/// A weight [rows, cols] being fine-tuned: latent values and LSQ scales
/// from round to nearest, zero points fixed, Adam on both, and the best
/// iterate so far in GPTQ's convention.
class LatentWeight {
public:
  LatentWeight(const std::vector<double> &weight, int64_t rows, int64_t cols,
               const Options &options)
      : cols(cols), latent(weight), q(weight.size()),
        latentAdam(weight.size()) {
    gptq::Options rtn;
    rtn.bits = options.bits;
    rtn.groupSize = options.groupSize;
    rtn.symmetric = options.symmetric;
    best = gptq::roundToNearest(weight, rows, cols, rtn);
    perGroup = options.groupSize > 0 ? options.groupSize : cols;
    range = {0, (int64_t(1) << options.bits) - 1};
    initialScales = scales = best.scales;
    scaleAdam = Adam(scales.size());
    scaleGrad.resize(scales.size());
  }

  /// fake_quant(latent) with the current scales.
  const std::vector<double> &quantized() {
    for (size_t i = 0; i < latent.size(); ++i) {
      size_t k = groupOf(i);
      q[i] = numerics::fakeQuant(latent[i], scales[k], best.zeros[k], range,
                                 numerics::RoundingMode::HalfEven);
    }
    return q;
  }

  /// Keeps the codes of quantized() and the scales as the best so far.
  void keep() {
    for (size_t i = 0; i < q.size(); ++i) {
      size_t k = groupOf(i);
      best.codes[i] = int64_t(std::nearbyint(q[i] / scales[k] + best.zeros[k]));
    }
    best.scales = scales;
  }

  /// One Adam step (number `t`, from 1) of size `lr` (relative to each
  /// group's initial scale) for the loss gradient `dq` with respect to
  /// quantized(), through the STE and LSQ.
  void step(const std::vector<double> &dq, int64_t t, double lr) {
    std::fill(scaleGrad.begin(), scaleGrad.end(), 0.0);
    for (size_t i = 0; i < latent.size(); ++i) {
      size_t k = groupOf(i);
      numerics::FakeQuantGrad d =
          numerics::fakeQuantGrad(latent[i], scales[k], best.zeros[k], range,
                                  numerics::RoundingMode::HalfEven);
      latent[i] -= lr * initialScales[k] * latentAdam.step(i, dq[i] * d.dx, t);
      scaleGrad[k] += dq[i] * d.dscale;
    }
    for (size_t k = 0; k < scales.size(); ++k) {
      scales[k] -= lr * initialScales[k] * scaleAdam.step(k, scaleGrad[k], t);
      scales[k] = std::max(scales[k], 1e-3 * initialScales[k]);
    }
  }

  gptq::Result best;

private:
  size_t groupOf(size_t i) const {
    return (i / cols) * (cols / perGroup) + (i % cols) / perGroup;
  }

  int64_t cols, perGroup = 0;
  numerics::IntRange range{0, 0};
  std::vector<double> latent, q, scales, initialScales, scaleGrad;
  Adam latentAdam, scaleAdam{0};
};

/// Adam's step size at `step` of `steps`: `lr` on a cosine decay.
double cosineStep(double lr, int64_t step, int64_t steps) {
  return lr * 0.5 * (1 + std::cos(llvm::numbers::pi * step / steps));
}

/// C = op(A) op(B) for row-major matrices, op(A) [m, k] and op(B) [k, n].
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          const double *a, const double *b, double *c) {
  const int M = int(m), N = int(n), K = int(k);
  const int lda = transA ? M : K, ldb = transB ? K : N;
  const double one = 1, zero = 0;
  // Row-major C is column-major C^T = op(B)^T op(A)^T.
  dgemm_(transB ? "T" : "N", transA ? "T" : "N", &N, &M, &K, &one, b, &ldb, a,
         &lda, &zero, c, &N, 1, 1);
}

} // namespace

llvm::Expected<Result> qat::reconstruct(const std::vector<double> &weight,
                                        int64_t rows, int64_t cols,
                                        const std::vector<double> &hessian,
                                        const Options &options) {
  if (rows <= 0 || cols <= 0 || rows > INT32_MAX || cols > INT32_MAX ||
      int64_t(weight.size()) != rows * cols ||
      int64_t(hessian.size()) != cols * cols)
    return invalid("the weight must be [rows, cols] and the Hessian [cols, "
                   "cols], with 1 to 2^31 - 1 rows and columns");
  if (!allFinite(weight))
    return invalid("the weight contains NaN or infinite values");
  if (!allFinite(hessian))
    return invalid("the Hessian contains NaN or infinite values");
  if (llvm::Error e = checkOptions(options, cols))
    return std::move(e);

  // G = E H for row-major E [rows, cols] (H is symmetric).
  auto timesH = [&](const std::vector<double> &e, std::vector<double> &g) {
    gemm(false, false, rows, cols, cols, e.data(), hessian.data(), g.data());
  };
  std::vector<double> e(weight.size()), g(weight.size());
  timesH(weight, g);
  double norm = 0;
  for (size_t i = 0; i < weight.size(); ++i)
    norm += weight[i] * g[i];
  if (!(norm > 0))
    return invalid("tr(W H W^T) is zero: no calibration data reached this "
                   "layer, or its weight is zero");

  LatentWeight w(weight, rows, cols, options);
  Result result;
  double bestLoss = INFINITY;
  for (int64_t step = 0; step <= options.steps; ++step) {
    const std::vector<double> &q = w.quantized();
    for (size_t i = 0; i < weight.size(); ++i)
      e[i] = q[i] - weight[i];
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
      w.keep();
    }
    if (step == options.steps)
      break;
    // dL/dQ = 2 E H / norm.
    for (double &v : g)
      v *= 2 / norm;
    w.step(g, step + 1, cosineStep(options.lr, step, options.steps));
  }
  result.quantized = w.best;
  result.finalLoss = bestLoss;
  return result;
}

llvm::Expected<BlockResult>
qat::reconstructBlock(const std::vector<double> &x, int64_t samples,
                      const std::vector<double> &first, int64_t hidden,
                      int64_t inputs, const ElementwiseTape &between,
                      const std::vector<double> &second, int64_t outputs,
                      const Options &firstOptions,
                      const Options &secondOptions) {
  if (samples <= 0 || hidden <= 0 || inputs <= 0 || outputs <= 0 ||
      std::max({samples, hidden, inputs, outputs}) > INT32_MAX ||
      int64_t(x.size()) != samples * inputs ||
      int64_t(first.size()) != hidden * inputs ||
      int64_t(second.size()) != outputs * hidden ||
      between.channels() != hidden)
    return invalid("the block's shapes do not match: rows [samples, inputs], "
                   "weights [hidden, inputs] and [outputs, hidden]");
  if (!allFinite(x))
    return invalid("the calibration rows contain NaN or infinite values");
  if (!allFinite(first) || !allFinite(second))
    return invalid("a weight contains NaN or infinite values");
  if (llvm::Error e = checkOptions(firstOptions, inputs))
    return std::move(e);
  if (llvm::Error e = checkOptions(secondOptions, hidden))
    return std::move(e);

  // The float block's output T on the rows.
  std::vector<double> h(samples * hidden), a, da, t(samples * outputs);
  gemm(false, true, samples, hidden, inputs, x.data(), first.data(), h.data());
  between.apply(h, a, da);
  gemm(false, true, samples, outputs, hidden, a.data(), second.data(),
       t.data());
  double norm = 0;
  for (double v : t)
    norm += v * v;
  if (!(norm > 0) || !std::isfinite(norm))
    return invalid("the block's float output on the calibration rows is zero "
                   "or not finite");

  LatentWeight w1(first, hidden, inputs, firstOptions);
  LatentWeight w2(second, outputs, hidden, secondOptions);
  const int64_t steps = std::max(firstOptions.steps, secondOptions.steps);
  std::vector<double> y(t.size()), dq1(first.size()), dq2(second.size());
  BlockResult result;
  double bestLoss = INFINITY;
  for (int64_t step = 0; step <= steps; ++step) {
    const std::vector<double> &q1 = w1.quantized();
    const std::vector<double> &q2 = w2.quantized();
    gemm(false, true, samples, hidden, inputs, x.data(), q1.data(), h.data());
    between.apply(h, a, da);
    gemm(false, true, samples, outputs, hidden, a.data(), q2.data(), y.data());
    double loss = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      y[i] -= t[i];
      loss += y[i] * y[i];
    }
    loss /= norm;
    if (!std::isfinite(loss))
      return invalid("the block's loss became non-finite at step " +
                     llvm::Twine(step));
    if (step == 0)
      result.initialLoss = loss;
    if (loss < bestLoss) {
      bestLoss = loss;
      result.bestStep = step;
      w1.keep();
      w2.keep();
    }
    if (step == steps)
      break;
    // Backward: G = dL/dY = 2 E / norm; dQ2 = G^T A; dH = (G Q2) * f'(H);
    // dQ1 = dH^T X.
    for (double &v : y)
      v *= 2 / norm;
    gemm(true, false, outputs, hidden, samples, y.data(), a.data(), dq2.data());
    gemm(false, false, samples, hidden, outputs, y.data(), q2.data(), h.data());
    for (size_t i = 0; i < h.size(); ++i)
      h[i] *= da[i];
    gemm(true, false, hidden, inputs, samples, h.data(), x.data(), dq1.data());
    double lr1 = cosineStep(firstOptions.lr, step, steps);
    double lr2 = cosineStep(secondOptions.lr, step, steps);
    w1.step(dq1, step + 1, lr1);
    w2.step(dq2, step + 1, lr2);
  }
  result.first = w1.best;
  result.second = w2.best;
  result.finalLoss = bestLoss;
  return result;
}
