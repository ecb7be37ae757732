//===- PrepareQAT.cpp - The quant-prepare-qat pass ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Folds batch normalization (FoldBatchNorm.h), then puts qf.fake_quant on
// each contraction's constant weight (per channel, parameters from its
// range) and activations (per tensor, from calibration), and optionally
// writes the trainable parameters to an .npz for a training framework. See
// Passes.td.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "passes/Layers/Contraction.h"
#include "passes/Passes.h"
#include "passes/QAT/FoldBatchNorm.h"
#include "passes/Schemes/SchemeName.h"
#include "passes/Schemes/WeightQuantizer.h"
#include "runtime/IO/NumpyIO.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

namespace mlir::qf {
#define GEN_PASS_DEF_QUANTPREPAREQATPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;
using runtime::DType;
using runtime::HostTensor;

namespace {

HostTensor floats(ArrayRef<int64_t> shape, ArrayRef<double> values) {
  HostTensor t(DType::F32, shape);
  for (auto [i, v] : llvm::enumerate(values))
    t.dataAs<float>()[i] = static_cast<float>(v);
  return t;
}

HostTensor ints(ArrayRef<int64_t> shape, ArrayRef<int64_t> values) {
  HostTensor t(DType::I32, shape);
  for (auto [i, v] : llvm::enumerate(values))
    t.dataAs<int32_t>()[i] = static_cast<int32_t>(v);
  return t;
}

HostTensor constantArray(const ConstantData &data) {
  return floats(data.getType().getShape(), data.doubles());
}

class PrepareQATPass final
    : public qf::impl::QuantPrepareQATPassBase<PrepareQATPass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override;
  void runOnOperation() override;

private:
  LogicalResult prepare(Operation *op, const Contraction &contraction);
  /// `value` fake-quantized to `type`, shared by every op that asks.
  Value fakeQuant(Value value, quant::QuantizedType type, SchemeAttr scheme,
                  OpBuilder &b);
  /// The fake-quantized activation operand `index` of `op`.
  LogicalResult prepareActivation(Operation *op, unsigned index,
                                  SchemeAttr scheme, StringRef role);
  void prepareOutput(Operation *op, SchemeAttr scheme, StringRef name);
  /// The static activation type of an observed value, or null.
  quant::QuantizedType observedType(Value value, SchemeAttr scheme);
  /// Adds `prefix`.scale, .zero_point, .qrange (and .axis, and LSQ's
  /// .grad_scale when learnable) to the export.
  void exportQuantizer(StringRef prefix, quant::QuantizedType type,
                       int64_t elements);
  std::string uniqueLayerName(Operation *op);

