//===- ExpandShapeToReinterpretCast.cpp - Dynamic expand_shape lowering ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFEXPANDSHAPETOREINTERPRETCASTPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;

namespace {

/// True when a group of `expand` has more than one dynamic size.
bool splitsIntoDynamicSizes(memref::ExpandShapeOp expand) {
  MemRefType type = expand.getResultType();
  for (const ReassociationIndices &group : expand.getReassociationIndices())
    if (llvm::count_if(group, [&](int64_t d) { return type.isDynamicDim(d); }) >
        1)
      return true;
  return false;
}

/// `a * b`, folded when both are constants.
OpFoldResult multiply(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx * *cy);
  if (cx == 1)
    return y;
  if (cy == 1)
    return x;
  return arith::MulIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

void rewrite(memref::ExpandShapeOp expand, RewriterBase &rewriter) {
  // The verifier guarantees a strided source.
  auto [sourceStrides, sourceOffset] =
      expand.getSrcType().getStridesAndOffset();
  Location loc = expand.getLoc();
  rewriter.setInsertionPoint(expand);
  auto metadata =
      memref::ExtractStridedMetadataOp::create(rewriter, loc, expand.getSrc());
  auto known = [&](int64_t value, Value dynamic) -> OpFoldResult {
    if (ShapedType::isDynamic(value))
      return dynamic;
    return rewriter.getIndexAttr(value);
  };
  SmallVector<OpFoldResult> sizes = expand.getMixedOutputShape();
  SmallVector<OpFoldResult> strides(sizes.size());
  for (auto [d, group] : llvm::enumerate(expand.getReassociationIndices())) {
    OpFoldResult stride = known(sourceStrides[d], metadata.getStrides()[d]);
    for (int64_t k : llvm::reverse(group)) {
      strides[k] = stride;
      if (k != group.front())
        stride = multiply(rewriter, loc, stride, sizes[k]);
    }
  }
  rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
      expand, expand.getResultType(), metadata.getBaseBuffer(),
      known(sourceOffset, metadata.getOffset()), sizes, strides);
}

class ExpandShapeToReinterpretCastPass final
    : public qf::impl::QFExpandShapeToReinterpretCastPassBase<
          ExpandShapeToReinterpretCastPass> {
public:
  void runOnOperation() override {
    SmallVector<memref::ExpandShapeOp> expands;
    getOperation()->walk([&](memref::ExpandShapeOp expand) {
      if (splitsIntoDynamicSizes(expand))
        expands.push_back(expand);
    });
    IRRewriter rewriter(&getContext());
    for (memref::ExpandShapeOp expand : expands)
      rewrite(expand, rewriter);
  }
};

} // namespace
