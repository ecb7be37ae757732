//===- QFToLinalg.cpp - qf ops to linalg + arith --------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each quantization op becomes one elementwise linalg.generic on the storage
// integers, computing exactly what passes/Numerics/QuantParams.cpp computes.
// Per-axis scales and zero points enter the generic as constant vectors
// indexed by the quantized dimension.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/QFToLinalg.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "lowering/Passes.h"
#include "passes/Numerics/FixedPoint.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qf {
#define GEN_PASS_DEF_CONVERTQFTOLINALGPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// What keeps a quantized type from lowering, if anything.
std::optional<std::string> unsupported(quant::QuantizedType type) {
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          type))
    return "only per-tensor and per-axis !quant.uniform types are lowered "
           "(sub-channel blocks are not yet)";
  // Sub-byte storage goes through qf.pack: i4 memrefs do not lower correctly
  // (see MLIR22-NOTES.md).
  unsigned width = type.getStorageTypeIntegralWidth();
  if (width != 8 && width != 16 && width != 32)
    return "storage of " + std::to_string(width) +
           " bits is not lowered yet (only 8, 16 and 32)";
  return std::nullopt;
}

quant::QuantizedType elementOf(Value value) {
  return cast<quant::QuantizedType>(
      cast<RankedTensorType>(value.getType()).getElementType());
}

std::optional<std::string> unsupported(Operation *op) {
  if (auto quantize = dyn_cast<QuantizeOp>(op))
    return unsupported(elementOf(quantize.getResult()));
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    for (Value v : op->getOperands())
      if (auto reason = unsupported(elementOf(v)))
        return reason;
    return unsupported(elementOf(matmul.getResult()));
  }
  if (auto requantize = dyn_cast<RequantizeOp>(op)) {
    if (auto reason = unsupported(elementOf(requantize.getInput())))
      return reason;
    return unsupported(elementOf(requantize.getResult()));
  }
  auto dequantize = cast<DequantizeOp>(op);
  auto type = cast<RankedTensorType>(dequantize.getInput().getType());
  return unsupported(cast<quant::QuantizedType>(type.getElementType()));
}

/// Per-element constants of a generic: one value (per-tensor) or one per
/// index of the quantized axis.
struct ParamVector {
  Type type;
  SmallVector<Attribute> values;
};

/// Builds an elementwise `linalg.generic` over `input` producing
/// `resultType`. Each parameter reaches `body` as a scalar: a constant when
/// it has one value, else a block argument read through `axis`.
Value buildElementwise(
    PatternRewriter &rewriter, Location loc, Value input,
    RankedTensorType resultType, std::optional<int32_t> axis,
    ArrayRef<ParamVector> params,
    function_ref<Value(OpBuilder &, Location, Value, ValueRange)> body) {
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<Value> inputs = {input};
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
  SmallVector<Value> scalars(params.size());
  SmallVector<unsigned> argOf(params.size(), 0);
  for (auto [i, param] : llvm::enumerate(params)) {
    if (param.values.size() == 1) {
      scalars[i] = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(param.values.front()));
      continue;
    }
    assert(axis && "a parameter vector needs a quantized axis");
    auto type = RankedTensorType::get({(int64_t)param.values.size()},
                                      param.type);
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(type, param.values)));
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(*axis, ctx), ctx));
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

