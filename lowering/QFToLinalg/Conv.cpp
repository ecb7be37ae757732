//===- Conv.cpp - qf.conv2d to an i32 convolution -------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf.conv2d as one linalg.generic over (n, oh, ow, g, f, kh, kw, c) on the
// raw storage integers: the input is padded with its zero point (so padding
// is real zero), channels are split into groups by reshapes so that every
// output map is a permutation, zero points are subtracted in the body, and
// the accumulator starts at the bias.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

struct LowerConv2D : OpRewritePattern<Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type i32 = rewriter.getI32Type();
    quant::QuantizedType xq = elementOf(op.getInput());
    quant::QuantizedType wq = elementOf(op.getFilter());
    auto filterType = cast<RankedTensorType>(op.getFilter().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());

    // Pad with the input zero point: (x - zx) is then 0 in the border.
    int64_t zx = getZeroPoints(xq).front();
    Value input = toStorage(rewriter, loc, op.getInput());
    ArrayRef<int64_t> pad = op.getPadding();
    if (llvm::any_of(pad, [](int64_t p) { return p != 0; })) {
      Type storage = cast<RankedTensorType>(input.getType()).getElementType();
      Value padValue = arith::ConstantOp::create(rewriter, loc,
                                                 IntegerAttr::get(storage, zx));
      SmallVector<OpFoldResult> low = {
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(pad[0]),
          rewriter.getIndexAttr(pad[2]), rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> high = {
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(pad[1]),
          rewriter.getIndexAttr(pad[3]), rewriter.getIndexAttr(0)};
      input = tensor::PadOp::create(rewriter, loc, Type(), input, low, high,
                                    padValue);
    }

    // Channels into groups: input [N, H, W, G, Cg], filter [KH, KW, Cg, G,
    // Fg], output [N, OH, OW, G, Fg].
    int64_t groups = op.getGroups();
    auto paddedType = cast<RankedTensorType>(input.getType());
    int64_t n = paddedType.getDimSize(0), h = paddedType.getDimSize(1),
            w = paddedType.getDimSize(2), c = paddedType.getDimSize(3);
    int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1),
            cg = filterType.getDimSize(2), f = filterType.getDimSize(3);
    int64_t fg = f / groups;
    int64_t oh = resultType.getDimSize(1), ow = resultType.getDimSize(2);
    Value groupedInput = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({n, h, w, groups, c / groups},
                              paddedType.getElementType()),
        input, SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    Value filter = toStorage(rewriter, loc, op.getFilter());
    Value groupedFilter = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get(
            {kh, kw, cg, groups, fg},
            cast<RankedTensorType>(filter.getType()).getElementType()),
        filter, SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});

    // Filter zero points as a [G, Fg] constant.
    SmallVector<int64_t> zws = getZeroPoints(wq);
    SmallVector<int32_t> zwGrid;
    for (int64_t i = 0; i < f; ++i)
      zwGrid.push_back(zws.size() == 1 ? zws[0] : zws[i]);
    Value zw = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({groups, fg}, i32),
                               ArrayRef(zwGrid)));

    // The accumulator starts at the bias (or 0), broadcast over n, oh, ow.
    auto accType = RankedTensorType::get({n, oh, ow, groups, fg}, i32);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, accType.getShape(), i32);
    if (Value bias = op.getBias()) {
      Value biasStorage = toStorage(rewriter, loc, bias);
      Value grouped = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({groups, fg}, i32), biasStorage,
          SmallVector<ReassociationIndices>{{0, 1}});
      init = linalg::BroadcastOp::create(rewriter, loc, grouped, init,
                                         ArrayRef<int64_t>{0, 1, 2})
                 .getResult()[0];
    } else {
      init = linalg::FillOp::create(
                 rewriter, loc,
                 ValueRange{arith::ConstantIntOp::create(rewriter, loc, 0, 32)},
                 ValueRange{init})
                 .getResult(0);
    }

    // Dimensions: n, oh, ow, g, fo, (reductions) y, x, ci.
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap inputMap =
        AffineMap::get(8, 0,
                       {d(0), d(1) * strides[0] + d(5) * dilations[0],
                        d(2) * strides[1] + d(6) * dilations[1], d(3), d(7)},
                       ctx);
    AffineMap filterMap =
        AffineMap::get(8, 0, {d(5), d(6), d(7), d(3), d(4)}, ctx);
    AffineMap zwMap = AffineMap::get(8, 0, {d(3), d(4)}, ctx);
    AffineMap outMap =
        AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx);
    using utils::IteratorType;
    SmallVector<IteratorType> iterators(5, IteratorType::parallel);
    iterators.append(3, IteratorType::reduction);
    bool xSigned = xq.isSigned(), wSigned = wq.isSigned();
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{accType},
            ValueRange{groupedInput, groupedFilter, zw}, ValueRange{init},
            {inputMap, filterMap, zwMap, outMap}, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = arith::SubIOp::create(
                  b, l, widen(b, l, args[0], i32, xSigned),
                  arith::ConstantIntOp::create(b, l, zx, 32));
              Value wv = arith::SubIOp::create(
                  b, l, widen(b, l, args[1], i32, wSigned), args[2]);
              Value product = arith::MulIOp::create(b, l, x, wv);
              linalg::YieldOp::create(
                  b, l,
                  arith::AddIOp::create(b, l, args[3], product).getResult());
            })
            .getResult(0);
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, resultType.clone(i32), acc,
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType,
                                                      collapsed);
    return success();
  }
};

} // namespace

void lowering::populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerConv2D>(patterns.getContext());
}
