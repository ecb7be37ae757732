//===- SmoothQuant.cpp - Migrate activation outliers into weights ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// quant-smoothquant: groups (an absorbing producer, the matmuls it feeds)
// are found by walking each matmul's activation back through qf.observe and
// reshapes; the producer is a linalg.generic ending in x * gamma[j]
// (+ beta[j]) with constant gamma/beta indexed by the last dimension, or a
// linear layer (a matmul with a constant weight, + a bias generic). See
// Passes.td for the formulas.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "numerics/QuantParams.h"
#include "parameters/ConstantData.h"
#include "passes/Layers/ScaleGroups.h"
#include "passes/Passes.h"
#include "passes/Reports/JsonReport.h"

#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTSMOOTHQUANTPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// The squared error ||Q(X/s) Q(s W) - X W||^2 and ||X W||^2 over the rows
/// X [r, k] and the consumers' weights W [k, n] side by side: activations
/// int8 per tensor (asymmetric, over the range of `fit` / s, the rows the
/// range was calibrated on), weights int8 per output channel (symmetric,
/// narrow), round half to even.
std::pair<double, double> w8a8Error(ArrayRef<float> fit, ArrayRef<float> rows,
                                    int64_t k, ArrayRef<float> weight,
                                    int64_t n, ArrayRef<double> s) {
  int64_t r = rows.size() / k;
  using numerics::IntRange;
  IntRange act = IntRange::forBits(8, true),
           wgt = IntRange::forBits(8, true, true);
  float lo = 0, hi = 0;
  for (size_t i = 0; i < fit.size(); ++i) {
    float v = float(fit[i] / s[i % k]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Activations.
  std::vector<float> xs(rows.size());
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < k; ++j)
      xs[i * k + j] = float(rows[i * k + j] / s[j]);
  auto ap = numerics::chooseQuantParams(lo, hi, act, /*symmetric=*/false);
  if (!ap) // a range out of float: this alpha cannot be used
    return {INFINITY, 1.0};
  std::vector<double> xq(xs.size());
  for (size_t i = 0; i < xs.size(); ++i)
    xq[i] = numerics::dequantize(
        numerics::quantize(xs[i], ap->scale, ap->zeroPoint, act,
                           numerics::RoundingMode::HalfEven),
        ap->scale, ap->zeroPoint);
  // Weights, per output channel.
  std::vector<double> wq(k * n);
  for (int64_t c = 0; c < n; ++c) {
    float m = 0;
    for (int64_t j = 0; j < k; ++j)
      m = std::max(m, std::fabs(float(weight[j * n + c] * s[j])));
    auto wp = numerics::chooseQuantParams(-m, m, wgt, /*symmetric=*/true);
    if (!wp)
      return {INFINITY, 1.0};
    for (int64_t j = 0; j < k; ++j)
      wq[j * n + c] = numerics::dequantize(
          numerics::quantize(float(weight[j * n + c] * s[j]), wp->scale,
                             wp->zeroPoint, wgt,
                             numerics::RoundingMode::HalfEven),
          wp->scale, wp->zeroPoint);
  }
  double err = 0, norm = 0;
  for (int64_t i = 0; i < r; ++i)
    for (int64_t c = 0; c < n; ++c) {
      double ref = 0, got = 0;
      for (int64_t j = 0; j < k; ++j) {
        ref += double(rows[i * k + j]) * weight[j * n + c];
        got += xq[i * k + j] * wq[j * n + c];
      }
      err += (got - ref) * (got - ref);
      norm += ref * ref;
    }
  return {err, norm};
}

/// Folds of alpha-search's cross-validation.
constexpr int64_t kFolds = 4;

class SmoothQuantPass final
    : public qf::impl::QuantSmoothQuantPassBase<SmoothQuantPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    if (alpha < 0 || alpha > 1 || !(minScale > 0)) {
      emitError(getOperation()->getLoc())
          << "quant-smoothquant: alpha must be in [0, 1] and min-scale "
             "positive";
      return signalPassFailure();
    }
    grid.clear();
    if (alphaSearch) {
      SmallVector<StringRef> parts;
      StringRef(alphaGrid).split(parts, ':');
      double first, last, step;
      if (parts.size() != 3 || parts[0].getAsDouble(first) ||
          parts[1].getAsDouble(last) || parts[2].getAsDouble(step) ||
          first < 0 || last > 1 || first > last || !(step > 0)) {
        emitError(getOperation()->getLoc())
            << "quant-smoothquant: alpha-grid must be first:last:step with "
               "0 <= first <= last <= 1 and step > 0, not '"
            << alphaGrid << "'";
        return signalPassFailure();
      }
      for (int i = 0; first + i * step <= last + 1e-9; ++i)
        grid.push_back(first + i * step);
    }
    llvm::json::Array entries;
    bool failedAny = false;
    for (scaling::Group &group : scaling::findGroups(getOperation()))
      failedAny |= failed(smooth(group, entries));
    if (failedAny)
      return signalPassFailure();
    if (!report.empty() &&
        failed(writeJsonReport(report, "groups", std::move(entries),
                               getOperation()->getLoc(), "quant-smoothquant")))
      return signalPassFailure();
  }

