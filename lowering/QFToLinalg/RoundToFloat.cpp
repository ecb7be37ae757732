//===- RoundToFloat.cpp - qf.round_to_float in f32 arithmetic -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Values rounded onto a low-precision float grid without the format's
// arithmetic (FP8 activations on the CPU): per element, with v = x / scale
// in f32, m the format's mantissa bits and emin its smallest normal
// exponent, the grid step at |v| is q = 2^(max(exponent(|v|), emin) - m),
// and |v| rounds to roundeven(|v| / q) * q: both scalings are by powers of
// two, so exact, and the one rounding is the format's (ties to even,
// subnormals below 2^emin by the fixed step 2^(emin - m)). Then the
// magnitude saturates at the largest finite value (infinity too; NaN
// stays NaN through minimumf), takes v's sign back (-0 included) and is
// multiplied by the scale.
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

struct LowerRoundToFloat : OpRewritePattern<RoundToFloatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RoundToFloatOp op,
                                PatternRewriter &rewriter) const override {
    const llvm::fltSemantics &format =
        cast<FloatType>(op.getFormat()).getFloatSemantics();
    int32_t mantissa = int32_t(APFloat::semanticsPrecision(format)) - 1;
    int32_t emin = APFloat::semanticsMinExponent(format);
    float largest = APFloat::getLargest(format).convertToDouble();
    float scale = op.getScale().convertToFloat();

    Location loc = op.getLoc();
    auto type = op.getOutput().getType();
    int64_t rank = type.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    if (type.getNumDynamicDims() != 0) {
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < rank; ++d)
        if (type.isDynamicDim(d))
          sizes.push_back(
              tensor::DimOp::create(rewriter, loc, op.getInput(), d));
      init = tensor::EmptyOp::create(rewriter, loc, type, sizes);
    }
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{op.getInput()},
        ValueRange{init}, SmallVector<AffineMap>{identity, identity},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type f32 = b.getF32Type(), i32 = b.getI32Type();
          auto f32Const = [&](float v) {
            return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
          };
          auto i32Const = [&](int32_t v) {
            return arith::ConstantOp::create(b, l, b.getI32IntegerAttr(v));
          };
          // 2^e for an i32 e in the normal f32 range.
          auto powerOfTwo = [&](Value e) {
            Value biased = arith::AddIOp::create(b, l, e, i32Const(127));
            Value shifted = arith::ShLIOp::create(b, l, biased, i32Const(23));
            return arith::BitcastOp::create(b, l, f32, shifted);
          };
          Value v = arith::DivFOp::create(b, l, args[0], f32Const(scale));
          Value a = math::AbsFOp::create(b, l, v);
          Value bits = arith::BitcastOp::create(b, l, i32, a);
          Value exponent = arith::SubIOp::create(
              b, l, arith::ShRUIOp::create(b, l, bits, i32Const(23)),
              i32Const(127));
          // Infinity and NaN have exponent 128; 127 keeps the steps normal
          // and still overflows to the saturation below.
          exponent = arith::MinSIOp::create(
              b, l, arith::MaxSIOp::create(b, l, exponent, i32Const(emin)),
              i32Const(127));
          Value step =
              arith::SubIOp::create(b, l, exponent, i32Const(mantissa));
          Value up = powerOfTwo(arith::SubIOp::create(b, l, i32Const(0), step));
          Value rounded = math::RoundEvenOp::create(
              b, l, arith::MulFOp::create(b, l, a, up));
          Value magnitude =
              arith::MulFOp::create(b, l, rounded, powerOfTwo(step));
          magnitude =
              arith::MinimumFOp::create(b, l, magnitude, f32Const(largest));
          Value signed_ = math::CopySignOp::create(b, l, magnitude, v);
          Value result = arith::MulFOp::create(b, l, signed_, f32Const(scale));
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void lowering::populateRoundToFloatPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRoundToFloat>(patterns.getContext());
}
