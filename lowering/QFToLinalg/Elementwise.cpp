//===- Elementwise.cpp - quantize, dequantize, requantize -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each becomes one elementwise linalg.generic on the storage integers,
// computing exactly what passes/Numerics computes. Per-axis parameters enter
// the generic as constant vectors indexed by the quantized dimension.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "passes/Numerics/FixedPoint.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// How a parameter tensor is read inside an elementwise generic over a
/// tensor of `rank` dimensions: `shape` (empty for a scalar) indexed by
/// `exprs` of the loop dimensions.
struct ParamGrid {
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> exprs;
};

/// One value per index of `axis` (a scalar when `count` is 1).
ParamGrid alongAxis(std::optional<int32_t> axis, int64_t count,
                    MLIRContext *ctx) {
  if (!axis || count == 1)
    return {};
  return {{count}, {getAffineDimExpr(*axis, ctx)}};
}

/// The parameter grid of a quantized type: per tensor, per axis, or blocks
/// (element i of a dimension with block size B reads grid index i floordiv B).
ParamGrid gridOf(quant::QuantizedType q, MLIRContext *ctx) {
  auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(q);
  if (!blocked)
    return alongAxis(getQuantizedAxis(q), getScales(q).size(), ctx);
  ParamGrid grid;
  auto shape = blocked.getScales().getType().getShape();
  grid.shape.assign(shape.begin(), shape.end());
  for (int64_t d = 0, e = shape.size(); d < e; ++d)
    grid.exprs.push_back(getAffineConstantExpr(0, ctx));
  for (auto [dim, block] :
       llvm::zip(blocked.getQuantizedDimensions(), blocked.getBlockSizes()))
    if (shape[dim] > 1)
      grid.exprs[dim] = getAffineDimExpr(dim, ctx).floorDiv(block);
  return grid;
}

/// Per-element constants of a generic, laid out as `grid`.
struct ParamVector {
  Type type;
  SmallVector<Attribute> values;
  ParamGrid grid;
};

/// Builds an elementwise `linalg.generic` over `input` producing
/// `resultType`. Each parameter reaches `body` as a scalar: a constant when
/// its grid is empty, else a block argument read through the grid's map.
Value buildElementwise(
    PatternRewriter &rewriter, Location loc, Value input,
    RankedTensorType resultType, ArrayRef<ParamVector> params,
    function_ref<Value(OpBuilder &, Location, Value, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<Value> inputs = {input};
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
  SmallVector<Value> scalars(params.size());
  SmallVector<unsigned> argOf(params.size(), 0);
  for (auto [i, param] : llvm::enumerate(params)) {
    if (param.grid.shape.empty()) {
      scalars[i] = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(param.values.front()));
      continue;
    }
    auto type = RankedTensorType::get(param.grid.shape, param.type);
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(type, param.values)));
    maps.push_back(AffineMap::get(rank, 0, param.grid.exprs, ctx));
    argOf[i] = inputs.size() - 1;
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(rank));

  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        SmallVector<Value> values;
        for (auto [i, scalar] : llvm::enumerate(scalars))
          values.push_back(scalar ? scalar : args[argOf[i]]);
        linalg::YieldOp::create(b, l, body(b, l, args[0], values));
      });
  return generic.getResult(0);
}

/// Scales (in `fType`) and zero points (i64) of a quantized type, per
/// tensor, per axis or per block.
SmallVector<ParamVector> scaleAndZeroPoint(Builder &b, quant::QuantizedType q,
                                           FloatType fType) {
  ParamGrid grid = gridOf(q, b.getContext());
  ParamVector scales{fType, {}, grid}, zeroPoints{b.getI64Type(), {}, grid};
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(q)) {
    for (APFloat s : blocked.getScales().getValues<APFloat>())
      scales.values.push_back(FloatAttr::get(fType, s.convertToDouble()));
    for (APInt z : blocked.getZeroPoints().getValues<APInt>())
      zeroPoints.values.push_back(b.getI64IntegerAttr(z.getSExtValue()));
    return {scales, zeroPoints};
  }
  for (double s : getScales(q))
    scales.values.push_back(FloatAttr::get(fType, s));
  for (int64_t z : getZeroPoints(q))
    zeroPoints.values.push_back(b.getI64IntegerAttr(z));
  return {scales, zeroPoints};
}

/// Row-major strides of `value`'s shape, for the stochastic draw's index.
SmallVector<Value> rowMajorStrides(PatternRewriter &rewriter, Location loc,
                                   Value value) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<Value> strides(rank);
  Value stride = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride = arith::MulIOp::create(
        rewriter, loc, stride, tensor::DimOp::create(rewriter, loc, value, d));
  }
  return strides;
}

/// An op's rounding: the mode, the seed and, for stochastic draws, the
/// row-major strides of its input (the draw index is the element's position).
struct Rounding {
  RoundingMode mode;
  uint64_t seed;
  SmallVector<Value> strides;
};

template <typename OpT> Rounding roundingOf(PatternRewriter &rewriter, OpT op) {
  Rounding rounding{op.getRounding(), op.getSeed().value_or(0), {}};
  if (rounding.mode == RoundingMode::stochastic)
    rounding.strides = rowMajorStrides(rewriter, op.getLoc(), op.getInput());
  return rounding;
}

