//===- Quantize.cpp - The quant-quantize pass -----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Materializes each contraction's scheme: integer weights (WeightQuantizer)
// and quantize/dequantize pairs on its activations, static from calibration
// statistics or dynamic. The float ops stay; qf-fuse-qdq makes them integer.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "numerics/QuantParams.h"
#include "passes/Layers/Contraction.h"
#include "passes/Passes.h"
#include "passes/Reports/JsonReport.h"
#include "passes/Schemes/SchemeName.h"
#include "passes/Schemes/TableWeights.h"
#include "passes/Schemes/WeightQuantizer.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/JSON.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

std::string schemeText(SchemeAttr scheme) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << scheme;
  return text;
}

class QuantizePass final
    : public qf::impl::QuantQuantizePassBase<QuantizePass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override;
  void runOnOperation() override;

private:
  LogicalResult quantizeOp(Operation *op, const Contraction &contraction);
  LogicalResult quantizeWeightOperand(Operation *op,
                                      const Contraction &contraction,
                                      SchemeAttr scheme, ArrayRef<float> data);
  LogicalResult quantizeActivation(Operation *op, unsigned index,
                                   SchemeAttr scheme, bool isConv);
  /// FP8 activations: `index`'s operand rounded to the scheme's float
  /// activation type under a scale from its calibrated range, or (mxfp8) in
  /// MX blocks along the reduction.
  LogicalResult roundActivationToFloat(Operation *op, unsigned index,
                                       SchemeAttr scheme);
  void quantizeOutput(Operation *op, SchemeAttr scheme);
  /// The type of a static activation with calibrated range [min, max].
  quant::UniformQuantizedType activationType(SchemeAttr scheme,
                                             FloatType expressed, double min,
                                             double max);
  /// Q/DQ of `value` to `type`, shared by every op that asks for the same.
  Value staticQDQ(Value value, Type type, RoundingMode rounding,
                  std::optional<int64_t> seed, Operation *insertAfter);

  SchemeAttr defaultScheme;
  numerics::MXScaleRule mxRule = numerics::MXScaleRule::Floor;
  llvm::DenseMap<std::pair<Value, Type>, Value> quantized;
  llvm::DenseMap<std::pair<Value, Attribute>, Value> quantizedWeights;
  /// Float weight constants replaced by quantized ones, erased at the end
  /// when nothing else uses them.
  llvm::SetVector<Operation *> replacedWeights;
  /// One entry per quantized weight for report=FILE.
  llvm::json::Array reportEntries;
  void recordWeight(Operation *op, RankedTensorType type, StringRef scheme,
                    double relativeError, int64_t bytes,
                    std::optional<double> outputError);
  LogicalResult writeReport();
  /// A weight an earlier pass quantized, from its `qf.quantized_by`.
  void recordQuantizedWeight(Operation *op, Value weight, DictionaryAttr by);
};

/// ||X dW|| / ||X W|| over the calibration rows X of the activation that
/// multiplies the weight: with H = 2/N X^T X from its observer,
/// sqrt(sum_f dw_f^T H dw_f / sum_f w_f^T H w_f) over the output channels f
/// (the last weight axis; rows are the other axes flattened, as the
/// calibration flattens im2col patches). Absent without a Hessian.
static std::optional<double> outputError(Value activation,
                                         ArrayRef<float> weight,
                                         ArrayRef<float> dequantized,
                                         RankedTensorType type) {
  auto observe = activation.getDefiningOp<ObserveOp>();
  DictionaryAttr stats = observe ? observe.getStatsAttr() : DictionaryAttr();
  auto hessian =
      stats
          ? dyn_cast_or_null<DenseF32ResourceElementsAttr>(stats.get("hessian"))
          : DenseF32ResourceElementsAttr();
  std::optional<ArrayRef<float>> h =
      hessian ? hessian.tryGetAsArrayRef() : std::nullopt;
  int64_t f = type.getShape().back();
  int64_t k = f ? type.getNumElements() / f : 0;
  if (!h || int64_t(h->size()) != k * k)
    return std::nullopt;
  double error = 0, norm = 0;
  std::vector<double> dw(k), w(k);
  for (int64_t col = 0; col < f; ++col) {
    for (int64_t i = 0; i < k; ++i) {
      w[i] = weight[i * f + col];
      dw[i] = double(dequantized[i * f + col]) - w[i];
    }
    for (int64_t i = 0; i < k; ++i) {
      const float *row = h->data() + i * k;
      double hw = 0, hdw = 0;
      for (int64_t j = 0; j < k; ++j) {
        hw += row[j] * w[j];
        hdw += row[j] * dw[j];
      }
      norm += w[i] * hw;
      error += dw[i] * hdw;
    }
  }
  return norm > 0 ? std::sqrt(std::max(error, 0.0) / norm) : 0.0;
}

