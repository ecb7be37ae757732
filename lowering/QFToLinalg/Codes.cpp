//===- Codes.cpp - Scalar quantization code inside linalg bodies ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"

#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

ParamGrid lowering::alongAxis(std::optional<int32_t> axis, int64_t count,
                              MLIRContext *ctx) {
  if (!axis || count == 1)
    return {};
  return {{count}, {getAffineDimExpr(*axis, ctx)}};
}

ParamGrid lowering::gridOf(quant::QuantizedType q, MLIRContext *ctx) {
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

Value lowering::paramConstant(OpBuilder &b, Location loc,
                              const ParamVector &param) {
  if (param.grid.shape.empty())
    return arith::ConstantOp::create(b, loc,
                                     cast<TypedAttr>(param.values.front()));
  auto type = RankedTensorType::get(param.grid.shape, param.type);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, param.values));
}

Value lowering::buildElementwise(
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
    Value constant = paramConstant(rewriter, loc, param);
    if (param.grid.shape.empty()) {
      scalars[i] = constant;
      continue;
    }
    inputs.push_back(constant);
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

SmallVector<ParamVector> lowering::scaleAndZeroPoint(Builder &b,
                                                     quant::QuantizedType q,
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

SmallVector<Value> lowering::rowMajorStrides(PatternRewriter &rewriter,
                                             Location loc, Value value) {
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

Value lowering::flatIndex(OpBuilder &b, Location loc, ArrayRef<Value> strides) {
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [d, stride] : llvm::enumerate(strides))
    index = arith::AddIOp::create(
        b, loc, index,
        arith::MulIOp::create(b, loc, linalg::IndexOp::create(b, loc, d),
                              stride));
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

Value lowering::drawBits(OpBuilder &b, Location loc, uint64_t seed,
                         Value index) {
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
static Value stochasticDraw(OpBuilder &b, Location loc, uint64_t seed,
                            Value index) {
  Value draw = arith::UIToFPOp::create(b, loc, b.getF64Type(),
                                       drawBits(b, loc, seed, index));
  return arith::MulFOp::create(
      b, loc, draw,
      arith::ConstantOp::create(b, loc, b.getF64FloatAttr(0x1p-24)));
}

Value lowering::roundValue(OpBuilder &b, Location loc, Value v,
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

Value lowering::quantizeCode(OpBuilder &b, Location loc, Value x, Value scale,
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

Value lowering::dequantizeCode(OpBuilder &b, Location loc, Value q, Value scale,
                               Value zeroPoint, FloatType fType) {
  Value centred = arith::SubIOp::create(b, loc, q, zeroPoint);
  return arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, fType, centred), scale);
}

ParamReads lowering::readParams(PatternRewriter &rewriter, Location loc,
                                quant::QuantizedType qtype, FloatType fType,
                                unsigned numDims, ArrayRef<unsigned> loopOf) {
  MLIRContext *ctx = rewriter.getContext();
  ParamReads reads;
  SmallVector<ParamVector> params = scaleAndZeroPoint(rewriter, qtype, fType);
  for (auto [i, param] : llvm::enumerate(params)) {
    Value constant = paramConstant(rewriter, loc, param);
    if (param.grid.shape.empty()) {
      (i == 0 ? reads.scalarScale : reads.scalarZeroPoint) = constant;
      continue;
    }
    reads.inputs.push_back(constant);
    SmallVector<AffineExpr> exprs;
    SmallVector<AffineExpr> replacements;
    for (unsigned loop : loopOf)
      replacements.push_back(getAffineDimExpr(loop, ctx));
    for (AffineExpr e : param.grid.exprs)
      exprs.push_back(e.replaceDims(replacements));
    reads.maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
  }
  return reads;
}

Value lowering::extractCode(OpBuilder &b, Location loc, Value packed,
                            ValueRange outer, Value inner, unsigned bits,
                            bool isSigned, Value rowBytes) {
  Type i32 = b.getI32Type();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto int32 = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, loc, v, 32);
  };
  Value bit = arith::MulIOp::create(b, loc, inner, index(bits));
  Value byte = arith::DivUIOp::create(b, loc, bit, index(8));
  Value shift = arith::IndexCastOp::create(
      b, loc, i32, arith::RemUIOp::create(b, loc, bit, index(8)));
  auto load = [&](Value at) -> Value {
    SmallVector<Value> indices(outer.begin(), outer.end());
    indices.push_back(at);
    Value v = tensor::ExtractOp::create(b, loc, packed, indices);
    return arith::ExtUIOp::create(b, loc, i32, v);
  };
  Value word = load(byte);
  if (8 % bits != 0) {
    // A code may straddle two bytes; the next byte index is clamped to the
    // row (a code never extends past it, so the clamped read is unused).
    Value last = arith::SubIOp::create(b, loc, rowBytes, index(1));
    Value next = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, byte, index(1)), last);
    word = arith::OrIOp::create(
        b, loc, word, arith::ShLIOp::create(b, loc, load(next), int32(8)));
  }
  Value code =
      arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, word, shift),
                            int32((1 << bits) - 1));
  if (isSigned) {
    Value up = int32(32 - bits);
    code = arith::ShRSIOp::create(b, loc,
                                  arith::ShLIOp::create(b, loc, code, up), up);
    return arith::ExtSIOp::create(b, loc, b.getI64Type(), code);
  }
  return arith::ExtUIOp::create(b, loc, b.getI64Type(), code);
}
