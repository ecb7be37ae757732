//===- BackendPlugin.cpp - Capabilities, costs, the legality check --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/BackendPlugin.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

CostModel::~CostModel() = default;
BackendPlugin::~BackendPlugin() = default;

LogicalResult BackendPlugin::validate(const BackendOptions &options,
                                      std::string &error) const {
  if (options.values.empty())
    return success();
  error = "backend '" + name().str() + "' takes no options, got '" +
          options.values.begin()->first + "'";
  return failure();
}

std::unique_ptr<runtime::Executor> BackendPlugin::createExecutor() const {
  return nullptr;
}

std::string BackendPlugin::whyNoExecutor() const {
  return "the backend compiles only (no executor)";
}

static std::string joinBits(const std::vector<unsigned> &bits) {
  std::string s;
  for (unsigned b : bits)
    s += (s.empty() ? "i" : "/i") + std::to_string(b);
  return s.empty() ? "none" : s;
}

std::optional<std::string> TargetCapabilities::whyNot(SchemeAttr scheme) const {
  Type weight = scheme.getWeightType();
  if (weight.isF16() || weight.isBF16()) {
    if ((weight.isF16() && !f16) || (weight.isBF16() && !bf16))
      return "no " + std::string(weight.isF16() ? "f16" : "bf16") + " weights";
    return std::nullopt;
  }
  if (!llvm::is_contained(weightBits, scheme.getWeightBits()))
    return std::to_string(scheme.getWeightBits()) +
           "-bit weights (supported: " + joinBits(weightBits) + ")";
  if (scheme.isWeightOnly() && !weightOnly)
    return std::string("weight-only schemes (float activations)");
  if (!scheme.isWeightOnly() &&
      !llvm::is_contained(actBits, scheme.getActType().getIntOrFloatBitWidth()))
    return std::to_string(scheme.getActType().getIntOrFloatBitWidth()) +
           "-bit activations (supported: " + joinBits(actBits) + ")";
  switch (scheme.getGranularity()) {
  case Granularity::per_tensor:
    if (!perTensor)
      return std::string("per-tensor weights");
    break;
  case Granularity::per_channel:
    if (!perChannel)
      return std::string("per-channel weights");
    break;
  case Granularity::per_group:
    if (!perGroup)
      return std::string("per-group weights");
    if (!groupSizes.empty() &&
        !llvm::is_contained(groupSizes, scheme.getGroupSize()))
      return "groups of " + std::to_string(scheme.getGroupSize());
    break;
  }
  if (scheme.getSymmetric() ? !symmetric : !asymmetric)
    return std::string(scheme.getSymmetric() ? "symmetric" : "asymmetric") +
           " weights";
  return std::nullopt;
}

std::optional<std::string>
TargetCapabilities::whyNotWeight(quant::QuantizedType type) const {
  unsigned bits = type.getStorageTypeIntegralWidth();
  if (!llvm::is_contained(weightBits, bits))
    return std::to_string(bits) +
           "-bit weights (supported: " + joinBits(weightBits) + ")";
  std::optional<int32_t> axis = getQuantizedAxis(type);
  if (!axis && !perTensor)
    return std::string("per-tensor weights");
  if (axis && *axis >= 0 && !perChannel)
    return std::string("per-channel weights");
  if (axis && *axis == -1) {
    if (!perGroup)
      return std::string("per-group weights");
    auto blocked = cast<quant::UniformQuantizedSubChannelType>(type);
    for (int64_t block : blocked.getBlockSizes())
      if (block > 1 && !groupSizes.empty() &&
          !llvm::is_contained(groupSizes, block))
        return "groups of " + std::to_string(block);
  }
  bool zeroPointsZero = true;
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(type)) {
    for (APInt z : blocked.getZeroPoints().getValues<APInt>())
      zeroPointsZero &= z.isZero();
  } else {
    for (int64_t z : getZeroPoints(type))
      zeroPointsZero &= z == 0;
  }
  if (zeroPointsZero ? !symmetric : !asymmetric)
    return std::string(zeroPointsZero ? "symmetric" : "asymmetric") +
           " weights";
  return std::nullopt;
}

std::optional<std::string>
TargetCapabilities::whyNotActivation(quant::QuantizedType type,
                                     bool dynamic) const {
  unsigned bits = type.getStorageTypeIntegralWidth();
  if (actBits.empty())
    return std::string("integer activations (weight-only backend)");
  if (!llvm::is_contained(actBits, bits))
    return std::to_string(bits) +
           "-bit activations (supported: " + joinBits(actBits) + ")";
  if (getQuantizedAxis(type))
    return std::string("per-channel activations");
  if (dynamic && !dynamicActivations)
    return std::string("dynamic activation quantization");
  return std::nullopt;
}