/// Scales (in `fType`) and zero points (i64) of a per-tensor or per-axis type.
SmallVector<ParamVector> scaleAndZeroPoint(Builder &b, quant::QuantizedType q,
                                           FloatType fType) {
  ParamVector scales{fType, {}}, zeroPoints{b.getI64Type(), {}};
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
Value roundValue(OpBuilder &b, Location loc, Value v, RoundingMode mode,
                 uint64_t seed, ArrayRef<Value> strides) {
  Type f64 = b.getF64Type();
  auto widen = [&](Value x) -> Value {
    return x.getType() == f64 ? x : arith::ExtFOp::create(b, loc, f64, x);
  };
  switch (mode) {
  case RoundingMode::half_even:
    return widen(math::RoundEvenOp::create(b, loc, v));
  case RoundingMode::half_away:
    return widen(math::RoundOp::create(b, loc, v));
  case RoundingMode::floor:
    return widen(math::FloorOp::create(b, loc, v));
  case RoundingMode::ceil:
    return widen(math::CeilOp::create(b, loc, v));
  case RoundingMode::toward_zero:
    return widen(math::TruncOp::create(b, loc, v));
  case RoundingMode::stochastic: {
    Value wide = widen(v);
    Value lower = math::FloorOp::create(b, loc, wide);
    Value fraction = arith::SubFOp::create(b, loc, wide, lower);
    Value draw =
        stochasticDraw(b, loc, seed, flatIndex(b, loc, strides));
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
    RoundingMode mode = op.getRounding();
    uint64_t seed = op.getSeed().value_or(0);
    SmallVector<Value> strides;
    if (mode == RoundingMode::stochastic)
      strides = rowMajorStrides(rewriter, op.getLoc(), op.getInput());

    Value codes = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), storageType,
        getQuantizedAxis(qtype), scaleAndZeroPoint(rewriter, qtype, fType),
        [&](OpBuilder &b, Location loc, Value x, ValueRange p) -> Value {
          Value scale = p[0], zeroPoint = p[1];
          // q = clamp(round(x / scale) + zp); the clamp happens in f64 on
          // [qmin - zp, qmax - zp], so infinities and huge values saturate.
          Type f64 = b.getF64Type(), i64 = b.getI64Type();
          Value rounded =
              roundValue(b, loc, arith::DivFOp::create(b, loc, x, scale),
                         mode, seed, strides);
          auto bound = [&](int64_t limit) -> Value {
            Value diff = arith::SubIOp::create(
                b, loc, arith::ConstantIntOp::create(b, loc, limit, 64),
                zeroPoint);
            return arith::SIToFPOp::create(b, loc, f64, diff);
          };
          Value clamped = arith::MinimumFOp::create(
              b, loc,
              arith::MaximumFOp::create(b, loc, rounded, bound(qmin)),
              bound(qmax));
          Value q = arith::AddIOp::create(
              b, loc, arith::FPToSIOp::create(b, loc, i64, clamped),
              zeroPoint);
          // NaN quantizes to the zero point.
          Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                              x, x);
          q = arith::SelectOp::create(b, loc, isNan, zeroPoint, q);
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
    auto storage = rewriter.getIntegerType(qtype.getStorageTypeIntegralWidth());
    Value codes = quant::StorageCastOp::create(
        rewriter, op.getLoc(), inputType.clone(storage), op.getInput());
    bool isSigned = qtype.isSigned();

    Value values = buildElementwise(
        rewriter, op.getLoc(), codes, resultType, getQuantizedAxis(qtype),
        scaleAndZeroPoint(rewriter, qtype, fType),
        [&](OpBuilder &b, Location loc, Value q, ValueRange p) -> Value {
          // x = float(q - zp) * scale.
          Type i64 = b.getI64Type();
          Value wide = isSigned
                           ? arith::ExtSIOp::create(b, loc, i64, q).getResult()
                           : arith::ExtUIOp::create(b, loc, i64, q).getResult();
          Value centred = arith::SubIOp::create(b, loc, wide, p[1]);
          return arith::MulFOp::create(
              b, loc, arith::SIToFPOp::create(b, loc, fType, centred), p[0]);
        });
    rewriter.replaceOp(op, values);
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
  Value half = arith::ShLIOp::create(b, loc, c(1),
                                     arith::SubIOp::create(b, loc, shift, c(1)));
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
    ParamVector multipliers{rewriter.getI64Type(), {}}, shifts = multipliers,
                zpIn = multipliers, zpOut = multipliers;
    for (size_t c = 0; c < n; ++c) {
      auto fixed = numerics::quantizeMultiplier(at(inScales, c) /
                                                at(outScales, c));
      if (!fixed)
        return rewriter.notifyMatchFailure(op, "no fixed-point multiplier");
      multipliers.values.push_back(
          rewriter.getI64IntegerAttr(fixed->multiplier));
      shifts.values.push_back(rewriter.getI64IntegerAttr(31 - fixed->shift));
      zpIn.values.push_back(rewriter.getI64IntegerAttr(at(inZps, c)));
      zpOut.values.push_back(rewriter.getI64IntegerAttr(at(outZps, c)));
    }

    auto inType = cast<RankedTensorType>(op.getInput().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto inStorage = rewriter.getIntegerType(in.getStorageTypeIntegralWidth());
    auto outStorage =
        rewriter.getIntegerType(out.getStorageTypeIntegralWidth());
    Value codes = quant::StorageCastOp::create(
        rewriter, loc, inType.clone(inStorage), op.getInput());
    RoundingMode mode = op.getRounding();
    uint64_t seed = op.getSeed().value_or(0);
    SmallVector<Value> strides;
    if (mode == RoundingMode::stochastic)
      strides = rowMajorStrides(rewriter, loc, op.getInput());
    bool isSigned = in.isSigned();
    const int64_t qmin = out.getStorageTypeMin(), qmax = out.getStorageTypeMax();

    Value requantized = buildElementwise(
        rewriter, loc, codes, resultType.clone(outStorage), axis,
        {multipliers, shifts, zpIn, zpOut},
        [&](OpBuilder &b, Location l, Value q, ValueRange p) -> Value {
          // clamp(roundingShiftRight((q - zp_in) * m, 31 - shift) + zp_out)
          Type i64 = b.getI64Type();
          Value wide = isSigned
                           ? arith::ExtSIOp::create(b, l, i64, q).getResult()
                           : arith::ExtUIOp::create(b, l, i64, q).getResult();
          Value product = arith::MulIOp::create(
              b, l, arith::SubIOp::create(b, l, wide, p[2]), p[0]);
          Value bits;
          if (mode == RoundingMode::stochastic)
            bits = drawBits(b, l, seed, flatIndex(b, l, strides));
          Value r = arith::AddIOp::create(
              b, l, roundingShiftRight(b, l, product, p[1], mode, bits), p[3]);
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

/// Sign- or zero-extends a storage integer to i32 by the quantized type.
Value widenTo32(OpBuilder &b, Location loc, Value v, bool isSigned) {
  Type i32 = b.getI32Type();
  if (v.getType() == i32)
    return v;
  return isSigned ? arith::ExtSIOp::create(b, loc, i32, v).getResult()
                  : arith::ExtUIOp::create(b, loc, i32, v).getResult();
}

/// A constant i32 vector of zero points and the map that reads it: the
/// element of `dim` for per-axis types, element 0 otherwise.
std::pair<Value, AffineMap> zeroPointVector(PatternRewriter &rewriter,
                                            Location loc,
                                            quant::QuantizedType type,
                                            unsigned numDims, unsigned dim) {
  SmallVector<int32_t> zps;
  for (int64_t z : getZeroPoints(type))
    zps.push_back(z);
  auto vectorType =
      RankedTensorType::get({(int64_t)zps.size()}, rewriter.getI32Type());
  Value vector = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(vectorType, ArrayRef(zps)));
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr expr = zps.size() == 1 ? getAffineConstantExpr(0, ctx)
                                    : getAffineDimExpr(dim, ctx);
  return {vector, AffineMap::get(numDims, 0, expr, ctx)};
}

/// qf.matmul as an i32 contraction of the raw storage integers plus the
/// zero-point decomposition
///   sum_k (a - za)(w - zw) = sum_k a w - zw * rowsum(a) - za * colsum(w)
///                            + K * za * zw,
/// all in wrapping i32 arithmetic (so equal to the direct i32 sum), and the
/// bias.
struct LowerMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    quant::QuantizedType lq = elementOf(op.getLhs()), rq = elementOf(op.getRhs());
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type i32 = rewriter.getI32Type();
    auto storageOf = [&](Value v, quant::QuantizedType q) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      return quant::StorageCastOp::create(
          rewriter, loc,
          type.clone(rewriter.getIntegerType(q.getStorageTypeIntegralWidth())),
          v);
    };
    Value lhs = storageOf(op.getLhs(), lq), rhs = storageOf(op.getRhs(), rq);
    bool batched = lhsType.getRank() == 3;
    bool sharedRhs = batched && rhsType.getRank() == 2;

    // Dimensions (b,) m, n, k.
    unsigned numDims = batched ? 4 : 3;
    unsigned b = 0, m = batched ? 1 : 0, n = m + 1, k = m + 2;
    auto dims = [&](std::initializer_list<unsigned> ds) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : ds)
        exprs.push_back(getAffineDimExpr(d, ctx));
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    AffineMap lhsMap = batched ? dims({b, m, k}) : dims({m, k});
    AffineMap rhsMap = batched && !sharedRhs ? dims({b, k, n}) : dims({k, n});
    AffineMap outMap = batched ? dims({b, m, n}) : dims({m, n});

    // Result sizes: lhs's leading dimensions, then rhs's N.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < lhsType.getRank() - 1; ++d)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, lhs, d));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, rhs, rhsType.getRank() - 1));
    auto zeroFilled = [&](ArrayRef<OpFoldResult> shape) -> Value {
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, i32);
      Value zero = arith::ConstantIntOp::create(rewriter, loc, 0, 32);
      return linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    };
    using utils::IteratorType;
    SmallVector<IteratorType> contraction(numDims, IteratorType::parallel);
    contraction[k] = IteratorType::reduction;

    bool lSigned = lq.isSigned(), rSigned = rq.isSigned();
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType.clone(i32)},
            ValueRange{lhs, rhs}, ValueRange{zeroFilled(sizes)},
            {lhsMap, rhsMap, outMap}, contraction,
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value product = arith::MulIOp::create(
                  bb, l, widenTo32(bb, l, args[0], lSigned),
                  widenTo32(bb, l, args[1], rSigned));
              linalg::YieldOp::create(
                  bb, l,
                  arith::AddIOp::create(bb, l, args[2], product).getResult());
            })
            .getResult(0);

    // Sums over K of one operand, for the zero-point terms: iterations
    // (outer..., k) with k innermost, `map` reading the operand.
    auto sumOverK = [&](Value operand, AffineMap map, bool isSigned,
                        ArrayRef<OpFoldResult> shape) -> Value {
      unsigned nd = map.getNumDims();
      SmallVector<int64_t> staticShape;
      for (OpFoldResult s : shape)
        staticShape.push_back(
            getConstantIntValue(s).value_or(ShapedType::kDynamic));
      SmallVector<IteratorType> iterators(nd, IteratorType::parallel);
      iterators.back() = IteratorType::reduction;
      AffineMap resultMap = AffineMap::getMultiDimIdentityMap(nd, ctx)
                                .getMajorSubMap(nd - 1);
      return linalg::GenericOp::create(
                 rewriter, loc,
                 TypeRange{RankedTensorType::get(staticShape, i32)},
                 ValueRange{operand}, ValueRange{zeroFilled(shape)},
                 {map, resultMap}, iterators,
                 [&](OpBuilder &bb, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       bb, l,
                       arith::AddIOp::create(bb, l, args[1],
                                             widenTo32(bb, l, args[0],
                                                       isSigned))
                           .getResult());
                 })
          .getResult(0);
    };
    auto allZero = [](quant::QuantizedType q) {
      return llvm::all_of(getZeroPoints(q), [](int64_t z) { return z == 0; });
    };
    bool hasBias = bool(op.getBias());
    if (allZero(lq) && allZero(rq) && !hasBias) {
      rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType, acc);
      return success();
    }

    // rowsum over (b,) m and colsum over (b,) n.
    SmallVector<OpFoldResult> rowShape(sizes.begin(), sizes.end() - 1);
    SmallVector<OpFoldResult> colShape;
    if (batched && !sharedRhs)
      colShape.push_back(sizes.front());
    colShape.push_back(sizes.back());
    AffineMap rowMap = batched ? dims({b, m}) : dims({m});
    AffineMap colMap = batched && !sharedRhs ? dims({b, n}) : dims({n});
    // rowsum iterates ((b,) m, k) over lhs as it is; colsum iterates
    // ((b,) n, k) over rhs [(B,) K, N], so its map swaps the last two.
    unsigned lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    Value rowSum = sumOverK(
        lhs, AffineMap::getMultiDimIdentityMap(lhsRank, ctx), lSigned,
        rowShape);
    SmallVector<unsigned> swapped;
    for (unsigned d = 0; d + 2 < rhsRank; ++d)
      swapped.push_back(d);
    swapped.append({rhsRank - 1, rhsRank - 2});
    Value colSum = sumOverK(
        rhs, AffineMap::getPermutationMap(swapped, ctx), rSigned, colShape);
    auto [zl, zlMap] = zeroPointVector(rewriter, loc, lq, numDims, m);
    auto [zr, zrMap] = zeroPointVector(rewriter, loc, rq, numDims, n);
    Value kSize = arith::IndexCastOp::create(
        rewriter, loc, i32,
        tensor::DimOp::create(rewriter, loc, lhs, lhsType.getRank() - 1));

    SmallVector<Value> inputs = {acc, rowSum, colSum, zl, zr};
    SmallVector<AffineMap> maps = {outMap, rowMap, colMap, zlMap, zrMap};
    if (hasBias) {
      inputs.push_back(storageOf(op.getBias(), elementOf(op.getBias())));
      maps.push_back(dims({n}));
    }
    maps.push_back(outMap);
    // The correction is elementwise over (b,) m, n: k (the last dimension)
    // appears in none of these maps, so they are re-declared without it.
    unsigned outDims = numDims - 1;
    SmallVector<AffineMap> elementwise;
    for (AffineMap map : maps)
      elementwise.push_back(AffineMap::get(outDims, 0, map.getResults(), ctx));
    SmallVector<IteratorType> parallel(outDims, IteratorType::parallel);
    Value corrected =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType.clone(i32)}, inputs,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes, i32)},
            elementwise, parallel,
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value sum = args[0];
              auto mul = [&](Value x, Value y) -> Value {
                return arith::MulIOp::create(bb, l, x, y);
              };
              sum = arith::SubIOp::create(bb, l, sum, mul(args[4], args[1]));
              sum = arith::SubIOp::create(bb, l, sum, mul(args[3], args[2]));
              sum = arith::AddIOp::create(bb, l, sum,
                                          mul(kSize, mul(args[3], args[4])));
              if (hasBias)
                sum = arith::AddIOp::create(bb, l, sum, args[5]);
              linalg::YieldOp::create(bb, l, sum);
            })
            .getResult(0);
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType,
                                                      corrected);
    return success();
  }
};

class ConvertQFToLinalgPass final
    : public qf::impl::ConvertQFToLinalgPassBase<ConvertQFToLinalgPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQFToLinalgPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Whatever is left could not be lowered: say why, at the op.
    bool failedAny = false;
    getOperation()->walk([&](Operation *op) {
      if (!isa<QuantizeOp, DequantizeOp, RequantizeOp, MatmulOp>(op))
        return;
      op->emitError() << "cannot lower to linalg: " << *unsupported(op);
      failedAny = true;
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace

void mlir::qf::populateQFToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerQuantize, LowerDequantize, LowerRequantize, LowerMatmul>(
      patterns.getContext());
}
