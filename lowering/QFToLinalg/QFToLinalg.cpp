//===- QFToLinalg.cpp - The convert-qf-to-linalg pass ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/QFToLinalg.h"

#include "dialects/QF/QFOps.h"
#include "lowering/Passes.h"
#include "lowering/QFToLinalg/Common.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qf {
#define GEN_PASS_DEF_CONVERTQFTOLINALGPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

class ConvertQFToLinalgPass final
    : public qf::impl::ConvertQFToLinalgPassBase<ConvertQFToLinalgPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    // Weight-only matmuls first, while their weights are still qf.dequantize.
    RewritePatternSet weightOnly(&getContext());
    populateWeightOnlyMatmulPatterns(weightOnly);
    if (failed(applyPatternsGreedily(getOperation(), std::move(weightOnly))))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    populateQFToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Whatever is left could not be lowered: say why, at the op.
    bool failedAny = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa<QuantizeOp, DequantizeOp, FakeQuantOp, FakeQuantGradOp,
               RequantizeOp, MatmulOp, Conv2DOp, DynamicQuantizeOp,
               DynamicDequantizeOp, PackOp, UnpackOp, DequantizeTableOp>(op))
        return;
      op->emitError() << "cannot lower to linalg: "
                      << unsupported(op).value_or("no pattern applied");
      failedAny = true;
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace

namespace {

/// tensor.dim of a quant.scast is the dimension of its source: a dynamic
/// size read from a quantized tensor (the sizes of the generics above) must
/// not keep the cast, and the quantized value, alive once the casts fold.
struct DimOfStorageCast final : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    auto cast = dim.getSource().getDefiningOp<quant::StorageCastOp>();
    if (!cast)
      return failure();
    rewriter.modifyOpInPlace(
        dim, [&] { dim.getSourceMutable().assign(cast.getInput()); });
    return success();
  }
};

} // namespace

void mlir::qf::populateQFToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<DimOfStorageCast>(patterns.getContext());
  lowering::populateElementwisePatterns(patterns);
  lowering::populateMatmulPatterns(patterns);
  lowering::populateConvPatterns(patterns);
  lowering::populateDynamicPatterns(patterns);
  lowering::populateSubBytePatterns(patterns);
  lowering::populateTablePatterns(patterns);
  lowering::populateRoundToFloatPatterns(patterns);
  lowering::populateFakeQuantGradPatterns(patterns);
}
