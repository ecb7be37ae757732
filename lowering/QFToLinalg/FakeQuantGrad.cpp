//===- FakeQuantGrad.cpp - The gradients of fake quantization -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf.fake_quant_grad becomes two linalg.generics over the input, computing
// numerics::fakeQuantGrad per element in f64: an elementwise one for the
// input gradient and a reduction for the scale and zero-point gradients,
// summed per parameter group. Where a group covers part of a dimension
// (blocked types), that dimension is first expanded into (groups, block),
// so every group is a set of whole loop dimensions.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"
#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// The loops: each input dimension d of size n with g[d] parameter groups
/// along it is one loop (n, reduced) when g = 1, one loop (n, a group
/// index) when g = n, else two: (g, a group index) and (n / g, reduced).
struct GradSpace {
  SmallVector<ReassociationIndices> reassociation;
  SmallVector<int64_t> shape;
  SmallVector<bool> isGroup;
  /// Per input dimension, its group loop, if any.
  SmallVector<std::optional<unsigned>> groupLoop;

  bool expands(int64_t rank) const { return int64_t(shape.size()) != rank; }
  SmallVector<int64_t> groupShape() const {
    SmallVector<int64_t> out;
    for (auto [size, group] : llvm::zip(shape, isGroup))
      if (group)
        out.push_back(size);
    return out;
  }
};

GradSpace gradSpace(ArrayRef<int64_t> inputShape, ArrayRef<int64_t> groups) {
  GradSpace space;
  for (auto [n, g] : llvm::zip(inputShape, groups)) {
    ReassociationIndices loops;
    std::optional<unsigned> groupLoop;
    if (g > 1) {
      groupLoop = space.shape.size();
      loops.push_back(space.shape.size());
      space.shape.push_back(g);
      space.isGroup.push_back(true);
    }
    if (g != n) {
      loops.push_back(space.shape.size());
      space.shape.push_back(n / g);
      space.isGroup.push_back(false);
    }
    space.reassociation.push_back(loops);
    space.groupLoop.push_back(groupLoop);
  }
  return space;
}

/// Parameter groups along each dimension of an input of `rank`.
SmallVector<int64_t> groupsOf(quant::QuantizedType q, int64_t rank) {
  SmallVector<int64_t> groups(rank, 1);
  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(q))
    llvm::copy(blocked.getScales().getType().getShape(), groups.begin());
  else if (std::optional<int32_t> axis = getQuantizedAxis(q))
    groups[*axis] = getScales(q).size();
  return groups;
}

