//===- AWQ.cpp - Activation-aware weight scaling and clipping -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// quant-awq (Lin et al., 2023): per group of matmuls sharing an input (found
// as SmoothQuant finds them, passes/Common/ScaleGroups.h), a per-channel
// scale s = mean|x|^a (/ mean|w|^(1-a) with duo scaling), normalized by
// sqrt(max(s) min(s)), with a from a grid minimizing the group's output
// error with fake-quantized scaled weights on the sampled calibration rows;
// 1/s goes into the producer and s into the weights. Then, per consumer,
// output column and group, the clipping range with the least error of that
// group's partial outputs. The weights stay float for quant-quantize (or,
// with then-gptq, GPTQ) to round. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "numerics/QuantParams.h"
#include "passes/Layers/HessianLayers.h"
#include "passes/Layers/ScaleGroups.h"
#include "passes/Passes.h"
#include "passes/Reports/JsonReport.h"
#include "passes/Schemes/SchemeName.h"
#include "passes/Schemes/TableWeights.h"
#include "passes/Schemes/WeightOptions.h"
#include "runtime/Executor.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTAWQPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// quant-quantize's weight quantizer on groups of `group` rows along the
/// reduction of a row-major [k, n] matrix: each (group, column) its own
/// range (containing 0), round half to even; or, with a float-code
/// `format`, each its own block scale and the format's values.
struct GroupQuantizer {
  unsigned bits;
  int64_t group;
  bool symmetric;
  SchemeAttr format;

  /// The format's rules for a weight w (NVFP4's tensor scale from its
  /// largest magnitude).
  std::optional<TableFormat> rulesFor(const std::vector<double> &w) const {
    if (!format)
      return std::nullopt;
    float amax = 0;
    for (double v : w)
      amax = std::max(amax, std::fabs(float(v)));
    return TableFormat(format, amax);
  }

  /// Dequantized values of v[0..count), one group of one column.
  void fakeQuant(const double *v, int64_t count, int64_t stride, double *out,
                 int64_t outStride, const TableFormat *rules) const {
    if (rules) {
      double param = rules->blockParamOf(v, count, stride);
      for (int64_t i = 0; i < count; ++i)
        out[i * outStride] = rules->round(v[i * stride], param);
      return;
    }
    numerics::IntRange range =
        numerics::IntRange::forBits(bits, /*isSigned=*/true, symmetric);
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < count; ++i) {
      lo = std::min(lo, float(v[i * stride]));
      hi = std::max(hi, float(v[i * stride]));
    }
    std::optional<numerics::QuantParams> p =
        numerics::chooseQuantParams(lo, hi, range, symmetric);
    if (!p) { // out of float range: no quantization, infinite loss
      for (int64_t i = 0; i < count; ++i)
        out[i * outStride] = NAN;
      return;
    }
    for (int64_t i = 0; i < count; ++i)
      out[i * outStride] = numerics::dequantize(
          numerics::quantize(float(v[i * stride]), float(p->scale),
                             p->zeroPoint, range,
                             numerics::RoundingMode::HalfEven),
          float(p->scale), p->zeroPoint);
  }

  /// The whole matrix.
  std::vector<double> fakeQuant(const std::vector<double> &w, int64_t k,
                                int64_t n) const {
    std::vector<double> out(w.size());
    std::optional<TableFormat> rules = rulesFor(w);
    for (int64_t g = 0; g < k; g += group)
      for (int64_t c = 0; c < n; ++c)
        fakeQuant(w.data() + g * n + c, std::min(group, k - g), n,
                  out.data() + g * n + c, n, rules ? &*rules : nullptr);
    return out;
  }
};

