//===- Dynamic.cpp - Quantization with run-time scales --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf.dynamic_quantize becomes three generics: max|x| over the reduced
// dimensions, the scale, and the quantization itself; qf.dynamic_dequantize
// one elementwise generic reading the run-time scale through a broadcasting
// map. The arithmetic is that of numerics::quantize/dequantize in the data's
// float type.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"
#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// Reads a run-time scale of shape `scale` inside a generic over a tensor of
/// `data`'s rank: dimensions of size 1 are broadcast.
AffineMap broadcastMap(RankedTensorType data, RankedTensorType scale) {
  MLIRContext *ctx = data.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0, e = data.getRank(); d < e; ++d)
    exprs.push_back(scale.getDimSize(d) == 1 && data.getDimSize(d) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d, ctx));
  return AffineMap::get(data.getRank(), 0, exprs, ctx);
}

/// The sizes of `scale` for data `input`: 1 where the scale is broadcast,
/// the data's size elsewhere.
SmallVector<OpFoldResult> scaleSizes(OpBuilder &b, Location loc, Value input,
                                     RankedTensorType scale) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  for (int64_t d = 0, e = scale.getRank(); d < e; ++d)
    if (scale.getDimSize(d) == 1)
      sizes[d] = b.getIndexAttr(1);
  return sizes;
}

struct LowerDynamicQuantize : OpRewritePattern<DynamicQuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicQuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto scaleType = cast<RankedTensorType>(op.getScale().getType());
    auto resultType = cast<RankedTensorType>(op.getOutput().getType());
    auto qtype = cast<quant::QuantizedType>(resultType.getElementType());
    auto fType = cast<FloatType>(inputType.getElementType());
    int64_t rank = inputType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap toScale = broadcastMap(inputType, scaleType);
    SmallVector<OpFoldResult> sizes =
        scaleSizes(rewriter, loc, op.getInput(), scaleType);
    auto constant = [&](OpBuilder &b, Location l, double v) -> Value {
      return arith::ConstantOp::create(b, l, b.getFloatAttr(fType, v));
    };

    // max|x| per slice; maxnumf ignores NaN, which quantizes to 0.
    SmallVector<utils::IteratorType> iterators;
    for (AffineExpr e : toScale.getResults())
      iterators.push_back(isa<AffineConstantExpr>(e)
                              ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
    Value zeros =
        linalg::FillOp::create(
            rewriter, loc, constant(rewriter, loc, 0.0),
            ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes, fType)})
            .getResult(0);
    Value absMax =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scaleType}, ValueRange{op.getInput()},
            ValueRange{zeros}, {identity, toScale}, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value magnitude = math::AbsFOp::create(b, l, args[0]);
              linalg::YieldOp::create(
                  b, l,
                  arith::MaxNumFOp::create(b, l, args[1], magnitude)
                      .getResult());
            })
            .getResult(0);

    // scale = max|x| / qmax, or 1 for an all-zero slice.
    const double qmax = qtype.getStorageTypeMax();
    AffineMap scaleIdentity = rewriter.getMultiDimIdentityMap(rank);
    Value scale =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scaleType}, ValueRange{absMax},
            ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes, fType)},
            {scaleIdentity, scaleIdentity},
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zero = constant(b, l, 0.0);
              Value isZero = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OEQ, args[0], zero);
              Value s =
                  arith::DivFOp::create(b, l, args[0], constant(b, l, qmax));
              linalg::YieldOp::create(
                  b, l,
                  arith::SelectOp::create(b, l, isZero, constant(b, l, 1.0), s)
                      .getResult());
            })
            .getResult(0);

    // q = clamp(round(x / scale)).
    Rounding rounding = roundingOf(rewriter, op);
    Type storage = rewriter.getIntegerType(qtype.getStorageTypeIntegralWidth());
    const int64_t qmin = qtype.getStorageTypeMin(),
                  qmaxInt = qtype.getStorageTypeMax();
    Value codes =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType.clone(storage)},
            ValueRange{op.getInput(), scale},
            ValueRange{tensor::EmptyOp::create(
                rewriter, loc,
                tensor::getMixedSizes(rewriter, loc, op.getInput()), storage)},
            {identity, toScale, identity},
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zp = arith::ConstantIntOp::create(b, l, 0, 64);
              Value q = quantizeCode(b, l, args[0], args[1], zp, qmin, qmaxInt,
                                     rounding);
              linalg::YieldOp::create(
                  b, l, arith::TruncIOp::create(b, l, storage, q).getResult());
            })
            .getResult(0);
    Value quantized =
        quant::StorageCastOp::create(rewriter, loc, resultType, codes);
    rewriter.replaceOp(op, {quantized, scale});
    return success();
  }
};

struct LowerDynamicDequantize : OpRewritePattern<DynamicDequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DynamicDequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto scaleType = cast<RankedTensorType>(op.getScale().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    auto qtype = cast<quant::QuantizedType>(inputType.getElementType());
    auto fType = cast<FloatType>(resultType.getElementType());
    int64_t rank = inputType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);

    SmallVector<Value> inputs = {toStorage(rewriter, loc, op.getInput()),
                                 op.getScale()};
    SmallVector<AffineMap> maps = {identity,
                                   broadcastMap(inputType, scaleType)};
    // The type's scales and zero points: constant vectors (or scalars).
    SmallVector<unsigned> loops;
    for (unsigned d = 0; d < rank; ++d)
      loops.push_back(d);
    ParamReads reads = readParams(rewriter, loc, qtype, fType, rank, loops);
    inputs.append(reads.inputs);
    maps.append(reads.maps);
    maps.push_back(identity);
    bool isSigned = qtype.isSigned();
    Value values =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, inputs,
            ValueRange{tensor::EmptyOp::create(
                rewriter, loc,
                tensor::getMixedSizes(rewriter, loc, op.getInput()), fType)},
            maps,
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              auto [typeScale, zeroPoint] = reads.at(args, 2);
              Value wide = widen(b, l, args[0], b.getI64Type(), isSigned);
              Value x = dequantizeCode(b, l, wide, typeScale, zeroPoint, fType);
              linalg::YieldOp::create(
                  b, l, arith::MulFOp::create(b, l, x, args[1]).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, values);
    return success();
  }
};

} // namespace

void lowering::populateDynamicPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDynamicQuantize, LowerDynamicDequantize>(
      patterns.getContext());
}