void QuantizePass::recordWeight(Operation *op, RankedTensorType type,
                                StringRef scheme, double relativeError,
                                int64_t bytes,
                                std::optional<double> outputError) {
  if (report.empty())
    return;
  llvm::json::Array shape;
  for (int64_t d : type.getShape())
    shape.push_back(d);
  reportEntries.push_back(llvm::json::Object{
      {"layer", layerName(op->getLoc())},
      {"op", op->getName().getStringRef()},
      {"shape", std::move(shape)},
      {"scheme", scheme.str()},
      {"params", type.getNumElements()},
      {"float_bytes",
       type.getNumElements() * int64_t(type.getElementTypeBitWidth() / 8)},
      {"bytes", bytes},
      {"weight_error", relativeError},
      {"output_error", outputError ? llvm::json::Value(*outputError)
                                   : llvm::json::Value(nullptr)}});
}

void QuantizePass::recordQuantizedWeight(Operation *op, Value weight,
                                         DictionaryAttr by) {
  auto scheme = by.getAs<StringAttr>("scheme");
  auto bytes = by.getAs<IntegerAttr>("bytes");
  auto weightError = by.getAs<FloatAttr>("weight_error");
  if (!scheme || !bytes || !weightError)
    return;
  auto outputError = by.getAs<FloatAttr>("output_error");
  recordWeight(op, cast<RankedTensorType>(weight.getType()), scheme.getValue(),
               weightError.getValueAsDouble(), bytes.getInt(),
               outputError ? std::optional(outputError.getValueAsDouble())
                           : std::nullopt);
}

LogicalResult QuantizePass::writeReport() {
  if (report.empty())
    return success();
  return writeJsonReport(report, "weights", std::exchange(reportEntries, {}),
                         getOperation()->getLoc(), "quant-quantize");
}

LogicalResult QuantizePass::initialize(MLIRContext *ctx) {
  auto fail = [&](const Twine &message) {
    return emitError(UnknownLoc::get(ctx)) << "quant-quantize: " << message;
  };
  if ((rounding == RoundingMode::stochastic) != seed.hasValue())
    return fail("seed is required with rounding=stochastic and only then");
  if (mxScaleRule != "floor" && mxScaleRule != "round-up")
    return fail("mx-scale-rule is floor or round-up, got '" + mxScaleRule +
                "'");
  mxRule = mxScaleRule == "floor" ? numerics::MXScaleRule::Floor
                                  : numerics::MXScaleRule::RoundUp;
  std::optional<uint64_t> seedValue;
  if (seed.hasValue())
    seedValue = seed;

  std::string name = scheme;
  if (name.empty()) {
    // The individual options, written as a scheme name.
    name = "w" + std::to_string(weightBits) +
           (actBits == ActivationBits::Eight ? "a8" : "a16");
    if (granularity == Granularity::per_group) {
      if (groupSize <= 0)
        return fail("group-size must be positive, got " +
                    std::to_string(groupSize));
      name += "g" + std::to_string(groupSize);
    }
  }
  std::string error;
  FailureOr<SchemeAttr> parsed =
      parseSchemeName(ctx, name, symmetric, rounding, seedValue, error);
  if (failed(parsed))
    return fail(error);
  defaultScheme = *parsed;
  if (scheme.empty() && granularity == Granularity::per_tensor)
    defaultScheme = SchemeAttr::get(
        ctx, defaultScheme.getWeightType(), defaultScheme.getActType(),
        Granularity::per_tensor, 0, symmetric, rounding, seedValue);
  return success();
}

void QuantizePass::runOnOperation() {
  quantized.clear();
  quantizedWeights.clear();
  replacedWeights.clear();
  SmallVector<std::pair<Operation *, Contraction>> targets;
  getOperation()->walk([&](Operation *op) {
    if (std::optional<Contraction> c = contractionOf(op))
      if (!onlyAssigned || op->hasAttr("qf.scheme"))
        targets.push_back({op, *c});
  });
  bool failedAny = false;
  for (auto &[op, contraction] : targets)
    failedAny |= failed(quantizeOp(op, contraction));
  if (failedAny)
    return signalPassFailure();
  for (Operation *weight : replacedWeights)
    if (weight->use_empty())
      weight->erase();
  if (failed(writeReport()))
    return signalPassFailure();
  // The observers' statistics are consumed; the observers go.
  getOperation()->walk([](ObserveOp observe) {
    observe.getOutput().replaceAllUsesWith(observe.getInput());
    observe.erase();
  });
}