/// Mean squared difference of X A and X B over rows X [r, k], for [k, n]
/// matrices A and B.
double outputMse(const std::vector<double> &x, int64_t r, int64_t k,
                 const std::vector<double> &a, const std::vector<double> &b,
                 int64_t n) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < d.size(); ++i)
    d[i] = a[i] - b[i];
  double sum = 0;
  std::vector<double> row(n);
  for (int64_t i = 0; i < r; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t j = 0; j < k; ++j) {
      double xv = x[i * k + j];
      if (xv == 0)
        continue;
      const double *dr = d.data() + j * n;
      for (int64_t c = 0; c < n; ++c)
        row[c] += xv * dr[c];
    }
    for (double v : row)
      sum += v * v;
  }
  return sum / double(r * n);
}

class AWQPass final : public qf::impl::QuantAWQPassBase<AWQPass> {
public:
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // then-gptq calibrates again, which JIT-compiles the model.
    runtime::registerExecutorDependencies("cpu", registry);
  }

  LogicalResult initialize(MLIRContext *ctx) override {
    auto fail = [&](const Twine &message) {
      return emitError(UnknownLoc::get(ctx)) << "quant-awq: " << message;
    };
    if (std::string error = checkWeightOptions(bits, groupSize); !error.empty())
      return fail(error);
    std::string error;
    FailureOr<SchemeAttr> scheme = formatOption(ctx, format, groupSize, error);
    if (failed(scheme))
      return fail(error);
    formatScheme = *scheme;
    if (grid < 1 || clipGrid < 1)
      return fail("grid and clip-grid must be positive");
    if (!(maxShrink >= 0 && maxShrink < 1))
      return fail("max-shrink must be in [0, 1)");
    if (thenGptq && data.empty())
      return fail("then-gptq calibrates the scaled model again for GPTQ's "
                  "Hessians: give data=CALIBRATION");
    return success();
  }

  void runOnOperation() override;

private:
  LogicalResult scaleGroup(scaling::Group &group, llvm::json::Array &entries);
  /// Clips the consumer's weight [k, n] (its input now X / s) per output
  /// column and group; returns the mean shrink ratio.
  double clipConsumer(scaling::Consumer &c, const std::vector<double> &x,
                      int64_t r, int64_t k, const GroupQuantizer &q);

  /// The `format` option's scheme, if given.
  SchemeAttr formatScheme;
};

void AWQPass::runOnOperation() {
  llvm::json::Array entries;
  for (scaling::Group &group : scaling::findGroups(getOperation()))
    if (failed(scaleGroup(group, entries)))
      return signalPassFailure();
  if (!report.empty() &&
      failed(writeJsonReport(report, "groups", std::move(entries),
                             getOperation()->getLoc(), "quant-awq")))
    return signalPassFailure();
  if (!thenGptq)
    return;
  // GPTQ on the scaled, clipped weights, with Hessians of the scaled inputs.
  OpPassManager pm(ModuleOp::getOperationName());
  std::string pipeline =
      "qf-calibrate{data=" + data +
      " progress=false hessian=true export=false},quant-gptq{" +
      "bits=" + std::to_string(bits) + " format=" + format.getValue() +
      " group-size=" + std::to_string(groupSize) +
      " symmetric=" + (symmetric ? "true" : "false") +
      " act-order=" + (gptqActOrder ? "true" : "false") +
      " group-fallback=channel data=" + data + "}";
  if (failed(parsePassPipeline(pipeline, pm))) {
    emitError(getOperation().getLoc())
        << "quant-awq: cannot build '" << pipeline << "'";
    return signalPassFailure();
  }
  if (failed(runPipeline(pm, getOperation())))
    return signalPassFailure();
}

