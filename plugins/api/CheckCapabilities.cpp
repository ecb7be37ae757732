//===- CheckCapabilities.cpp - Quantized ops against a backend ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/BackendPlugin.h"
#include "plugins/api/Passes.h"
#include "plugins/api/Registry.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qf::plugin {
#define GEN_PASS_DEF_QFCHECKCAPABILITIESPASS
#include "plugins/api/Passes.h.inc"
} // namespace mlir::qf::plugin

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

/// True for a constant weight: a storage cast or unpack of a constant.
bool isConstantWeight(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !isa<quant::StorageCastOp, UnpackOp>(def))
    return false;
  return matchPattern(def->getOperand(0), m_Constant());
}

class CheckCapabilitiesPass final
    : public plugin::impl::QFCheckCapabilitiesPassBase<CheckCapabilitiesPass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    auto found = BackendRegistry::global().get(backend);
    if (!found)
      return emitError(UnknownLoc::get(ctx))
             << "qf-check-capabilities: " << llvm::toString(found.takeError());
    plugin = *found;
    return success();
  }

  void runOnOperation() override {
    const TargetCapabilities &caps = plugin->capabilities();
    bool failedAny = false;
    auto report = [&](Operation *op, const std::string &what) {
      op->emitError() << "backend '" << plugin->name() << "' cannot run "
                      << what << "; it supports " << caps.describe();
      failedAny = true;
    };
    auto element = [](Value v) {
      return cast<quant::QuantizedType>(
          cast<RankedTensorType>(v.getType()).getElementType());
    };
    if (!caps.dynamicShapes)
      getOperation()->walk([&](func::FuncOp func) {
        auto types = llvm::concat<const Type>(func.getArgumentTypes(),
                                              func.getResultTypes());
        for (Type type : types)
          if (auto shaped = dyn_cast<ShapedType>(type);
              shaped && !shaped.hasStaticShape()) {
            func.emitError()
                << "backend '" << plugin->name()
                << "' needs static shapes, but @" << func.getSymName()
                << " takes or returns " << type
                << "; bind the dimensions at import "
                   "(qf-import --input-shape)";
            failedAny = true;
            return;
          }
      });
    getOperation()->walk([&](Operation *op) {
      if (isa<DequantizeTableOp>(op)) {
        if (auto why = caps.whyNotTableWeight())
          report(op, *why);
        return;
      }
      if (isa<RoundToFloatOp, RoundToMXOp>(op)) {
        if (auto why = caps.whyNotFloatActivation())
          report(op, *why);
        return;
      }
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
  const BackendPlugin *plugin = nullptr;
};

} // namespace

std::unique_ptr<Pass>
plugin::createCheckCapabilitiesPass(const BackendPlugin &backend) {
  return createQFCheckCapabilitiesPass({backend.name().str()});
}