LogicalResult QuantizePass::quantizeOp(Operation *op,
                                       const Contraction &contraction) {
  auto scheme = op->getAttrOfType<SchemeAttr>("qf.scheme");
  if (!scheme)
    scheme = defaultScheme;
  Value weight = op->getOperand(contraction.weight);
  std::optional<std::vector<float>> data = constantWeight(weight);
  // group-fallback=channel: a weight whose reduction the group size does
  // not divide is quantized per channel.
  int64_t reduction =
      cast<ShapedType>(weight.getType()).getDimSize(contraction.axes.reduction);
  if (data && groupFallback == GroupFallback::Channel &&
      scheme.getGranularity() == Granularity::per_group &&
      reduction % scheme.getGroupSize() != 0)
    scheme = SchemeAttr::get(op->getContext(), scheme.getWeightType(),
                             scheme.getActType(), Granularity::per_channel,
                             /*groupSize=*/0, scheme.getSymmetric(),
                             scheme.getRounding(), scheme.getSeed(),
                             scheme.getFormat());
  if (data) {
    if (failed(quantizeWeightOperand(op, contraction, scheme, *data)))
      return failure();
  } else if (isa_and_nonnull<DequantizeOp, DequantizeTableOp>(
                 weight.getDefiningOp())) {
    // Quantized by an earlier pass (GPTQ, ...), which says what it did.
    if (auto by = weight.getDefiningOp()->getAttrOfType<DictionaryAttr>(
            "qf.quantized_by"))
      recordQuantizedWeight(op, weight, by);
  } else if (!scheme.isWeightOnly() && !scheme.isTableFormat()) {
    // Activation times activation (attention): both are activations.
    if (failed(quantizeActivation(op, contraction.weight, scheme,
                                  contraction.isConv)))
      return failure();
  }
  if (scheme.isWeightOnly())
    return success();
  if (isa<FloatType>(scheme.getActType()))
    return roundActivationToFloat(op, contraction.activation, scheme);
  if (failed(quantizeActivation(op, contraction.activation, scheme,
                                contraction.isConv)))
    return failure();
  if (dynamicActivations == DynamicActivations::None && quantizeOutputs)
    quantizeOutput(op, scheme);
  return success();
}