/// The row-major index of the current element of a generic over `shape`,
/// from strides computed outside the generic.
Value flatIndex(OpBuilder &b, Location loc, ArrayRef<Value> strides) {
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [d, stride] : llvm::enumerate(strides))
    index = arith::AddIOp::create(
        b, loc, index,
        arith::MulIOp::create(b, loc, linalg::IndexOp::create(b, loc, d),
                              stride));
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// numerics' drawBits: the top 24 bits of splitmix64 of
/// seed + (index + 1) * golden, as i64.
Value drawBits(OpBuilder &b, Location loc, uint64_t seed, Value index) {
  auto constant = [&](uint64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, (int64_t)v, 64);
  };
  auto xorShift = [&](Value z, uint64_t shift) -> Value {
    return arith::XOrIOp::create(
        b, loc, z, arith::ShRUIOp::create(b, loc, z, constant(shift)));
  };
  Value next = arith::AddIOp::create(b, loc, index, constant(1));
  Value z = arith::AddIOp::create(
      b, loc, constant(seed),
      arith::MulIOp::create(b, loc, next, constant(0x9E3779B97F4A7C15ULL)));
  z = arith::MulIOp::create(b, loc, xorShift(z, 30),
                            constant(0xBF58476D1CE4E5B9ULL));
  z = arith::MulIOp::create(b, loc, xorShift(z, 27),
                            constant(0x94D049BB133111EBULL));
  return arith::ShRUIOp::create(b, loc, xorShift(z, 31), constant(40));
}

/// numerics::stochasticDraw: drawBits scaled to [0, 1), in f64.
Value stochasticDraw(OpBuilder &b, Location loc, uint64_t seed, Value index) {
  Value draw = arith::UIToFPOp::create(b, loc, b.getF64Type(),
                                       drawBits(b, loc, seed, index));
  return arith::MulFOp::create(
      b, loc, draw,
      arith::ConstantOp::create(b, loc, b.getF64FloatAttr(0x1p-24)));
}

/// round(v) as f64. Deterministic modes round in v's type (the result is an
/// integer, exact in f64); stochastic rounds up with probability frac(v).
Value roundValue(OpBuilder &b, Location loc, Value v,
                 const Rounding &rounding) {
  Type f64 = b.getF64Type();
  auto toF64 = [&](Value x) -> Value {
    return x.getType() == f64 ? x : arith::ExtFOp::create(b, loc, f64, x);
  };
  switch (rounding.mode) {
  case RoundingMode::half_even:
    return toF64(math::RoundEvenOp::create(b, loc, v));
  case RoundingMode::half_away:
    return toF64(math::RoundOp::create(b, loc, v));
  case RoundingMode::floor:
    return toF64(math::FloorOp::create(b, loc, v));
  case RoundingMode::ceil:
    return toF64(math::CeilOp::create(b, loc, v));
  case RoundingMode::toward_zero:
    return toF64(math::TruncOp::create(b, loc, v));
  case RoundingMode::stochastic: {
    Value wide = toF64(v);
    Value lower = math::FloorOp::create(b, loc, wide);
    Value fraction = arith::SubFOp::create(b, loc, wide, lower);
    Value draw = stochasticDraw(b, loc, rounding.seed,
                                flatIndex(b, loc, rounding.strides));
    Value up = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, draw,
                                     fraction);
    Value one = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1.0));
    Value zero = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(0.0));
    return arith::AddFOp::create(
        b, loc, lower, arith::SelectOp::create(b, loc, up, one, zero));
  }
  }
  llvm_unreachable("unknown rounding mode");
}

/// q = clamp(round(x / scale) + zp) as i64, numerics::quantize exactly: the
/// clamp happens in f64 on [qmin - zp, qmax - zp], so infinities and huge
/// values saturate, and NaN quantizes to the zero point.
Value quantizeCode(OpBuilder &b, Location loc, Value x, Value scale,
                   Value zeroPoint, int64_t qmin, int64_t qmax,
                   const Rounding &rounding) {
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  Value rounded =
      roundValue(b, loc, arith::DivFOp::create(b, loc, x, scale), rounding);
  auto bound = [&](int64_t limit) -> Value {
    Value diff = arith::SubIOp::create(
        b, loc, arith::ConstantIntOp::create(b, loc, limit, 64), zeroPoint);
    return arith::SIToFPOp::create(b, loc, f64, diff);
  };
  Value clamped = arith::MinimumFOp::create(
      b, loc, arith::MaximumFOp::create(b, loc, rounded, bound(qmin)),
      bound(qmax));
  Value q = arith::AddIOp::create(
      b, loc, arith::FPToSIOp::create(b, loc, i64, clamped), zeroPoint);
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  return arith::SelectOp::create(b, loc, isNan, zeroPoint, q);
}

/// x = float(q - zp) * scale, numerics::dequantize exactly; q is i64.
Value dequantizeCode(OpBuilder &b, Location loc, Value q, Value scale,
                     Value zeroPoint, FloatType fType) {
  Value centred = arith::SubIOp::create(b, loc, q, zeroPoint);
  return arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, fType, centred), scale);
}

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

} // namespace

void lowering::populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantize, LowerDequantize, LowerFakeQuant, LowerRequantize>(
      patterns.getContext());
}
