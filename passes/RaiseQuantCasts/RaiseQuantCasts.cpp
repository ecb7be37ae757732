//===- RaiseQuantCasts.cpp - quant.qcast/dcast to qf ops ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFRAISEQUANTCASTSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {
struct QFRaiseQuantCastsPass
    : public qf::impl::QFRaiseQuantCastsPassBase<QFRaiseQuantCastsPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    if ((rounding == RoundingMode::stochastic) != seed.hasValue())
      return emitError(UnknownLoc::get(ctx))
             << "qf-raise-quant-casts: seed is required with "
                "rounding=stochastic and only then";
    return success();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    IntegerAttr seedAttr = seed.hasValue()
                               ? rewriter.getI64IntegerAttr(int64_t(seed))
                               : IntegerAttr();
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op))
        return WalkResult::advance();
      if (!isa<RankedTensorType>(op->getOperand(0).getType()) ||
          !isa<RankedTensorType>(op->getResult(0).getType())) {
        op->emitOpError("operates on ") << op->getOperand(0).getType()
                                        << "; qf ops take ranked tensors only";
        return WalkResult::interrupt();
      }
      rewriter.setInsertionPoint(op);
      if (auto qcast = dyn_cast<quant::QuantizeCastOp>(op)) {
        rewriter.replaceOpWithNewOp<QuantizeOp>(
            qcast, qcast.getType(), qcast.getInput(),
            RoundingModeAttr::get(&getContext(), rounding), seedAttr);
      } else {
        auto dcast = cast<quant::DequantizeCastOp>(op);
        rewriter.replaceOpWithNewOp<DequantizeOp>(dcast, dcast.getType(),
                                                  dcast.getInput());
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