LogicalResult
QuantizePass::quantizeWeightOperand(Operation *op,
                                    const Contraction &contraction,
                                    SchemeAttr scheme, ArrayRef<float> data) {
  unsigned index = contraction.weight;
  WeightAxes axes = contraction.axes;
  Value weight = op->getOperand(index);
  Value activation = op->getOperand(contraction.activation);
  auto type = cast<RankedTensorType>(weight.getType());
  auto expressed = cast<FloatType>(type.getElementType());
  OpBuilder b(op);
  Location loc = weight.getLoc();
  Type weightType = scheme.getWeightType();
  // A weight shared by several ops under one scheme is quantized once.
  auto quantizeShared = [&](auto quantize, auto materialize) -> LogicalResult {
    Value &shared = quantizedWeights[{weight, scheme}];
    if (!shared) {
      auto q = quantize();
      if (failed(q))
        return failure();
      if (!report.empty())
        recordWeight(op, type, schemeText(scheme), q->relativeError,
                     q->storageBytes,
                     outputError(activation, data, q->dequantized, type));
      b.setInsertionPointAfterValue(weight);
      shared = materialize(*q);
    }
    op->setOperand(index, shared);
    replacedWeights.insert(weight.getDefiningOp());
    return success();
  };
  auto emitError = [&] { return op->emitOpError("weight operand: "); };
  if (scheme.isTableFormat()) {
    if (!expressed.isF32())
      return op->emitOpError("weight operand: format ")
             << stringifyWeightFormat(scheme.getFormat())
             << " needs an f32 weight, got " << expressed;
    return quantizeShared(
        [&] {
          return quantizeTableWeight(data, type.getShape(), scheme, axes,
                                     emitError, /*solved=*/nullptr, mxRule);
        },
        [&](const TableWeight &q) {
          return materializeTableWeight(b, loc, type, q);
        });
  }
  if (isa<FloatType>(weightType)) {
    // f16/bf16: round once to the narrow type, extend back for the op.
    auto narrow = type.clone(weightType);
    SmallVector<APFloat> values;
    for (float v : data) {
      APFloat f(v);
      bool lost;
      f.convert(cast<FloatType>(weightType).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    std::vector<float> rounded;
    for (const APFloat &f : values) {
      bool lost;
      APFloat back = f;
      back.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      rounded.push_back(back.convertToFloat());
    }
    if (!report.empty())
      recordWeight(op, type, schemeText(scheme), relativeError(data, rounded),
                   type.getNumElements() * 2,
                   outputError(activation, data, rounded, type));
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(narrow, values));
    op->setOperand(index, arith::ExtFOp::create(b, loc, type, constant));
    replacedWeights.insert(weight.getDefiningOp());
    return success();
  }
  return quantizeShared(
      [&] {
        return quantizeWeight(data, type.getShape(), scheme, axes, expressed,
                              emitError);
      },
      [&](const QuantizedWeight &q) {
        return materializeWeight(b, loc, type, q);
      });
}

quant::UniformQuantizedType QuantizePass::activationType(SchemeAttr scheme,
                                                         FloatType expressed,
                                                         double min,
                                                         double max) {
  return qf::activationType(scheme.getActType().getIntOrFloatBitWidth(),
                            expressed, min, max, actSymmetric);
}

/// The calibrated [min, max] of an observer's statistics, if it has them.
std::optional<std::pair<double, double>> calibratedRange(ObserveOp observe) {
  DictionaryAttr stats = observe ? observe.getStatsAttr() : DictionaryAttr();
  auto min = stats ? stats.getAs<FloatAttr>("min") : FloatAttr();
  auto max = stats ? stats.getAs<FloatAttr>("max") : FloatAttr();
  if (!min || !max)
    return std::nullopt;
  return std::make_pair(min.getValueAsDouble(), max.getValueAsDouble());
}

Value QuantizePass::staticQDQ(Value value, Type type, RoundingMode mode,
                              std::optional<int64_t> seed,
                              Operation *insertAfter) {
  Value &cached = quantized[{value, type}];
  if (cached)
    return cached;
  OpBuilder b(insertAfter->getContext());
  b.setInsertionPointAfter(insertAfter);
  auto tensorType = cast<RankedTensorType>(value.getType());
  IntegerAttr seedAttr = seed ? b.getI64IntegerAttr(*seed) : IntegerAttr();
  Value q = QuantizeOp::create(b, value.getLoc(), tensorType.clone(type), value,
                               mode, seedAttr);
  cached = DequantizeOp::create(b, value.getLoc(), tensorType, q);
  return cached;
}

LogicalResult QuantizePass::quantizeActivation(Operation *op, unsigned index,
                                               SchemeAttr scheme, bool isConv) {
  Value value = op->getOperand(index);
  if (value.getDefiningOp<DequantizeOp>() ||
      value.getDefiningOp<DynamicDequantizeOp>())
    return success(); // an earlier op's output, already quantized
  auto type = cast<RankedTensorType>(value.getType());
  auto expressed = cast<FloatType>(type.getElementType());
  std::optional<int64_t> seed;
  if (scheme.getSeed())
    seed = static_cast<int64_t>(*scheme.getSeed());
  OpBuilder b(op);

  if (dynamicActivations != DynamicActivations::None) {
    if (auto observe = value.getDefiningOp<ObserveOp>())
      value = observe.getInput();
    unsigned bits = scheme.getActType().getIntOrFloatBitWidth();
    numerics::IntRange range =
        numerics::IntRange::forBits(bits, /*isSigned=*/true, /*narrow=*/true);
    auto unit = quant::UniformQuantizedType::get(
        quant::QuantizationFlags::Signed, b.getIntegerType(bits), expressed,
        1.0, 0, range.min, range.max);
    // Per token: one scale per row of a matmul input; for a convolution,
    // whose output pixels mix input pixels, one per image.
    SmallVector<int64_t> scaleShape(type.getRank(), 1);
    if (dynamicActivations == DynamicActivations::PerToken)
      for (int64_t d = 0; d + 1 < type.getRank() && (d == 0 || !isConv); ++d)
        scaleShape[d] = type.getDimSize(d);
    auto scaleType = RankedTensorType::get(scaleShape, expressed);
    Location loc = value.getLoc();
    auto dq = DynamicQuantizeOp::create(
        b, loc, TypeRange{type.clone(unit), scaleType}, value,
        scheme.getRounding(),
        seed ? b.getI64IntegerAttr(*seed) : IntegerAttr());
    op->setOperand(index, DynamicDequantizeOp::create(
                              b, loc, type, dq.getOutput(), dq.getScale()));
    return success();
  }

  auto observe = value.getDefiningOp<ObserveOp>();
  std::optional<std::pair<double, double>> range = calibratedRange(observe);
  if (!range)
    return op->emitOpError("static activation quantization of operand ")
           << index
           << " needs calibration statistics (min and max of a qf.observe): "
              "run qf-insert-observers and qf-calibrate first, or use "
              "dynamic-activations=per-token|per-tensor";
  quant::UniformQuantizedType qtype =
      activationType(scheme, expressed, range->first, range->second);
  if (!qtype)
    return observe.emitOpError("calibrated range [")
           << range->first << ", " << range->second << "] cannot be quantized";
  op->setOperand(index, staticQDQ(observe.getOutput(), qtype,
                                  scheme.getRounding(), seed, observe));
  return success();
}

LogicalResult QuantizePass::roundActivationToFloat(Operation *op,
                                                   unsigned index,
                                                   SchemeAttr scheme) {
  auto format = cast<FloatType>(scheme.getActType());
  if (scheme.getRounding() != RoundingMode::half_even)
    return op->emitOpError("activations of ")
           << format << " round half_even only";
  Value value = op->getOperand(index);
  // One rounding of `source` per format, shared by every op that reads it.
  auto roundOnce = [&](Value source, function_ref<Value(OpBuilder &)> create) {
    Value &rounded = quantized[{source, Type(format)}];
    if (!rounded) {
      OpBuilder b(op->getContext());
      b.setInsertionPointAfterValue(source);
      rounded = create(b);
    }
    op->setOperand(index, rounded);
    return success();
  };
  if (scheme.getFormat() == WeightFormat::mxfp8) {
    // MX: E8M0 scales per block of the reduction, computed at run time.
    if (auto observe = value.getDefiningOp<ObserveOp>())
      value = observe.getInput();
    auto type = cast<RankedTensorType>(value.getType());
    int64_t block = scheme.getGranularity() == Granularity::per_group
                        ? scheme.getGroupSize()
                        : type.getShape().back();
    if (type.isDynamicDim(type.getRank() - 1) ||
        type.getShape().back() % block != 0)
      return op->emitOpError("MX activations (operand ")
             << index << ", " << type << ") need blocks of " << block
             << " along their static innermost dimension";
    return roundOnce(value, [&](OpBuilder &b) {
      return RoundToMXOp::create(b, value.getLoc(), value,
                                 b.getI64IntegerAttr(block),
                                 TypeAttr::get(format));
    });
  }
  if (dynamicActivations != DynamicActivations::None)
    return op->emitOpError("activations of ")
           << format
           << " take a calibrated scale per tensor: dynamic-activations must "
              "be none";
  auto observe = value.getDefiningOp<ObserveOp>();
  std::optional<std::pair<double, double>> range = calibratedRange(observe);
  if (!range)
    return op->emitOpError("activations of ")
           << format << " (operand " << index
           << ") need calibration statistics (min and max of a qf.observe): "
              "run qf-insert-observers and qf-calibrate first";
  float scale = floatActivationScale(range->first, range->second, format);
  if (!std::isnormal(scale))
    return observe.emitOpError("the ")
           << format << " scale of the calibrated range [" << range->first
           << ", " << range->second << "] is " << scale
           << ", outside the normal float32 range";
  return roundOnce(observe.getOutput(), [&](OpBuilder &b) {
    return RoundToFloatOp::create(b, observe.getLoc(), observe.getOutput(),
                                  b.getF32FloatAttr(scale),
                                  TypeAttr::get(format));
  });
}

void QuantizePass::quantizeOutput(Operation *op, SchemeAttr scheme) {
  Value result = op->getResult(0);
  for (Operation *user : llvm::make_early_inc_range(result.getUsers())) {
    auto observe = dyn_cast<ObserveOp>(user);
    std::optional<std::pair<double, double>> range = calibratedRange(observe);
    if (!range)
      continue;
    auto expressed = cast<FloatType>(
        cast<RankedTensorType>(result.getType()).getElementType());
    quant::UniformQuantizedType qtype =
        activationType(scheme, expressed, range->first, range->second);
    if (!qtype)
      continue;
    std::optional<int64_t> seed;
    if (scheme.getSeed())
      seed = static_cast<int64_t>(*scheme.getSeed());
    Value dq = staticQDQ(observe.getOutput(), qtype, scheme.getRounding(), seed,
                         observe);
    Operation *q = dq.getDefiningOp<DequantizeOp>().getInput().getDefiningOp();
    observe.getOutput().replaceAllUsesExcept(dq, q);
  }
}

} // namespace