struct LowerFakeQuantGrad : OpRewritePattern<FakeQuantGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FakeQuantGradOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto qtype = cast<quant::QuantizedType>(op.getQtype());
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto fType = cast<FloatType>(inputType.getElementType());
    int64_t rank = inputType.getRank();
    GradSpace space = gradSpace(inputType.getShape(), groupsOf(qtype, rank));
    unsigned loops = space.shape.size();

    auto expanded = RankedTensorType::get(space.shape, fType);
    auto expand = [&](Value v) -> Value {
      if (!space.expands(rank))
        return v;
      return tensor::ExpandShapeOp::create(rewriter, loc, expanded, v,
                                           space.reassociation);
    };
    Value x = expand(op.getInput()), dy = expand(op.getGrad());
    Rounding rounding = roundingOf(rewriter, op);
    if (rounding.mode == RoundingMode::stochastic)
      rounding.strides = rowMajorStrides(rewriter, loc, x); // same order

    // Scales and zero points, read per group loop.
    SmallVector<ParamVector> params = scaleAndZeroPoint(rewriter, qtype, fType);
    SmallVector<Value> paramInputs, scalars(2);
    SmallVector<AffineMap> paramMaps;
    for (auto [i, param] : llvm::enumerate(params)) {
      Value constant = paramConstant(rewriter, loc, param);
      if (param.grid.shape.empty()) {
        scalars[i] = constant;
        continue;
      }
      paramInputs.push_back(constant);
      SmallVector<AffineExpr> exprs;
      if (isa<quant::UniformQuantizedSubChannelType>(qtype)) {
        for (int64_t d = 0; d < rank; ++d)
          exprs.push_back(space.groupLoop[d]
                              ? getAffineDimExpr(*space.groupLoop[d], ctx)
                              : getAffineConstantExpr(0, ctx));
      } else {
        int32_t axis = *getQuantizedAxis(qtype);
        exprs.push_back(getAffineDimExpr(*space.groupLoop[axis], ctx));
      }
      paramMaps.push_back(AffineMap::get(loops, 0, exprs, ctx));
    }

    const double qmin = qtype.getStorageTypeMin();
    const double qmax = qtype.getStorageTypeMax();
    const bool identity = op.getSte() == StraightThrough::identity;
    Type f64 = rewriter.getF64Type();
    // d out/d x, d out/d scale and d out/d zero point of one element, in
    // f64, each times the incoming gradient.
    auto terms = [&](OpBuilder &b, Location l, ValueRange args) {
      auto f = [&](double v) -> Value {
        return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v));
      };
      auto wide = [&](Value v) -> Value {
        return arith::ExtFOp::create(b, l, f64, v);
      };
      Value scale = scalars[0] ? scalars[0] : args[2];
      Value zp = scalars[1] ? scalars[1] : args[2 + (scalars[0] ? 0 : 1)];
      Value s = wide(scale);
      Value z = arith::SIToFPOp::create(b, l, f64, zp);
      Value v = arith::DivFOp::create(b, l, wide(args[0]), s);
      Value code = arith::AddFOp::create(b, l, v, z);
      Value below =
          arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, code, f(qmin));
      Value above =
          arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, code, f(qmax));
      Value outside = arith::OrIOp::create(b, l, below, above);
      Value residual =
          arith::SubFOp::create(b, l, roundValue(b, l, v, rounding), v);
      Value dScale = arith::SelectOp::create(
          b, l, below, arith::SubFOp::create(b, l, f(qmin), z),
          arith::SelectOp::create(
              b, l, above, arith::SubFOp::create(b, l, f(qmax), z), residual));
      Value dZero = arith::SelectOp::create(
          b, l, outside, arith::NegFOp::create(b, l, s), f(0));
      Value dx =
          identity
              ? f(1)
              : arith::SelectOp::create(b, l, outside, f(0), f(1)).getResult();
      Value g = wide(args[1]);
      auto times = [&](Value t) -> Value {
        return arith::TruncFOp::create(b, l, fType,
                                       arith::MulFOp::create(b, l, t, g));
      };
      return std::array<Value, 3>{times(dx), times(dScale), times(dZero)};
    };

    SmallVector<Value> inputs = {x, dy};
    llvm::append_range(inputs, paramInputs);
    AffineMap all = rewriter.getMultiDimIdentityMap(loops);
    SmallVector<AffineMap> inputMaps = {all, all};
    llvm::append_range(inputMaps, paramMaps);

    // The input gradient, elementwise.
    SmallVector<AffineMap> maps = inputMaps;
    maps.push_back(all);
    Value dxInit = tensor::EmptyOp::create(rewriter, loc, space.shape, fType);
    Value dx =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{expanded}, inputs, ValueRange{dxInit},
            maps,
            SmallVector<utils::IteratorType>(loops,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, ValueRange{terms(b, l, args)[0]});
            })
            .getResult(0);
    if (space.expands(rank))
      dx = tensor::CollapseShapeOp::create(rewriter, loc, inputType, dx,
                                           space.reassociation);

    // The parameter gradients, summed over each group's loops.
    SmallVector<AffineExpr> groupExprs;
    SmallVector<utils::IteratorType> iterators;
    for (auto [d, group] : llvm::enumerate(space.isGroup)) {
      iterators.push_back(group ? utils::IteratorType::parallel
                                : utils::IteratorType::reduction);
      if (group)
        groupExprs.push_back(getAffineDimExpr(d, ctx));
    }
    auto groupMap = AffineMap::get(loops, 0, groupExprs, ctx);
    maps = inputMaps;
    maps.append({groupMap, groupMap});
    auto groupType = RankedTensorType::get(space.groupShape(), fType);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getFloatAttr(fType, 0.0));
    Value init =
        linalg::FillOp::create(rewriter, loc, zero,
                               ValueRange{tensor::EmptyOp::create(
                                   rewriter, loc, groupType.getShape(), fType)})
            .getResult(0);
    auto sums = linalg::GenericOp::create(
        rewriter, loc, TypeRange{groupType, groupType}, inputs,
        ValueRange{init, init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          std::array<Value, 3> t = terms(b, l, args);
          unsigned outs = args.size() - 2;
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::AddFOp::create(b, l, args[outs], t[1]),
                         arith::AddFOp::create(b, l, args[outs + 1], t[2])});
        });
    SmallVector<Value> results = {dx};
    auto resultType = cast<RankedTensorType>(op.getScaleGrad().getType());
    for (Value sum : sums.getResults()) {
      if (resultType != groupType) {
        std::optional<SmallVector<ReassociationIndices>> r =
            getReassociationIndicesForReshape(groupType, resultType);
        if (!r)
          return rewriter.notifyMatchFailure(op, "unexpected gradient shape");
        sum = tensor::ExpandShapeOp::create(rewriter, loc, resultType, sum, *r);
      }
      results.push_back(sum);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void lowering::populateFakeQuantGradPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerFakeQuantGrad>(patterns.getContext());
}
