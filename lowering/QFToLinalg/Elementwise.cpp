//===- Elementwise.cpp - quantize, dequantize, requantize -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each becomes one elementwise linalg.generic on the storage integers,
// computing exactly what numerics computes. Per-axis parameters enter
// the generic as constant vectors indexed by the quantized dimension.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"
#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "numerics/FixedPoint.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

struct LowerQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto qtype = cast<quant::QuantizedType>(resultType.getElementType());
    auto fType = cast<FloatType>(
        cast<RankedTensorType>(op.getInput().getType()).getElementType());
    auto storage = rewriter.getIntegerType(qtype.getStorageTypeIntegralWidth());
    auto storageType = resultType.clone(storage);
    const int64_t qmin = qtype.getStorageTypeMin();
    const int64_t qmax = qtype.getStorageTypeMax();
    Rounding rounding = roundingOf(rewriter, op);

    Value codes = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), storageType,
        scaleAndZeroPoint(rewriter, qtype, fType),
        [&](OpBuilder &b, Location loc, Value x, ValueRange p) -> Value {
          Value q = quantizeCode(b, loc, x, p[0], p[1], qmin, qmax, rounding);
          return arith::TruncIOp::create(b, loc, storage, q);
        });
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType, codes);
    return success();
  }
};

struct LowerDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto qtype = cast<quant::QuantizedType>(inputType.getElementType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto fType = cast<FloatType>(resultType.getElementType());
    Value codes = toStorage(rewriter, op.getLoc(), op.getInput());
    bool isSigned = qtype.isSigned();

    Value values = buildElementwise(
        rewriter, op.getLoc(), codes, resultType,
        scaleAndZeroPoint(rewriter, qtype, fType),
        [&](OpBuilder &b, Location loc, Value q, ValueRange p) -> Value {
          Value wide = widen(b, loc, q, b.getI64Type(), isSigned);
          return dequantizeCode(b, loc, wide, p[0], p[1], fType);
        });
    rewriter.replaceOp(op, values);
    return success();
  }
};

/// qf.fake_quant in the forward direction: dequantize(quantize(x)) in one
/// elementwise generic, staying in float.
struct LowerFakeQuant : OpRewritePattern<FakeQuantOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    auto qtype = cast<quant::QuantizedType>(op.getQtype());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto fType = cast<FloatType>(resultType.getElementType());
    Rounding rounding = roundingOf(rewriter, op);
    const int64_t qmin = qtype.getStorageTypeMin();
    const int64_t qmax = qtype.getStorageTypeMax();
    Value simulated = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), resultType,
        scaleAndZeroPoint(rewriter, qtype, fType),
        [&](OpBuilder &b, Location loc, Value x, ValueRange p) -> Value {
          Value q = quantizeCode(b, loc, x, p[0], p[1], qmin, qmax, rounding);
          return dequantizeCode(b, loc, q, p[0], p[1], fType);
        });
    rewriter.replaceOp(op, simulated);
    return success();
  }
};

/// numerics::roundingShiftRight on i64 with a per-element shift (>= 1);
/// `bits` are the stochastic draw's 24 bits (stochastic mode only).
Value roundingShiftRight(OpBuilder &b, Location loc, Value num, Value shift,
                         RoundingMode mode, Value bits) {
  using P = arith::CmpIPredicate;
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, v, 64);
  };
  auto cmp = [&](P p, Value x, Value y) -> Value {
    return arith::CmpIOp::create(b, loc, p, x, y);
  };
  auto both = [&](Value x, Value y) -> Value {
    return arith::AndIOp::create(b, loc, x, y);
  };
  auto either = [&](Value x, Value y) -> Value {
    return arith::OrIOp::create(b, loc, x, y);
  };
  // Arithmetic shift is floor division; the remainder is in [0, 2^shift).
  Value quotient = arith::ShRSIOp::create(b, loc, num, shift);
  Value remainder = arith::SubIOp::create(
      b, loc, num, arith::ShLIOp::create(b, loc, quotient, shift));
  Value half = arith::ShLIOp::create(
      b, loc, c(1), arith::SubIOp::create(b, loc, shift, c(1)));
  Value up;
  switch (mode) {
  case RoundingMode::floor:
    return quotient;
  case RoundingMode::ceil:
    up = cmp(P::ne, remainder, c(0));
    break;
  case RoundingMode::toward_zero:
    up = both(cmp(P::ne, remainder, c(0)), cmp(P::slt, num, c(0)));
    break;
  case RoundingMode::half_away:
    up = either(cmp(P::sgt, remainder, half),
                both(cmp(P::eq, remainder, half), cmp(P::sge, num, c(0))));
    break;
  case RoundingMode::half_even: {
    Value odd = cmp(P::ne, arith::AndIOp::create(b, loc, quotient, c(1)), c(0));
    up = either(cmp(P::sgt, remainder, half),
                both(cmp(P::eq, remainder, half), odd));
    break;
  }
  case RoundingMode::stochastic: {
    // Up when draw / 2^24 < remainder / 2^shift, compared in integers.
    Value left = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, c(24), shift), c(0));
    Value right = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, shift, c(24)), c(0));
    Value scaledUp = arith::ShLIOp::create(b, loc, remainder, left);
    Value scaledDown = arith::ShRUIOp::create(
        b, loc,
        arith::SubIOp::create(
            b, loc,
            arith::AddIOp::create(b, loc, remainder,
                                  arith::ShLIOp::create(b, loc, c(1), right)),
            c(1)),
        right);
    up = arith::SelectOp::create(b, loc, cmp(P::sle, shift, c(24)),
                                 cmp(P::ult, bits, scaledUp),
                                 cmp(P::ult, bits, scaledDown));
    break;
  }
  }
  return arith::AddIOp::create(
      b, loc, quotient, arith::ExtUIOp::create(b, loc, b.getI64Type(), up));
}

