//===- RoundToFloat.cpp - Rounding onto low-precision float grids ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Values rounded onto a low-precision float grid without the format's
// arithmetic (FP8 and MX activations on the CPU), in f64: with m the
// format's mantissa bits and emin its smallest normal exponent, the grid
// step at |v| is q = 2^(max(exponent(|v|), emin) - m), and |v| rounds to
// roundeven(|v| / q) * q. Both scalings are by powers of two, so exact, and
// the one rounding is the format's (ties to even, subnormals below 2^emin
// by the fixed step 2^(emin - m)). Then the magnitude saturates at the
// largest finite value (infinity too; NaN stays NaN through minimumf) and
// takes v's sign back (-0 included).
// - qf.round_to_float: v = x / scale in f32, then the result times scale;
// - qf.round_to_mx: one generic takes each block's largest magnitude, a
//   second scales each value by its block's 2^-X (exact in f64, whatever X
//   in [-127, 127]), rounds it and scales it back; f64 to f32 is exact, as
//   every grid value times 2^X is an f32.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;

namespace {

Value f64Const(OpBuilder &b, Location l, double v) {
  return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v));
}
Value i64Const(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantOp::create(b, l, b.getI64IntegerAttr(v));
}

/// 2^e in f64 for an i64 e in [-1022, 1023].
Value powerOfTwo(OpBuilder &b, Location l, Value e) {
  Value biased = arith::AddIOp::create(b, l, e, i64Const(b, l, 1023));
  Value bits = arith::ShLIOp::create(b, l, biased, i64Const(b, l, 52));
  return arith::BitcastOp::create(b, l, b.getF64Type(), bits);
}

/// The unbiased exponent field of a finite f64 |v| (-1023 for 0 and
/// subnormals, 1024 for Inf and NaN).
Value exponentOf(OpBuilder &b, Location l, Value magnitude) {
  Value bits = arith::BitcastOp::create(b, l, b.getI64Type(), magnitude);
  Value field = arith::ShRUIOp::create(b, l, bits, i64Const(b, l, 52));
  return arith::SubIOp::create(b, l, field, i64Const(b, l, 1023));
}

/// v (f64) rounded onto `format`'s grid: nearest, ties to even, saturating,
/// NaN kept.
Value roundOntoGrid(OpBuilder &b, Location l, Value v,
                    const llvm::fltSemantics &format) {
  int64_t mantissa = int64_t(APFloat::semanticsPrecision(format)) - 1;
  int64_t emin = APFloat::semanticsMinExponent(format);
  double largest = APFloat::getLargest(format).convertToDouble();
  Value a = math::AbsFOp::create(b, l, v);
  // Infinity and NaN have exponent 1024; 1000 keeps the steps normal and
  // still overflows to the saturation below.
  Value exponent = arith::MinSIOp::create(
      b, l,
      arith::MaxSIOp::create(b, l, exponentOf(b, l, a), i64Const(b, l, emin)),
      i64Const(b, l, 1000));
  Value step = arith::SubIOp::create(b, l, exponent, i64Const(b, l, mantissa));
  Value up =
      powerOfTwo(b, l, arith::SubIOp::create(b, l, i64Const(b, l, 0), step));
  Value rounded =
      math::RoundEvenOp::create(b, l, arith::MulFOp::create(b, l, a, up));
  Value magnitude =
      arith::MulFOp::create(b, l, rounded, powerOfTwo(b, l, step));
  magnitude =
      arith::MinimumFOp::create(b, l, magnitude, f64Const(b, l, largest));
  return math::CopySignOp::create(b, l, magnitude, v);
}

