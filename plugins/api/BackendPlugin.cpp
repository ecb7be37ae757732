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
