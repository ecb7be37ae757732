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
    std::optional<RoundingMode> mode = symbolizeRoundingMode(rounding);
    if (!mode)
      return emitError(UnknownLoc::get(ctx))
             << "qf-raise-quant-casts: unknown rounding mode '" << rounding
             << "'";
    if ((*mode == RoundingMode::stochastic) != (seed >= 0))
      return emitError(UnknownLoc::get(ctx))
             << "qf-raise-quant-casts: a non-negative seed is required with, "
                "and only with, rounding=stochastic";
    roundingMode = *mode;
    return success();
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    IntegerAttr seedAttr =
        seed >= 0 ? rewriter.getI64IntegerAttr(seed) : IntegerAttr();
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
            RoundingModeAttr::get(&getContext(), roundingMode), seedAttr);
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

  RoundingMode roundingMode = RoundingMode::half_even;
};
} // namespace