  SchemeAttr defaultScheme;
  llvm::DenseMap<std::pair<Value, Type>, Value> prepared;
  /// What params-out=FILE writes (shared: passes are copied when cloned, and
  /// tensors are not copyable).
  std::shared_ptr<runtime::NamedTensors> exported;
  llvm::StringSet<> layerNames;
};

LogicalResult PrepareQATPass::initialize(MLIRContext *ctx) {
  auto fail = [&](const Twine &message) {
    return emitError(UnknownLoc::get(ctx)) << "quant-prepare-qat: " << message;
  };
  if ((rounding == RoundingMode::stochastic) != seed.hasValue())
    return fail("seed is required with rounding=stochastic and only then");
  std::string error;
  FailureOr<SchemeAttr> parsed = parseSchemeName(
      ctx, scheme, symmetric, rounding,
      seed.hasValue() ? std::optional<uint64_t>(seed) : std::nullopt, error);
  if (failed(parsed))
    return fail(error);
  if (!isa<IntegerType>(parsed->getWeightType()) || parsed->isTableFormat())
    return fail("scheme '" + scheme +
                "' is not affine integers; fake quantization needs integer "
                "weights");
  defaultScheme = *parsed;
  return success();
}

void PrepareQATPass::runOnOperation() {
  prepared.clear();
  exported = std::make_shared<runtime::NamedTensors>();
  layerNames.clear();
  ModuleOp module = getOperation();
  if (foldBn && failed(foldBatchNorms(module, /*remarks=*/true)))
    return signalPassFailure();

  SmallVector<std::pair<Operation *, Contraction>> targets;
  module.walk([&](Operation *op) {
    if (std::optional<Contraction> c = contractionOf(op))
      targets.push_back({op, *c});
  });
  for (auto &[op, contraction] : targets)
    if (failed(prepare(op, contraction)))
      return signalPassFailure();
  // The observers' statistics are in the fake quantizers now.
  module.walk([](ObserveOp observe) {
    observe.getOutput().replaceAllUsesWith(observe.getInput());
    observe.erase();
  });
  if (paramsOut.empty())
    return;
  if (llvm::Error error = runtime::writeNpz(paramsOut, *exported)) {
    module.emitError("quant-prepare-qat: cannot write the export: ")
        << llvm::toString(std::move(error));
    signalPassFailure();
  }
}

std::string PrepareQATPass::uniqueLayerName(Operation *op) {
  // The ONNX node's name where the location has it, else the position.
  std::string base = "layer" + std::to_string(layerNames.size());
  if (auto name = op->getLoc()->findInstanceOf<NameLoc>())
    base = name.getName().str();
  std::string name = base;
  for (int i = 1; !layerNames.insert(name).second; ++i)
    name = base + "#" + std::to_string(i);
  return name;
}

Value PrepareQATPass::fakeQuant(Value value, quant::QuantizedType type,
                                SchemeAttr scheme, OpBuilder &b) {
  Value &cached = prepared[{value, type}];
  if (cached)
    return cached;
  std::optional<uint64_t> seedValue = scheme.getSeed();
  auto op = FakeQuantOp::create(
      b, value.getLoc(), value, type, scheme.getRounding(), gradient,
      seedValue ? b.getI64IntegerAttr(*seedValue) : IntegerAttr());
  if (learnableScales)
    op.setLearnable(true);
  cached = op.getResult();
  return cached;
}

quant::QuantizedType PrepareQATPass::observedType(Value value,
                                                  SchemeAttr scheme) {
  auto observe = value.getDefiningOp<ObserveOp>();
  DictionaryAttr stats = observe ? observe.getStatsAttr() : DictionaryAttr();
  auto min = stats ? stats.getAs<FloatAttr>("min") : FloatAttr();
  auto max = stats ? stats.getAs<FloatAttr>("max") : FloatAttr();
  if (!min || !max)
    return {};
  return activationType(
      scheme.getActType().getIntOrFloatBitWidth(),
      cast<FloatType>(cast<ShapedType>(value.getType()).getElementType()),
      min.getValueAsDouble(), max.getValueAsDouble(), actSymmetric);
}

void PrepareQATPass::exportQuantizer(StringRef prefix,
                                     quant::QuantizedType type,
                                     int64_t elements) {
  if (paramsOut.empty())
    return;
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints, shape;
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(type)) {
    for (APFloat s : blocked.getScales().getValues<APFloat>())
      scales.push_back(s.convertToDouble());
    for (APInt z : blocked.getZeroPoints().getValues<APInt>())
      zeroPoints.push_back(z.getSExtValue());
    llvm::append_range(shape, blocked.getScales().getType().getShape());
  } else {
    scales = getScales(type);
    zeroPoints = getZeroPoints(type);
    if (std::optional<int32_t> axis = getQuantizedAxis(type)) {
      shape.push_back(scales.size());
      exported->push_back({(prefix + ".axis").str(), ints({}, {*axis})});
    }
  }
  exported->push_back({(prefix + ".scale").str(), floats(shape, scales)});
  exported->push_back(
      {(prefix + ".zero_point").str(), ints(shape, zeroPoints)});
  int64_t qmin = type.getStorageTypeMin(), qmax = type.getStorageTypeMax();
  exported->push_back({(prefix + ".qrange").str(), ints({2}, {qmin, qmax})});
  if (learnableScales) {
    // LSQ's gradient scale 1 / sqrt(N * Q_P) with N the elements one scale
    // covers (Esser et al. 2020).
    double perScale = double(elements) / double(scales.size());
    exported->push_back(
        {(prefix + ".grad_scale").str(),
         floats({}, {1.0 / std::sqrt(perScale * double(qmax))})});
  }
}

