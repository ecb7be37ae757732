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
  // A scale (f32, or one byte for MX and NVFP4) and, when asymmetric, a zero
  // point per block; NVFP4 adds one f32 for the tensor.
  double paramBytes = scales * scheme.getScaleBytes() +
                      (scheme.getFormat() == WeightFormat::nvfp4 ? 4 : 0);
  CostEstimate estimate;
  estimate.weightBytes = weights * bits / 8 + paramBytes;
  estimate.seconds =
      std::max(2 * macs / opsPerSecond, estimate.weightBytes / bytesPerSecond);
  return estimate;
}