private:
  std::vector<double> grid;

  /// s_j = max(A_j^a / max(W_j, min-scale)^(1-a), min-scale).
  std::vector<double> factors(ArrayRef<float> actMax,
                              ArrayRef<double> weightMax, double a) {
    std::vector<double> s(actMax.size());
    for (size_t j = 0; j < s.size(); ++j)
      s[j] = std::max(
          std::pow(double(actMax[j]), a) /
              std::pow(std::max(weightMax[j], minScale.getValue()), 1.0 - a),
          minScale.getValue());
    return s;
  }

  LogicalResult smooth(scaling::Group &group, llvm::json::Array &entries) {
    const int64_t k = group.channels;
    auto &consumers = group.consumers;
    std::string why;
    std::optional<scaling::Placement> placement =
        scaling::place(group, insertScale, why);
    if (!placement) {
      entries.push_back(llvm::json::Object{{"producer", group.producerName()},
                                           {"consumers", group.consumerNames()},
                                           {"status", "left alone: " + why}});
      return success();
    }
    // Activation maxima from the (shared) observer.
    std::vector<float> actMax;
    for (scaling::Consumer &c : consumers) {
      DictionaryAttr stats = c.observer ? c.observer.getStatsAttr() : nullptr;
      ConstantData inMax =
          ConstantData::get(stats ? stats.get("in_abs_max") : Attribute());
      if (!inMax || !isa<FloatType>(inMax.getElementType()) ||
          inMax.size() != k)
        return c.op.emitOpError(
            "smoothing needs the calibrated per-channel maxima of its input "
            "(in_abs_max of a qf.observe): run qf-insert-observers and "
            "qf-calibrate first");
      actMax = inMax.floats();
    }
    // Weight maxima per input channel over every consumer.
    std::vector<double> weightMax(k, 0.0);
    for (scaling::Consumer &c : consumers) {
      int64_t n;
      std::vector<float> wv = scaling::weightOf(c, n);
      for (int64_t j = 0; j < k; ++j)
        for (int64_t i = 0; i < n; ++i)
          weightMax[j] =
              std::max(weightMax[j], double(std::fabs(wv[j * n + i])));
    }
    double chosen = alpha;
    llvm::json::Array tried;
    if (alphaSearch) {
      // The sampled calibration rows, and the consumers' weights side by
      // side ([k, sum of n]).
      DictionaryAttr stats = consumers[0].observer.getStatsAttr();
      auto sample = dyn_cast_or_null<DenseF32ResourceElementsAttr>(
          stats.get("row_sample"));
      std::optional<ArrayRef<float>> rows =
          sample ? sample.tryGetAsArrayRef() : std::nullopt;
      if (!rows || rows->size() % k || rows->size() < size_t(2 * k))
        return consumers[0].op.emitOpError(
            "alpha-search needs sampled calibration rows (row_sample): "
            "calibrate with sample-rows=N (N >= 2)");
      int64_t total;
      std::vector<float> joined = group.joinedWeights(total);
      // Cross-validated: the rows are cut into folds, and each fold's
      // error is measured with the maxima and the range fitted on the other
      // folds, as the model will meet data its calibration did not see (a
      // large alpha fits the calibration maxima too closely and saturates
      // on new data). Every row is scored once, so the choice does not
      // hang on which half happened to hold the largest values.
      int64_t r = rows->size() / k;
      int64_t folds = std::min<int64_t>(kFolds, r);
      std::vector<double> err(grid.size(), 0.0), norm(grid.size(), 0.0);
      for (int64_t f = 0; f < folds; ++f) {
        int64_t begin = r * f / folds * k, end = r * (f + 1) / folds * k;
        std::vector<float> fit(rows->begin(), rows->begin() + begin);
        fit.insert(fit.end(), rows->begin() + end, rows->end());
        ArrayRef<float> held = rows->slice(begin, end - begin);
        std::vector<float> fitMax(k, 0.0f);
        for (size_t i = 0; i < fit.size(); ++i)
          fitMax[i % k] = std::max(fitMax[i % k], std::fabs(fit[i]));
        for (size_t g = 0; g < grid.size(); ++g) {
          auto [e, n] = w8a8Error(fit, held, k, joined, total,
                                  factors(fitMax, weightMax, grid[g]));
          err[g] += e;
          norm[g] += n;
        }
      }
      double best = INFINITY;
      for (size_t g = 0; g < grid.size(); ++g) {
        double e = norm[g] > 0 ? std::sqrt(err[g] / norm[g]) : 0.0;
        tried.push_back(llvm::json::Object{{"alpha", grid[g]}, {"error", e}});
        if (e < best) {
          best = e;
          chosen = grid[g];
        }
      }
    }
    std::vector<double> scales = factors(actMax, weightMax, chosen);

    scaling::applyScales(group, *placement, scales);
    double smallest = *std::min_element(scales.begin(), scales.end());
    double largest = *std::max_element(scales.begin(), scales.end());
    entries.push_back(llvm::json::Object{
        {"producer", group.producerName()},
        {"consumers", group.consumerNames()},
        {"status", placement->starts ? "smoothed by an inserted scale: " + why
                                     : std::string("smoothed")},
        {"alpha", chosen},
        {"alpha_search", std::move(tried)},
        {"scale_min", smallest},
        {"scale_max", largest}});
    return success();
  }
};

} // namespace
