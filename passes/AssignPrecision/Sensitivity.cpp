//===- Sensitivity.cpp - What a scheme costs a layer in accuracy ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/Sensitivity.h"

#include "numerics/FloatFormats.h"
#include "numerics/QuantParams.h"
#include "passes/Schemes/TableWeights.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Parallel.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::precision;

FailureOr<std::vector<float>>
mlir::qf::precision::simulateWeight(const Layer &layer, SchemeAttr scheme) {
  if (auto narrow = dyn_cast<FloatType>(scheme.getWeightType())) {
    std::vector<float> rounded;
    rounded.reserve(layer.weight.size());
    for (float v : layer.weight) {
      APFloat f(v);
      bool lost;
      f.convert(narrow.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      f.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      rounded.push_back(f.convertToFloat());
    }
    return rounded;
  }
  auto emitError = [&] { return layer.op->emitOpError("weight operand: "); };
  if (scheme.isTableFormat()) {
    FailureOr<TableWeight> q =
        quantizeTableWeight(layer.weight, layer.weightType.getShape(), scheme,
                            layer.contraction.axes, emitError);
    if (failed(q))
      return failure();
    return std::move(q->dequantized);
  }
  FailureOr<QuantizedWeight> q = quantizeWeight(
      layer.weight, layer.weightType.getShape(), scheme, layer.contraction.axes,
      cast<FloatType>(layer.weightType.getElementType()), emitError);
  if (failed(q))
    return failure();
  return std::move(q->dequantized);
}

static DictionaryAttr statsOf(const Layer &layer) {
  ObserveOp observer = layer.observer;
  return observer ? observer.getStatsAttr() : DictionaryAttr();
}

/// The calibrated f32 blob `key` of the layer's observer, if it has one.
static std::optional<ArrayRef<float>> blobOf(const Layer &layer,
                                             StringRef key) {
  DictionaryAttr stats = statsOf(layer);
  auto blob =
      stats ? dyn_cast_or_null<DenseF32ResourceElementsAttr>(stats.get(key))
            : DenseF32ResourceElementsAttr();
  return blob ? blob.tryGetAsArrayRef() : std::nullopt;
}

/// The calibrated [min, max] of the layer's activation.
static FailureOr<std::pair<double, double>>
calibratedRange(const Layer &layer) {
  DictionaryAttr stats = statsOf(layer);
  auto min = stats ? stats.getAs<FloatAttr>("min") : FloatAttr();
  auto max = stats ? stats.getAs<FloatAttr>("max") : FloatAttr();
  if (!min || !max)
    return layer.op->emitOpError(
        "candidates with quantized activations need the calibrated range "
        "(min and max) of the activation's qf.observe: run qf-calibrate "
        "first");
  return std::make_pair(min.getValueAsDouble(), max.getValueAsDouble());
}

/// The step and zero point of static int8 activations: quant-quantize's
/// choice from the observer's calibrated range.
static FailureOr<numerics::QuantParams>
staticActParams(const Layer &layer, const SensitivityOptions &options,
                numerics::IntRange range) {
  FailureOr<std::pair<double, double>> r = calibratedRange(layer);
  if (failed(r))
    return failure();
  std::optional<numerics::QuantParams> p = numerics::chooseQuantParams(
      r->first, r->second, range, options.actSymmetric);
  if (!p)
    return layer.op->emitOpError("the calibrated activation range [")
           << r->first << ", " << r->second << "] cannot be quantized";
  return *p;
}

/// The static scale of FP8 activations: quant-quantize's choice from the
/// observer's calibrated range.
static FailureOr<float> floatActScale(const Layer &layer, SchemeAttr scheme) {
  FailureOr<std::pair<double, double>> r = calibratedRange(layer);
  if (failed(r))
    return failure();
  float scale = floatActivationScale(r->first, r->second,
                                     cast<FloatType>(scheme.getActType()));
  if (!std::isnormal(scale))
    return layer.op->emitOpError("the calibrated activation range [")
           << r->first << ", " << r->second << "] has no "
           << scheme.getActType() << " scale";
  return scale;
}

/// The sampled rows as the layer computes with them under `scheme`.
static FailureOr<std::vector<float>>
simulateRows(const Layer &layer, SchemeAttr scheme, ArrayRef<float> rows,
             const SensitivityOptions &options) {
  std::vector<float> out(rows.begin(), rows.end());
  if (scheme.isWeightOnly())
    return out;
  if (isa<FloatType>(scheme.getActType()) &&
      scheme.getFormat() == WeightFormat::mxfp8) {
    // MXFP8: per row, blocks of the group along k, as qf.round_to_mx does.
    int64_t block = scheme.getGranularity() == Granularity::per_group
                        ? scheme.getGroupSize()
                        : layer.k;
    if (layer.k % block != 0)
      return layer.op->emitOpError("MX activations need blocks of ")
             << block << " along the reduction (" << layer.k << ")";
    for (size_t start = 0; start < out.size(); start += block) {
      float amax = 0;
      for (int64_t i = 0; i < block; ++i)
        amax = std::max(amax, std::fabs(out[start + i]));
      uint8_t x = numerics::mxScale(amax, numerics::MXElement::FP8E4M3,
                                    numerics::MXScaleRule::Floor);
      for (int64_t i = 0; i < block; ++i) {
        float &v = out[start + i];
        v = float(numerics::mxDecode(
            *numerics::mxEncode(v, x, numerics::MXElement::FP8E4M3,
                                numerics::RoundingMode::HalfEven),
            x, numerics::MXElement::FP8E4M3));
      }
    }
    return out;
  }
  if (isa<FloatType>(scheme.getActType())) {
    // FP8: quant-quantize's static scale, then each value rounded to E4M3FN
    // (half_even, saturating) and back, as qf.round_to_float does.
    FailureOr<float> scale = floatActScale(layer, scheme);
    if (failed(scale))
      return failure();
    for (float &v : out) {
      std::optional<uint8_t> code = numerics::encodeFloat(
          v / *scale, numerics::FloatFormat::E4M3FN,
          numerics::RoundingMode::HalfEven, numerics::OverflowMode::Saturate);
      v = float(numerics::decodeFloat(*code, numerics::FloatFormat::E4M3FN)) *
          *scale;
    }
    return out;
  }
  auto mode = static_cast<numerics::RoundingMode>(scheme.getRounding());
  uint64_t seed = scheme.getSeed().value_or(0);
  unsigned bits = scheme.getActType().getIntOrFloatBitWidth();
  int64_t k = layer.k, r = rows.size() / k;
  if (options.actQuant == DynamicActivations::None) {
    numerics::IntRange range =
        numerics::IntRange::forBits(bits, true, options.actSymmetric);
    FailureOr<numerics::QuantParams> p = staticActParams(layer, options, range);
    if (failed(p))
      return failure();
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = numerics::dequantize(numerics::quantize(out[i], float(p->scale),
                                                       p->zeroPoint, range,
                                                       mode, seed, i),
                                    float(p->scale), p->zeroPoint);
    return out;
  }
  // Dynamic: scale = max|x| / qmax per token (row), or over the whole
  // sample per tensor. A convolution's tokens are images, which sampled
  // patches do not identify: they count as one tensor.
  numerics::IntRange range = numerics::IntRange::forBits(bits, true, true);
  bool perRow = options.actQuant == DynamicActivations::PerToken &&
                !layer.contraction.isConv;
  int64_t span = perRow ? k : r * k;
  for (int64_t start = 0; start < r * k; start += span) {
    float absMax = 0;
    for (int64_t i = start; i < start + span; ++i)
      absMax = std::max(absMax, std::fabs(out[i]));
    float scale = absMax > 0 ? absMax / float(range.max) : 1.0f;
    for (int64_t i = start; i < start + span; ++i)
      out[i] = numerics::dequantize(
          numerics::quantize(out[i], scale, 0, range, mode, seed, i), scale, 0);
  }
  return out;
}

FailureOr<double>
mlir::qf::precision::outputMse(const Layer &layer, SchemeAttr scheme,
                               ArrayRef<float> quantizedWeight,
                               const SensitivityOptions &options) {
  std::optional<ArrayRef<float>> rows = blobOf(layer, "row_sample");
  const int64_t k = layer.k, n = layer.n;
  if (!rows || rows->empty() || rows->size() % k)
    return layer.op->emitOpError(
        "output-mse needs sampled calibration rows of the activation "
        "(row_sample of its qf.observe): run qf-calibrate with "
        "sample-rows=N, or use objective=hessian");
  const int64_t r = rows->size() / k;
  FailureOr<std::vector<float>> xq =
      simulateRows(layer, scheme, *rows, options);
  if (failed(xq))
    return failure();
  // Per row: y = x W and y' = q(x) Q(W) in double, accumulated in row order
  // so the result does not depend on the thread count.
  std::vector<double> perRow(r, 0.0);
  llvm::parallelFor(0, r, [&](size_t i) {
    std::vector<double> y(n, 0.0), yq(n, 0.0);
    for (int64_t j = 0; j < k; ++j) {
      double x = (*rows)[i * k + j], xh = (*xq)[i * k + j];
      const float *w = layer.weight.data() + j * n;
      const float *wq = quantizedWeight.data() + j * n;
      for (int64_t f = 0; f < n; ++f) {
        y[f] += x * w[f];
        yq[f] += xh * wq[f];
      }
    }
    double sum = 0;
    for (int64_t f = 0; f < n; ++f)
      sum += (yq[f] - y[f]) * (yq[f] - y[f]);
    perRow[i] = sum;
  });
  double total = 0;
  for (double v : perRow)
    total += v;
  return total / r;
}

FailureOr<double>
mlir::qf::precision::hessianError(const Layer &layer, SchemeAttr scheme,
                                  ArrayRef<float> quantizedWeight,
                                  const SensitivityOptions &options) {
  std::optional<ArrayRef<float>> h = blobOf(layer, "hessian");
  const int64_t k = layer.k, n = layer.n;
  if (!h || int64_t(h->size()) != k * k)
    return layer.op->emitOpError(
        "objective=hessian needs the calibrated Hessian of the activation "
        "(hessian of its qf.observe): run qf-calibrate with hessian=true");
  // Column f of the weight error: dw_f^T H dw_f, one column per task.
  std::vector<double> perColumn(n, 0.0);
  llvm::parallelFor(0, n, [&](size_t f) {
    std::vector<double> dw(k);
    for (int64_t j = 0; j < k; ++j)
      dw[j] = double(quantizedWeight[j * n + f]) - layer.weight[j * n + f];
    double sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      if (dw[i] == 0)
        continue;
      const float *row = h->data() + i * k;
      double hdw = 0;
      for (int64_t j = 0; j < k; ++j)
        hdw += row[j] * dw[j];
      sum += dw[i] * hdw;
    }
    perColumn[f] = sum;
  });
  double error = 0;
  for (double v : perColumn)
    error += v;
  error /= 2;
  if (scheme.isWeightOnly())
    return error;
  if (isa<FloatType>(scheme.getActType())) {
    // FP8 E4M3's rounding (per tensor or in MX blocks) is relative: a step
    // between |x| 2^-4 and |x| 2^-3, taken as |x| 2^-3.5, uniform and
    // independent per element; with E[x_k^2] = H_kk / 2, E||e Q(W)||^2 = sum_k
    // H_kk / 2 * 2^-7 / 12 *
    // ||Q(W)_k||^2.
    double noise = 0;
    for (int64_t j = 0; j < k; ++j) {
      double rowNorm = 0;
      for (int64_t f = 0; f < n; ++f)
        rowNorm +=
            double(quantizedWeight[j * n + f]) * quantizedWeight[j * n + f];
      noise += (*h)[j * k + j] / 2 * std::ldexp(1.0, -7) / 12 * rowNorm;
    }
    return error + noise;
  }
  // Rounding noise of step d, uniform and independent per element:
  // E||e Q(W)||^2 = d^2/12 ||Q(W)||^2 per row.
  unsigned bits = scheme.getActType().getIntOrFloatBitWidth();
  double step;
  if (options.actQuant == DynamicActivations::None) {
    FailureOr<numerics::QuantParams> p = staticActParams(
        layer, options,
        numerics::IntRange::forBits(bits, true, options.actSymmetric));
    if (failed(p))
      return failure();
    step = p->scale;
  } else {
    // Dynamic steps follow each token's range; the calibrated |x| maximum
    // bounds them.
    FailureOr<std::pair<double, double>> r = calibratedRange(layer);
    if (failed(r))
      return failure();
    step = std::max(std::fabs(r->first), std::fabs(r->second)) /
           double(numerics::IntRange::forBits(bits, true, true).max);
  }
  double norm = 0;
  for (float v : quantizedWeight)
    norm += double(v) * v;
  return error + step * step / 12 * norm;
}

double mlir::qf::precision::positionPrior(const Layer &layer, SchemeAttr scheme,
                                          bool isEnd) {
  double noise = double(layer.weight.size()) *
                 std::pow(4.0, -double(scheme.getWeightBits()));
  if (!scheme.isWeightOnly())
    noise *= 1.001;
  return isEnd ? 1000 * noise : noise;
}