LogicalResult AWQPass::scaleGroup(scaling::Group &group,
                                  llvm::json::Array &entries) {
  auto record = [&](const std::string &status) {
    entries.push_back(llvm::json::Object{{"producer", group.producerName()},
                                         {"consumers", group.consumerNames()},
                                         {"status", status}});
  };
  std::string why;
  std::optional<scaling::Placement> placement =
      scaling::place(group, /*explicitScale=*/false, why);
  if (!placement) {
    group.consumers.front().op.emitRemark("AWQ: skipped, ") << why;
    record("skipped: " + why);
    return success();
  }
  const int64_t k = group.channels;
  scaling::Consumer &first = group.consumers.front();
  std::optional<std::vector<double>> rows = rowSampleOf(first.observer, k);
  if (!rows)
    return first.op.emitOpError(
        "AWQ needs sampled calibration rows of its input (row_sample of a "
        "qf.observe): run qf-insert-observers and qf-calibrate with "
        "sample-rows=N first");
  const int64_t r = rows->size() / k;
  std::vector<double> x = std::move(*rows);
  for (double v : x)
    if (!std::isfinite(v))
      return first.op.emitOpError(
          "AWQ: the sampled calibration rows contain NaN or infinite values");
  int64_t n;
  std::vector<float> joined = group.joinedWeights(n);
  std::vector<double> w(joined.begin(), joined.end());
  for (double v : w)
    if (!std::isfinite(v))
      return first.op.emitOpError(
          "AWQ: the weight contains NaN or infinite values");
  // A scheme assigned to the consumers (quant-assign-precision gives the
  // layers reading one activation one scheme) wins over the options.
  unsigned layerBits = bits;
  int64_t layerGroup = groupSize;
  bool layerSymmetric = symmetric;
  SchemeAttr layerFormat = formatScheme;
  if (auto scheme = first.op->getAttrOfType<SchemeAttr>("qf.scheme")) {
    std::optional<WeightRounding> assigned = weightRoundingOf(scheme);
    if (!assigned) {
      first.op->emitRemark("AWQ: skipped, its assigned scheme ")
          << schemeName(scheme) << " is quant-quantize's";
      record("skipped: assigned " + schemeName(scheme));
      return success();
    }
    layerBits = assigned->bits;
    layerGroup = assigned->groupSize;
    layerSymmetric = assigned->symmetric;
    layerFormat = assigned->grid;
  }
  if (layerFormat && layerFormat.getRounding() != RoundingMode::half_even)
    return first.op->emitOpError("AWQ rounds float-code formats half_even "
                                 "only");
  GroupQuantizer quantizer{
      layerBits, layerGroup > 0 && k % layerGroup == 0 ? layerGroup : k,
      layerSymmetric, layerFormat};

  // Per-channel statistics: mean |x|, and (duo) mean over output columns of
  // |w| relative to its group's largest.
  std::vector<double> xMean(k, 0.0), wMean(k, 0.0);
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < k; ++j)
      xMean[j] += std::fabs(x[i * k + j]) / double(r);
  for (int64_t g = 0; g < k; g += quantizer.group)
    for (int64_t c = 0; c < n; ++c) {
      double m = 0;
      for (int64_t j = g; j < g + quantizer.group; ++j)
        m = std::max(m, std::fabs(w[j * n + c]));
      for (int64_t j = g; j < g + quantizer.group; ++j)
        wMean[j] += (m > 0 ? std::fabs(w[j * n + c]) / m : 0.0) / double(n);
    }

  // The scale search: a = i / grid.
  auto scalesFor = [&](double a) {
    std::vector<double> s(k);
    for (int64_t j = 0; j < k; ++j) {
      double v = std::pow(xMean[j], a);
      if (duoScaling) // + 1e-4: a channel whose weights are all zero
        v /= std::pow(wMean[j], 1 - a) + 1e-4;
      s[j] = std::max(v, 1e-4);
    }
    double lo = *std::min_element(s.begin(), s.end());
    double hi = *std::max_element(s.begin(), s.end());
    double norm = std::sqrt(hi * lo);
    for (double &v : s)
      v /= norm;
    return s;
  };
  double bestLoss = INFINITY, bestAlpha = 0;
  llvm::json::Array losses;
  for (int i = 0; i < grid; ++i) {
    double a = double(i) / grid;
    std::vector<double> s = scalesFor(a), scaled(w.size());
    for (int64_t j = 0; j < k; ++j)
      for (int64_t c = 0; c < n; ++c)
        scaled[j * n + c] = w[j * n + c] * s[j];
    std::vector<double> q = quantizer.fakeQuant(scaled, k, n);
    for (int64_t j = 0; j < k; ++j)
      for (int64_t c = 0; c < n; ++c)
        q[j * n + c] /= s[j];
    double loss = outputMse(x, r, k, w, q, n);
    losses.push_back(loss);
    if (loss < bestLoss) {
      bestLoss = loss;
      bestAlpha = a;
    }
  }
  std::vector<double> s = scalesFor(bestAlpha);
  if (!std::isfinite(bestLoss) ||
      llvm::any_of(s, [](double v) { return !std::isfinite(v) || v <= 0; })) {
    group.consumers.front().op.emitRemark(
        "AWQ: skipped, no scale gives a finite error");
    record("skipped: no scale gives a finite error");
    return success();
  }
  scaling::applyScales(group, *placement, s);

  // Clipping, on the scaled weights and inputs X / s.
  llvm::json::Array shrinks;
  if (clip) {
    std::vector<double> xs(x.size());
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < k; ++j)
        xs[i * k + j] = x[i * k + j] / s[j];
    for (scaling::Consumer &c : group.consumers) {
      std::string name = layerName(c.op.getLoc());
      bool skip = llvm::any_of(clipSkip, [&](const std::string &part) {
        return StringRef(name).contains(part);
      });
      shrinks.push_back(
          skip ? llvm::json::Value(nullptr)
               : llvm::json::Value(clipConsumer(c, xs, r, k, quantizer)));
    }
  }
  entries.push_back(
      llvm::json::Object{{"producer", group.producerName()},
                         {"consumers", group.consumerNames()},
                         {"status", "scaled"},
                         {"alpha", bestAlpha},
                         {"losses", std::move(losses)},
                         {"mean_clip_ratio", std::move(shrinks)}});
  return success();
}