std::string TargetCapabilities::describe() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "weights " << joinBits(weightBits) << ", activations "
     << (actBits.empty() ? "float only" : joinBits(actBits))
     << (weightOnly && !actBits.empty() ? " or float" : "");
  os << "; granularity";
  if (perTensor)
    os << " per-tensor";
  if (perChannel)
    os << " per-channel";
  if (perGroup) {
    os << " per-group";
    if (!groupSizes.empty()) {
      os << " (";
      llvm::interleave(groupSizes, os, "/");
      os << ")";
    }
  }
  os << "; " << (symmetric ? "symmetric" : "")
     << (symmetric && asymmetric ? "/" : "")
     << (asymmetric ? "asymmetric" : "");
  if (dynamicActivations && !actBits.empty())
    os << "; dynamic activations";
  if (f16 || bf16)
    os << "; float casts" << (f16 ? " f16" : "") << (bf16 ? " bf16" : "");
  return s;
}

/// The multiply-accumulates of a contraction and the type of its weight
/// (second input).
static std::optional<std::pair<double, RankedTensorType>>
macsAndWeight(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() < 2)
    return std::nullopt;
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  double macs = 1;
  for (int64_t r : ranges)
    macs *= r;
  return std::pair<double, RankedTensorType>(
      macs, cast<RankedTensorType>(linalgOp.getDpsInputs()[1].getType()));
}

FailureOr<CostEstimate> plugin::rooflineEstimate(Operation *op,
                                                 SchemeAttr scheme,
                                                 double opsPerSecond,
                                                 double bytesPerSecond) {
  std::optional<std::pair<double, RankedTensorType>> shape = macsAndWeight(op);
  if (!shape)
    return op->emitOpError("has no static contraction shape to cost");
  auto [macs, weightType] = *shape;
  double weights = weightType.getNumElements();
  int64_t channels = weightType.getShape().back();
  double bits = scheme.getWeightBits();
  double scales = 0;
  if (!isa<FloatType>(scheme.getWeightType())) {
    switch (scheme.getGranularity()) {
    case Granularity::per_tensor:
      scales = 1;
      break;
    case Granularity::per_channel:
      scales = channels;
      break;
    case Granularity::per_group:
      scales = weights / scheme.getGroupSize();
      break;
    }
  }
  // A scale (f32) and, when asymmetric, a zero point per block.
  double paramBytes = scales * (4 + (scheme.getSymmetric() ? 0 : 1));
  CostEstimate estimate;
  estimate.weightBytes = weights * bits / 8 + paramBytes;
  estimate.seconds =
      std::max(2 * macs / opsPerSecond, estimate.weightBytes / bytesPerSecond);
  return estimate;
}

namespace {

/// True for a constant weight: a storage cast or unpack of a constant.
bool isConstantWeight(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !isa<quant::StorageCastOp, UnpackOp>(def))
    return false;
  return matchPattern(def->getOperand(0), m_Constant());
}

class CheckCapabilitiesPass
    : public PassWrapper<CheckCapabilitiesPass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckCapabilitiesPass)

  explicit CheckCapabilitiesPass(const BackendPlugin &plugin)
      : plugin(plugin) {}
  StringRef getArgument() const override { return "qf-check-capabilities"; }
  StringRef getDescription() const override {
    return "Check quantized ops against a backend's capabilities";
  }

  void runOnOperation() override {
    const TargetCapabilities &caps = plugin.capabilities();
    bool failedAny = false;
    auto report = [&](Operation *op, const std::string &what) {
      op->emitError() << "backend '" << plugin.name() << "' cannot run " << what
                      << "; it supports " << caps.describe();
      failedAny = true;
    };
    auto element = [](Value v) {
      return cast<quant::QuantizedType>(
          cast<RankedTensorType>(v.getType()).getElementType());
    };
    getOperation()->walk([&](Operation *op) {
      if (auto dq = dyn_cast<DequantizeOp>(op)) {
        if (isConstantWeight(dq.getInput()))
          if (auto why = caps.whyNotWeight(element(dq.getInput())))
            report(op, *why);
        return;
      }
      if (isa<MatmulOp, Conv2DOp>(op)) {
        Value weight = op->getOperand(1);
        auto why = isConstantWeight(weight)
                       ? caps.whyNotWeight(element(weight))
                       : caps.whyNotActivation(element(weight), false);
        if (!why)
          why = caps.whyNotActivation(element(op->getOperand(0)), false);
        if (why)
          report(op, *why);
        return;
      }
      if (auto q = dyn_cast<QuantizeOp>(op)) {
        if (auto why = caps.whyNotActivation(element(q.getResult()), false))
          report(op, *why);
        return;
      }
      if (auto q = dyn_cast<DynamicQuantizeOp>(op))
        if (auto why = caps.whyNotActivation(element(q.getOutput()), true))
          report(op, *why);
    });
    if (failedAny)
      signalPassFailure();
  }

private:
  const BackendPlugin &plugin;
};

} // namespace

std::unique_ptr<Pass>
plugin::createCheckCapabilitiesPass(const BackendPlugin &plugin) {
  return std::make_unique<CheckCapabilitiesPass>(plugin);
}
