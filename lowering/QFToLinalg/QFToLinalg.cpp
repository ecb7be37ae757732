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

std::optional<std::string> unsupported(Operation *op) {
  if (auto quantize = dyn_cast<QuantizeOp>(op)) {
    auto type = cast<RankedTensorType>(quantize.getResult().getType());
    return unsupported(cast<quant::QuantizedType>(type.getElementType()));
  }
  auto dequantize = cast<DequantizeOp>(op);
  auto type = cast<RankedTensorType>(dequantize.getInput().getType());
  return unsupported(cast<quant::QuantizedType>(type.getElementType()));
}

/// The quantization parameters of one element inside a generic: constants
/// for per-tensor types, block arguments for per-axis ones.
struct Params {
  Value scale;    ///< in the float type of the computation
  Value zeroPoint; ///< i64
};

/// Builds `linalg.generic` over `input` producing `resultType`, with the
/// per-axis parameter vectors as extra inputs when `qtype` is per-axis.
Value buildElementwise(
    PatternRewriter &rewriter, Location loc, Value input,
    RankedTensorType resultType, quant::QuantizedType qtype, FloatType fType,
    function_ref<Value(OpBuilder &, Location, Value, Params)> body) {
  auto shape = cast<RankedTensorType>(input.getType());
  int64_t rank = shape.getRank();
  SmallVector<double> scales = getScales(qtype);
  SmallVector<int64_t> zeroPoints = getZeroPoints(qtype);
  std::optional<int32_t> axis = getQuantizedAxis(qtype);

  MLIRContext *ctx = rewriter.getContext();
  SmallVector<Value> inputs = {input};
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
  if (axis) {
    int64_t n = scales.size();
    SmallVector<Attribute> scaleAttrs, zpAttrs;
    for (auto [s, z] : llvm::zip(scales, zeroPoints)) {
      scaleAttrs.push_back(FloatAttr::get(fType, s));
      zpAttrs.push_back(rewriter.getI64IntegerAttr(z));
    }
    auto scaleType = RankedTensorType::get({n}, fType);
    auto zpType = RankedTensorType::get({n}, rewriter.getI64Type());
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(scaleType, scaleAttrs)));
    inputs.push_back(arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(zpType, zpAttrs)));
    AffineMap perAxis =
        AffineMap::get(rank, 0, getAffineDimExpr(*axis, ctx), ctx);
    maps.append({perAxis, perAxis});
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(rank));

  Value scaleConst, zpConst;
  if (!axis) {
    scaleConst = arith::ConstantOp::create(rewriter, loc,
                                           FloatAttr::get(fType, scales[0]));
    zpConst = arith::ConstantIntOp::create(rewriter, loc, zeroPoints[0], 64);
  }
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, input);
  Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &b, Location l, ValueRange args) {
        Params params = axis ? Params{args[1], args[2]}
                             : Params{scaleConst, zpConst};
        linalg::YieldOp::create(b, l, body(b, l, args[0], params));
      });
  return generic.getResult(0);
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

/// The stochastic draw of numerics::stochasticDraw: splitmix64 of
/// seed + (index + 1) * golden, top 24 bits, scaled to [0, 1), in f64.
Value stochasticDraw(OpBuilder &b, Location loc, uint64_t seed, Value index) {
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
  Value bits = arith::ShRUIOp::create(b, loc, xorShift(z, 31), constant(40));
  Value draw = arith::UIToFPOp::create(b, loc, b.getF64Type(), bits);
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
    // Row-major strides of the input, for the stochastic draw's index.
    SmallVector<Value> strides;
    if (mode == RoundingMode::stochastic) {
      Location loc = op.getLoc();
      Value stride = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t d = resultType.getRank() - 1; d >= 0; --d) {
        strides.insert(strides.begin(), stride);
        Value size = tensor::DimOp::create(rewriter, loc, op.getInput(), d);
        stride = arith::MulIOp::create(rewriter, loc, stride, size);
      }
    }

    Value codes = buildElementwise(
        rewriter, op.getLoc(), op.getInput(), storageType, qtype, fType,
        [&](OpBuilder &b, Location loc, Value x, Params p) -> Value {
          // q = clamp(round(x / scale) + zp); the clamp happens in f64 on
          // [qmin - zp, qmax - zp], so infinities and huge values saturate.
          Type f64 = b.getF64Type(), i64 = b.getI64Type();
          Value rounded =
              roundValue(b, loc, arith::DivFOp::create(b, loc, x, p.scale),
                         mode, seed, strides);
          auto bound = [&](int64_t limit) -> Value {
            Value diff = arith::SubIOp::create(
                b, loc, arith::ConstantIntOp::create(b, loc, limit, 64),
                p.zeroPoint);
            return arith::SIToFPOp::create(b, loc, f64, diff);
          };
          Value clamped = arith::MinimumFOp::create(
              b, loc,
              arith::MaximumFOp::create(b, loc, rounded, bound(qmin)),
              bound(qmax));
          Value q = arith::AddIOp::create(
              b, loc, arith::FPToSIOp::create(b, loc, i64, clamped),
              p.zeroPoint);
          // NaN quantizes to the zero point.
          Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                              x, x);
          q = arith::SelectOp::create(b, loc, isNan, p.zeroPoint, q);
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
        rewriter, op.getLoc(), codes, resultType, qtype, fType,
        [&](OpBuilder &b, Location loc, Value q, Params p) -> Value {
          // x = float(q - zp) * scale.
          Type i64 = b.getI64Type();
          Value wide = isSigned
                           ? arith::ExtSIOp::create(b, loc, i64, q).getResult()
                           : arith::ExtUIOp::create(b, loc, i64, q).getResult();
          Value centred = arith::SubIOp::create(b, loc, wide, p.zeroPoint);
          return arith::MulFOp::create(
              b, loc, arith::SIToFPOp::create(b, loc, fType, centred),
              p.scale);
        });
    rewriter.replaceOp(op, values);
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
      if (!isa<QuantizeOp, DequantizeOp>(op))
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
  patterns.add<LowerQuantize, LowerDequantize>(patterns.getContext());
}