struct LowerRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    quant::QuantizedType in = elementOf(op.getInput());
    quant::QuantizedType out = elementOf(op.getResult());
    std::optional<int32_t> axis = getQuantizedAxis(in);
    if (!axis)
      axis = getQuantizedAxis(out);

    // One fixed-point multiplier s_in / s_out per channel (or one).
    SmallVector<double> inScales = getScales(in), outScales = getScales(out);
    SmallVector<int64_t> inZps = getZeroPoints(in), outZps = getZeroPoints(out);
    size_t n = std::max(inScales.size(), outScales.size());
    auto at = [&](auto &values, size_t c) {
      return values[values.size() == 1 ? 0 : c];
    };
    ParamVector multipliers{
        rewriter.getI64Type(), {}, alongAxis(axis, n, rewriter.getContext())};
    ParamVector shifts = multipliers, zpIn = multipliers, zpOut = multipliers;
    for (size_t c = 0; c < n; ++c) {
      auto fixed =
          numerics::quantizeMultiplier(at(inScales, c) / at(outScales, c));
      if (!fixed)
        return rewriter.notifyMatchFailure(op, "no fixed-point multiplier");
      multipliers.values.push_back(
          rewriter.getI64IntegerAttr(fixed->multiplier));
      shifts.values.push_back(rewriter.getI64IntegerAttr(31 - fixed->shift));
      zpIn.values.push_back(rewriter.getI64IntegerAttr(at(inZps, c)));
      zpOut.values.push_back(rewriter.getI64IntegerAttr(at(outZps, c)));
    }

    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto outStorage =
        rewriter.getIntegerType(out.getStorageTypeIntegralWidth());
    Value codes = toStorage(rewriter, loc, op.getInput());
    Rounding rounding = roundingOf(rewriter, op);
    bool isSigned = in.isSigned();
    const int64_t qmin = out.getStorageTypeMin(),
                  qmax = out.getStorageTypeMax();

    Value requantized = buildElementwise(
        rewriter, loc, codes, resultType.clone(outStorage),
        {multipliers, shifts, zpIn, zpOut},
        [&](OpBuilder &b, Location l, Value q, ValueRange p) -> Value {
          // clamp(roundingShiftRight((q - zp_in) * m, 31 - shift) + zp_out)
          Type i64 = b.getI64Type();
          Value wide = widen(b, l, q, i64, isSigned);
          Value product = arith::MulIOp::create(
              b, l, arith::SubIOp::create(b, l, wide, p[2]), p[0]);
          Value bits;
          if (rounding.mode == RoundingMode::stochastic)
            bits = drawBits(b, l, rounding.seed,
                            flatIndex(b, l, rounding.strides));
          Value r = arith::AddIOp::create(
              b, l,
              roundingShiftRight(b, l, product, p[1], rounding.mode, bits),
              p[3]);
          r = arith::MaxSIOp::create(
              b, l, r, arith::ConstantIntOp::create(b, l, qmin, 64));
          r = arith::MinSIOp::create(
              b, l, r, arith::ConstantIntOp::create(b, l, qmax, 64));
          return arith::TruncIOp::create(b, l, outStorage, r);
        });
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType,
                                                      requantized);
    return success();
  }
};

/// An observer is the identity at run time (calibration instruments its own
/// clone of the module): a model with observers left in it still runs.
struct LowerObserve : OpRewritePattern<ObserveOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ObserveOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

} // namespace

void lowering::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantize, LowerDequantize, LowerFakeQuant, LowerRequantize,
               LowerObserve>(patterns.getContext());
}