struct LowerRoundToFloat : OpRewritePattern<RoundToFloatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoundToFloatOp op,
                                PatternRewriter &rewriter) const override {
    const llvm::fltSemantics &format =
        cast<FloatType>(op.getFormat()).getFloatSemantics();
    float scale = op.getScale().convertToFloat();
    Location loc = op.getLoc();
    auto type = op.getOutput().getType();
    int64_t rank = type.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{op.getInput()},
        ValueRange{tensor::EmptyOp::create(
            rewriter, loc, tensor::getMixedSizes(rewriter, loc, op.getInput()),
            rewriter.getF32Type())},
        SmallVector<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value s = arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale));
          Value quotient = arith::DivFOp::create(b, l, args[0], s);
          Value v = arith::ExtFOp::create(b, l, b.getF64Type(), quotient);
          Value r = arith::TruncFOp::create(b, l, b.getF32Type(),
                                            roundOntoGrid(b, l, v, format));
          Value result = arith::MulFOp::create(b, l, r, s);
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct LowerRoundToMX : OpRewritePattern<RoundToMXOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoundToMXOp op,
                                PatternRewriter &rewriter) const override {
    const llvm::fltSemantics &format =
        cast<FloatType>(op.getFormat()).getFloatSemantics();
    int64_t emax = APFloat::semanticsMaxExponent(format);
    int64_t block = op.getBlock();
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value input = op.getInput();
    auto type = op.getOutput().getType();
    int64_t rank = type.getRank();

    // Each block's largest magnitude: [..., K / block].
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, input);
    SmallVector<OpFoldResult> gridSizes(sizes);
    gridSizes.back() = rewriter.getIndexAttr(type.getShape().back() / block);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getF32FloatAttr(0.0f));
    Value gridInit = tensor::EmptyOp::create(rewriter, loc, gridSizes,
                                             rewriter.getF32Type());
    Value amaxInit =
        linalg::FillOp::create(rewriter, loc, zero, gridInit).getResult(0);
    Type gridType = amaxInit.getType();
    SmallVector<AffineExpr> blockExprs;
    for (int64_t d = 0; d + 1 < rank; ++d)
      blockExprs.push_back(getAffineDimExpr(d, ctx));
    blockExprs.push_back(getAffineDimExpr(rank - 1, ctx).floorDiv(block));
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap ofBlock = AffineMap::get(rank, 0, blockExprs, ctx);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    SmallVector<utils::IteratorType> reduceLast(iterators);
    reduceLast.back() = utils::IteratorType::reduction;
    Value amax = linalg::GenericOp::create(
                     rewriter, loc, TypeRange{gridType}, ValueRange{input},
                     ValueRange{amaxInit},
                     SmallVector<AffineMap>{identity, ofBlock}, reduceLast,
                     [&](OpBuilder &b, Location l, ValueRange args) {
                       // maximumf: a NaN makes the block's maximum NaN.
                       Value m = arith::MaximumFOp::create(
                           b, l, args[1], math::AbsFOp::create(b, l, args[0]));
                       linalg::YieldOp::create(b, l, m);
                     })
                     .getResult(0);

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input, amax},
        ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes,
                                           rewriter.getF32Type())},
        SmallVector<AffineMap>{identity, ofBlock, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type f64 = b.getF64Type();
          Value m = arith::ExtFOp::create(b, l, f64, args[1]);
          // X = floor(log2(amax)) - emax in [-127, 127]; a zero or
          // subnormal amax takes -127 too.
          Value x = arith::SubIOp::create(b, l, exponentOf(b, l, m),
                                          i64Const(b, l, emax));
          x = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, x, i64Const(b, l, -127)),
              i64Const(b, l, 127));
          Value down = powerOfTwo(
              b, l, arith::SubIOp::create(b, l, i64Const(b, l, 0), x));
          Value v = arith::MulFOp::create(
              b, l, arith::ExtFOp::create(b, l, f64, args[0]), down);
          Value r = arith::MulFOp::create(b, l, roundOntoGrid(b, l, v, format),
                                          powerOfTwo(b, l, x));
          // The NaN scale of a block holding NaN or an infinity.
          Value finite = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OLE, m,
              f64Const(b, l,
                       APFloat::getLargest(APFloat::IEEEsingle())
                           .convertToDouble()));
          r = arith::SelectOp::create(b, l, finite, r,
                                      f64Const(b, l, std::nan("")));
          Value result = arith::TruncFOp::create(b, l, b.getF32Type(), r);
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void lowering::populateRoundToFloatPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRoundToFloat, LowerRoundToMX>(patterns.getContext());
}