LogicalResult PrepareQATPass::prepare(Operation *op,
                                      const Contraction &contraction) {
  auto scheme = op->getAttrOfType<SchemeAttr>("qf.scheme");
  if (!scheme)
    scheme = defaultScheme;
  if (!isa<IntegerType>(scheme.getWeightType()) || scheme.isTableFormat()) {
    op->emitRemark("QAT: left in float, its assigned scheme ")
        << schemeName(scheme) << " is not affine integers";
    return success();
  }
  std::string name = uniqueLayerName(op);
  Value weight = op->getOperand(contraction.weight);
  auto weightType = cast<RankedTensorType>(weight.getType());
  if (std::optional<std::vector<float>> data = constantWeight(weight)) {
    if (groupFallback == GroupFallback::Channel &&
        scheme.getGranularity() == Granularity::per_group &&
        weightType.getDimSize(contraction.axes.reduction) %
            scheme.getGroupSize())
      scheme = SchemeAttr::get(op->getContext(), scheme.getWeightType(),
                               scheme.getActType(), Granularity::per_channel,
                               /*groupSize=*/0, scheme.getSymmetric(),
                               scheme.getRounding(), scheme.getSeed());
    FailureOr<QuantizedWeight> q =
        quantizeWeight(*data, weightType.getShape(), scheme, contraction.axes,
                       cast<FloatType>(weightType.getElementType()),
                       [&] { return op->emitOpError("weight operand: "); });
    if (failed(q))
      return failure();
    OpBuilder b(op);
    b.setInsertionPointAfterValue(weight);
    op->setOperand(contraction.weight, fakeQuant(weight, q->type, scheme, b));
    if (!paramsOut.empty()) {
      ConstantData values;
      matchConstantData(weight, values);
      exported->push_back({name + ".weight", constantArray(values)});
      exportQuantizer(name + ".weight", q->type, weightType.getNumElements());
      ConstantData bias;
      if (Value b = constantBiasOf(op); b && matchConstantData(b, bias))
        exported->push_back({name + ".bias", constantArray(bias)});
    }
  } else if (!scheme.isWeightOnly() &&
             failed(prepareActivation(op, contraction.weight, scheme,
                                      name + ".rhs"))) {
    return failure();
  }
  if (scheme.isWeightOnly())
    return success();
  if (failed(prepareActivation(op, contraction.activation, scheme,
                               name + ".input")))
    return failure();
  if (quantizeOutputs)
    prepareOutput(op, scheme, name);
  return success();
}

LogicalResult PrepareQATPass::prepareActivation(Operation *op, unsigned index,
                                                SchemeAttr scheme,
                                                StringRef role) {
  Value value = op->getOperand(index);
  if (value.getDefiningOp<FakeQuantOp>())
    return success(); // an earlier layer's output, already fake-quantized
  quant::QuantizedType type = observedType(value, scheme);
  if (!type)
    return op->emitOpError("fake quantization of activation operand ")
           << index
           << " needs calibration statistics (min and max of a qf.observe): "
              "run qf-insert-observers and qf-calibrate first, or use a "
              "weight-only scheme";
  auto observe = value.getDefiningOp<ObserveOp>();
  OpBuilder b(op);
  b.setInsertionPointAfter(observe);
  op->setOperand(index, fakeQuant(observe.getOutput(), type, scheme, b));
  exportQuantizer(role, type,
                  cast<ShapedType>(value.getType()).getNumElements());
  return success();
}

void PrepareQATPass::prepareOutput(Operation *op, SchemeAttr scheme,
                                   StringRef name) {
  for (Operation *user :
       llvm::make_early_inc_range(op->getResult(0).getUsers())) {
    auto observe = dyn_cast<ObserveOp>(user);
    quant::QuantizedType type =
        observe ? observedType(observe.getOutput(), scheme) : nullptr;
    if (!type)
      continue;
    OpBuilder b(observe);
    b.setInsertionPointAfter(observe);
    Value fq = fakeQuant(observe.getOutput(), type, scheme, b);
    observe.getOutput().replaceAllUsesExcept(fq, fq.getDefiningOp());
    exportQuantizer((name + ".output").str(), type,
                    cast<ShapedType>(fq.getType()).getNumElements());
  }
}

} // namespace