double AWQPass::clipConsumer(scaling::Consumer &c, const std::vector<double> &x,
                             int64_t r, int64_t k, const GroupQuantizer &q) {
  int64_t n;
  std::vector<float> wf = scaling::weightOf(c, n);
  std::vector<double> w(wf.begin(), wf.end());
  const int64_t steps = int64_t(maxShrink * clipGrid);
  double ratioSum = 0;
  std::vector<double> org(r), col(q.group), deq(q.group);
  std::optional<TableFormat> rules = q.rulesFor(w);
  for (int64_t g = 0; g < k; g += q.group)
    for (int64_t cc = 0; cc < n; ++cc) {
      double m0 = 0;
      for (int64_t j = 0; j < q.group; ++j)
        m0 = std::max(m0, std::fabs(w[(g + j) * n + cc]));
      // The group's partial outputs over the rows.
      for (int64_t i = 0; i < r; ++i) {
        double sum = 0;
        for (int64_t j = 0; j < q.group; ++j)
          sum += x[i * k + g + j] * w[(g + j) * n + cc];
        org[i] = sum;
      }
      double bestErr = INFINITY, best = m0;
      for (int64_t step = 0; step < std::max<int64_t>(steps, 1); ++step) {
        double m = m0 * (1 - double(step) / clipGrid);
        for (int64_t j = 0; j < q.group; ++j)
          col[j] = std::clamp(w[(g + j) * n + cc], -m, m);
        q.fakeQuant(col.data(), q.group, 1, deq.data(), 1,
                    rules ? &*rules : nullptr);
        double err = 0;
        for (int64_t i = 0; i < r; ++i) {
          double sum = 0;
          for (int64_t j = 0; j < q.group; ++j)
            sum += x[i * k + g + j] * deq[j];
          err += (sum - org[i]) * (sum - org[i]);
        }
        err /= double(r);
        if (err < bestErr) {
          bestErr = err;
          best = m;
        }
      }
      for (int64_t j = 0; j < q.group; ++j)
        w[(g + j) * n + cc] = std::clamp(w[(g + j) * n + cc], -best, best);
      ratioSum += m0 > 0 ? best / m0 : 1.0;
    }
  std::vector<float> clipped(w.begin(), w.end());
  scaling::replaceConstant(c.op->getOpOperand(1), clipped);
  return ratioSum / double((k / q.group) * n);
}

} // namespace
