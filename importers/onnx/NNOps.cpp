//===- NNOps.cpp - ONNX matmuls, reductions and normalizations ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// MatMul and Gemm become linalg.matmul (leading dims of the left operand
// folded into M, so a [B, T, K] x [K, N] layer is one matmul with a
// constant weight, which is what the quantization passes look for) or
// linalg.batch_matmul; reductions, Softmax, LogSoftmax and
// LayerNormalization are generics with f32 accumulation.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

namespace {

Value zeros(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elem) {
  return filled(b, loc, shape, cast<TypedAttr>(b.getZeroAttr(elem)));
}
Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type elem) {
  return filled(b, loc, sizes, cast<TypedAttr>(b.getZeroAttr(elem)));
}

/// `v` with its dimensions grouped by `groups` into a collapse_shape, or
/// expanded back to `sizes` by the same groups.
Value collapse(OpBuilder &b, Location loc, Value v,
               ArrayRef<ReassociationIndices> groups) {
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}
Value expand(OpBuilder &b, Location loc, Value v,
             ArrayRef<ReassociationIndices> groups,
             ArrayRef<OpFoldResult> sizes) {
  auto type = RankedTensorType::get(
      staticShape(sizes), cast<RankedTensorType>(v.getType()).getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, v, groups, sizes);
}

/// Groups [0, n - k), then each of the last k dimensions alone.
SmallVector<ReassociationIndices> leadingGroup(int64_t n, int64_t k) {
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t i = 0; i < n - k; ++i)
    groups[0].push_back(i);
  for (int64_t i = n - k; i < n; ++i)
    groups.push_back({i});
  return groups;
}

/// matmul() where a dimension is dynamic (batch or sequence): the same
/// contractions, with the leading dimensions grouped by collapse_shape and
/// restored by expand_shape (float operands of rank 2 or more).
FailureOr<Value> dynamicMatmul(NodeContext &ctx, Value a, Value bv) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(bv.getType());
  Type elem = at.getElementType();
  int64_t ra = at.getRank(), rb = bt.getRank();
  if (ra < 2 || rb < 2)
    return ctx.error() << "a matrix-vector product with dynamic dimensions ("
                       << at << " x " << bt << ") is not supported";
  int64_t k = at.getDimSize(ra - 1), k2 = bt.getDimSize(rb - 2);
  if (k != k2 && !ShapedType::isDynamic(k) && !ShapedType::isDynamic(k2))
    return ctx.error() << "inner dimensions differ: " << at << " x " << bt;
  SmallVector<OpFoldResult> aSizes = dimsOf(b, a), bSizes = dimsOf(b, bv);
  if (rb == 2) {
    // [.., M, K] x [K, N]: one matmul over all rows.
    Value lhs = ra > 2 ? collapse(b, loc, a, leadingGroup(ra, 1)) : a;
    Value init = zeros(b, loc, {dimOf(b, lhs, 0), bSizes[1]}, elem);
    Value result = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                            ValueRange{lhs, bv}, init)
                       .getResult(0);
    if (ra == 2)
      return result;
    SmallVector<OpFoldResult> sizes(ArrayRef(aSizes).drop_back());
    sizes.push_back(bSizes[1]);
    return expand(b, loc, result, leadingGroup(ra, 1), sizes);
  }
  auto batch =
      broadcastShapes(at.getShape().drop_back(2), bt.getShape().drop_back(2));
  if (failed(batch))
    return ctx.error() << "batch dimensions do not broadcast: " << at << " x "
                       << bt;
  // Each batch size: static from either operand, else a dynamic one's.
  int64_t nb = batch->size();
  SmallVector<OpFoldResult> batchSizes;
  for (int64_t i = 0; i < nb; ++i) {
    int64_t ia = i - (nb - (ra - 2)), ib = i - (nb - (rb - 2));
    if (!ShapedType::isDynamic((*batch)[i]))
      batchSizes.push_back(b.getIndexAttr((*batch)[i]));
    else if (ia >= 0 && at.isDynamicDim(ia))
      batchSizes.push_back(aSizes[ia]);
    else
      batchSizes.push_back(bSizes[ib]);
  }
  SmallVector<OpFoldResult> aTarget(batchSizes), bTarget(batchSizes);
  aTarget.append({aSizes[ra - 2], aSizes[ra - 1]});
  bTarget.append({bSizes[rb - 2], bSizes[rb - 1]});
  auto ab = broadcastTo(ctx, a, aTarget);
  auto bb = broadcastTo(ctx, bv, bTarget);
  if (failed(ab) || failed(bb))
    return failure();
  SmallVector<ReassociationIndices> groups = leadingGroup(nb + 2, 2);
  Value lhs = collapse(b, loc, *ab, groups);
  Value rhs = collapse(b, loc, *bb, groups);
  Value init = zeros(
      b, loc, {dimOf(b, lhs, 0), dimOf(b, lhs, 1), dimOf(b, rhs, 2)}, elem);
  Value result =
      linalg::BatchMatmulOp::create(b, loc, TypeRange{init.getType()},
                                    ValueRange{lhs, rhs}, init)
          .getResult(0);
  SmallVector<OpFoldResult> sizes(batchSizes);
  sizes.append({aSizes[ra - 2], bSizes[rb - 1]});
  return expand(b, loc, result, groups, sizes);
}

/// a [.., M, K] x b [.., K, N] with NumPy batch broadcasting.
FailureOr<Value> matmul(NodeContext &ctx, Value a, Value bv) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(bv.getType());
  Type elem = at.getElementType();
  if (!isa<FloatType>(elem) || bt.getElementType() != elem)
    return ctx.error() << "expects float operands of one type, got " << at
                       << " and " << bt;
  if (!at.hasStaticShape() || !bt.hasStaticShape())
    return dynamicMatmul(ctx, a, bv);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  if (at.getRank() == 0 || bt.getRank() == 0)
    return ctx.error() << "operands must have rank 1 or more, got " << at
                       << " and " << bt;
  // Vectors: [K] is [1, K] on the left and [K, 1] on the right.
  bool squeezeM = at.getRank() == 1, squeezeN = bt.getRank() == 1;
  if (squeezeM)
    a = reshape(b, loc, a, {1, at.getDimSize(0)});
  if (squeezeN)
    bv = reshape(b, loc, bv, {bt.getDimSize(0), 1});
  at = cast<RankedTensorType>(a.getType());
  bt = cast<RankedTensorType>(bv.getType());
  int64_t m = at.getDimSize(at.getRank() - 2),
          k = at.getDimSize(at.getRank() - 1);
  int64_t k2 = bt.getDimSize(bt.getRank() - 2),
          n = bt.getDimSize(bt.getRank() - 1);
  if (k != k2)
    return ctx.error() << "inner dimensions differ: " << at << " x " << bt;
  auto batchA = at.getShape().drop_back(2), batchB = bt.getShape().drop_back(2);
  auto batch = broadcastShapes(batchA, batchB);
  if (failed(batch))
    return ctx.error() << "batch dimensions do not broadcast: " << at << " x "
                       << bt;
  SmallVector<int64_t> outShape(*batch);
  outShape.append({m, n});
  Value result;
  if (batchB.empty()) {
    // [.., M, K] x [K, N]: one matmul over all rows.
    int64_t rows = 1;
    for (int64_t d : at.getShape().drop_back())
      rows *= d;
    Value lhs = reshape(b, loc, a, {rows, k});
    result =
        linalg::MatmulOp::create(
            b, loc, TypeRange{RankedTensorType::get({rows, n}, elem)},
            ValueRange{lhs, bv}, ValueRange{zeros(b, loc, {rows, n}, elem)})
            .getResult(0);
  } else {
    int64_t count = 1;
    for (int64_t d : *batch)
      count *= d;
    SmallVector<int64_t> aShape(*batch), bShape(*batch);
    aShape.append({m, k});
    bShape.append({k, n});
    auto ab =
        broadcastTo(ctx, a, getAsIndexOpFoldResult(b.getContext(), aShape));
    auto bb =
        broadcastTo(ctx, bv, getAsIndexOpFoldResult(b.getContext(), bShape));
    if (failed(ab) || failed(bb))
      return failure();
    Value lhs = reshape(b, loc, *ab, {count, m, k});
    Value rhs = reshape(b, loc, *bb, {count, k, n});
    result = linalg::BatchMatmulOp::create(
                 b, loc, TypeRange{RankedTensorType::get({count, m, n}, elem)},
                 ValueRange{lhs, rhs},
                 ValueRange{zeros(b, loc, {count, m, n}, elem)})
                 .getResult(0);
  }
  SmallVector<int64_t> finalShape(*batch);
  if (!squeezeM)
    finalShape.push_back(m);
  if (!squeezeN)
    finalShape.push_back(n);
  return reshape(b, loc, result, finalShape);
}

LogicalResult convertMatMul(NodeContext &ctx) {
  auto r = matmul(ctx, ctx.value(0), ctx.value(1));
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r);
  return success();
}

Value add(NodeContext &ctx, Value a, Value b) {
  return *elementwise(
      ctx, {a, b}, getElementTypeOrSelf(a.getType()),
      [](OpBuilder &nb, Location loc, ValueRange s) {
        return arith::AddFOp::create(nb, loc, s[0], s[1]).getResult();
      });
}

Value scale(NodeContext &ctx, Value a, double factor) {
  return *elementwise(
      ctx, {a}, getElementTypeOrSelf(a.getType()),
      [&](OpBuilder &nb, Location loc, ValueRange s) {
        return arith::MulFOp::create(
                   nb, loc, s[0],
                   scalarConstant(nb, loc, s[0].getType(), factor))
            .getResult();
      });
}

/// Y = alpha op(A) op(B) + beta C. Constant operands are transposed (and
/// scaled) at import, so a Gemm layer is a matmul with a constant weight.
LogicalResult convertGemm(NodeContext &ctx) {
  if (ctx.input(0).type().getRank() != 2 || ctx.input(1).type().getRank() != 2)
    return ctx.error() << "A and B must be matrices";
  auto operand = [&](size_t i, bool trans) -> Value {
    const Tensor &t = ctx.input(i);
    if (DenseElementsAttr c = t.denseConstant(); c && trans)
      return ctx.materialize(Tensor{{}, transposeConstant(c, {1, 0}), false});
    return trans ? transpose(ctx.b, ctx.loc, ctx.value(i), {1, 0})
                 : ctx.value(i);
  };
  Value a = operand(0, ctx.attrInt("transA", 0));
  Value bv = operand(1, ctx.attrInt("transB", 0));
  auto y = matmul(ctx, a, bv);
  if (failed(y))
    return failure();
  Value result = *y;
  double alpha = ctx.attrFloat("alpha", 1.0f),
         beta = ctx.attrFloat("beta", 1.0f);
  if (alpha != 1.0)
    result = scale(ctx, result, alpha);
  if (ctx.hasInput(2) && beta != 0.0) {
    Value c = ctx.value(2);
    if (beta != 1.0)
      c = scale(ctx, c, beta);
    auto shape = broadcastShapes(cast<ShapedType>(c.getType()).getShape(),
                                 cast<ShapedType>(result.getType()).getShape());
    if (failed(shape) || ArrayRef<int64_t>(*shape) !=
                             cast<ShapedType>(result.getType()).getShape())
      return ctx.error() << "C does not broadcast to the product";
    result = add(ctx, result, c);
  }
  ctx.setOutput(0, result);
  return success();
}

/// Reduction axes: the attribute (or, from `inputOpset`, input 1); all axes
/// when none are given, unless noop_with_empty_axes.
FailureOr<SmallVector<int64_t>> reductionAxes(NodeContext &ctx, int64_t rank,
                                              int64_t inputOpset) {
  SmallVector<int64_t> raw;
  if (ctx.opset >= inputOpset) {
    if (ctx.hasInput(1)) {
      auto a = ctx.constInts(1, "axes");
      if (failed(a))
        return failure();
      raw = *a;
    }
  } else if (auto a = ctx.attrInts("axes")) {
    raw = *a;
  }
  SmallVector<int64_t> axes;
  if (raw.empty()) {
    if (ctx.attrInt("noop_with_empty_axes", 0))
      return axes;
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
    return axes;
  }
  for (int64_t a : raw) {
    auto n = normalizeAxis(a, rank);
    if (failed(n))
      return ctx.error() << "axis " << a << " out of range", failure();
    axes.push_back(*n);
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

enum class ReduceKind { Sum, Mean, Max };

Converter convertReduce(ReduceKind kind) {
  return [kind](NodeContext &ctx) -> LogicalResult {
    RankedTensorType type = ctx.input(0).type();
    Type elem = type.getElementType();
    if (!isa<FloatType>(elem))
      return ctx.error() << "expects a float tensor";
    // ReduceSum takes axes as an input from opset 13, the others from 18.
    auto axes =
        reductionAxes(ctx, type.getRank(), kind == ReduceKind::Sum ? 13 : 18);
    if (failed(axes))
      return failure();
    if (axes->empty()) {
      ctx.setOutput(0, ctx.value(0));
      return success();
    }
    bool keep = ctx.attrInt("keepdims", 1);
    OpBuilder &b = ctx.b;
    TypedAttr init =
        kind == ReduceKind::Max
            ? TypedAttr(b.getFloatAttr(
                  elem,
                  APFloat::getInf(cast<FloatType>(elem).getFloatSemantics(),
                                  /*Negative=*/true)))
            : TypedAttr(b.getFloatAttr(elem, 0.0));
    Value r = reduce(b, ctx.loc, ctx.value(0), *axes, keep, init,
                     [&](OpBuilder &nb, Location loc, ValueRange s) -> Value {
                       if (kind == ReduceKind::Max)
                         return arith::MaximumFOp::create(nb, loc, s[0], s[1]);
                       return arith::AddFOp::create(nb, loc, s[0], s[1]);
                     });
    if (kind == ReduceKind::Mean) {
      int64_t count = 1;
      for (int64_t a : *axes) {
        if (type.isDynamicDim(a))
          return ctx.error()
                 << "averages over dynamic dimension " << a << " of " << type
                 << "; bind it with --input-shape";
        count *= type.getDimSize(a);
      }
      r = scale(ctx, r, 1.0 / double(count));
    }
    ctx.setOutput(0, r);
    return success();
  };
}

/// exp(x - max) / sum(exp(x - max)) over `axes`, or its log.
Converter convertSoftmax(bool logarithm) {
  return [logarithm](NodeContext &ctx) -> LogicalResult {
    RankedTensorType type = ctx.input(0).type();
    Type elem = type.getElementType();
    if (!isa<FloatType>(elem))
      return ctx.error() << "expects a float tensor";
    int64_t rank = type.getRank();
    auto axis =
        normalizeAxis(ctx.attrInt("axis", ctx.opset >= 13 ? -1 : 1), rank);
    if (failed(axis))
      return ctx.error() << "axis out of range";
    // Before opset 13 the input is flattened at `axis`: the reduction runs
    // over every dimension from there.
    SmallVector<int64_t> axes;
    for (int64_t d = *axis; d < (ctx.opset >= 13 ? *axis + 1 : rank); ++d)
      axes.push_back(d);
    OpBuilder &b = ctx.b;
    Location loc = ctx.loc;
    Value x = ctx.value(0);
    Value max = reduce(
        b, loc, x, axes, /*keepDims=*/true,
        b.getFloatAttr(
            elem, APFloat::getInf(cast<FloatType>(elem).getFloatSemantics(),
                                  /*Negative=*/true)),
        [](OpBuilder &nb, Location l, ValueRange s) -> Value {
          return arith::MaximumFOp::create(nb, l, s[0], s[1]);
        });
    Value shifted = *elementwise(
        ctx, {x, max}, elem, [](OpBuilder &nb, Location l, ValueRange s) {
          return arith::SubFOp::create(nb, l, s[0], s[1]).getResult();
        });
    Value e = *elementwise(
        ctx, {shifted}, elem, [](OpBuilder &nb, Location l, ValueRange s) {
          return math::ExpOp::create(nb, l, s[0]).getResult();
        });
    Value sum =
        reduce(b, loc, e, axes, /*keepDims=*/true, b.getFloatAttr(elem, 0.0),
               [](OpBuilder &nb, Location l, ValueRange s) -> Value {
                 return arith::AddFOp::create(nb, l, s[0], s[1]);
               });
    Value y =
        *elementwise(ctx, {logarithm ? shifted : e, sum}, elem,
                     [&](OpBuilder &nb, Location l, ValueRange s) -> Value {
                       if (logarithm)
                         return arith::SubFOp::create(
                             nb, l, s[0], math::LogOp::create(nb, l, s[1]));
                       return arith::DivFOp::create(nb, l, s[0], s[1]);
                     });
    ctx.setOutput(0, y);
    return success();
  };
}

/// (x - mean) / sqrt(var + epsilon) * scale + bias over the dims from
/// `axis` on.
LogicalResult convertLayerNorm(NodeContext &ctx) {
  RankedTensorType type = ctx.input(0).type();
  Type elem = type.getElementType();
  if (!isa<FloatType>(elem))
    return ctx.error() << "expects a float tensor";
  int64_t rank = type.getRank();
  auto axis = normalizeAxis(ctx.attrInt("axis", -1), rank);
  if (failed(axis))
    return ctx.error() << "axis out of range";
  if (ctx.numOutputs() > 1)
    return ctx.error() << "the Mean and InvStdDev outputs are not supported";
  SmallVector<int64_t> axes;
  int64_t count = 1;
  for (int64_t d = *axis; d < rank; ++d) {
    if (type.isDynamicDim(d))
      return ctx.error() << "normalizes over dynamic dimension " << d << " of "
                         << type << "; bind it with --input-shape";
    axes.push_back(d);
    count *= type.getDimSize(d);
  }
  double epsilon = ctx.attrFloat("epsilon", 1e-5f);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.value(0);
  auto sumOf = [&](Value v) {
    return scale(ctx,
                 reduce(b, loc, v, axes, /*keepDims=*/true,
                        b.getFloatAttr(elem, 0.0),
                        [](OpBuilder &nb, Location l, ValueRange s) -> Value {
                          return arith::AddFOp::create(nb, l, s[0], s[1]);
                        }),
                 1.0 / double(count));
  };
  Value mean = sumOf(x);
  Value centered = *elementwise(
      ctx, {x, mean}, elem, [](OpBuilder &nb, Location l, ValueRange s) {
        return arith::SubFOp::create(nb, l, s[0], s[1]).getResult();
      });
  Value var = sumOf(*elementwise(
      ctx, {centered}, elem, [](OpBuilder &nb, Location l, ValueRange s) {
        return arith::MulFOp::create(nb, l, s[0], s[0]).getResult();
      }));
  SmallVector<Value> operands = {centered, var, ctx.value(1)};
  if (ctx.hasInput(2))
    operands.push_back(ctx.value(2));
  auto y = elementwise(
      ctx, operands, elem, [&](OpBuilder &nb, Location l, ValueRange s) {
        Value eps = scalarConstant(nb, l, elem, epsilon);
        Value inv = math::RsqrtOp::create(
            nb, l, arith::AddFOp::create(nb, l, s[1], eps));
        Value r = arith::MulFOp::create(
            nb, l, arith::MulFOp::create(nb, l, s[0], inv), s[2]);
        return s.size() > 3 ? arith::AddFOp::create(nb, l, r, s[3]).getResult()
                            : r;
      });
  if (failed(y))
    return failure();
  ctx.setOutput(0, *y);
  return success();
}

} // namespace

void onnx_import::registerNNOps(ConverterTable &t) {
  t["MatMul"] = convertMatMul;
  t["Gemm"] = convertGemm;
  t["ReduceSum"] = convertReduce(ReduceKind::Sum);
  t["ReduceMean"] = convertReduce(ReduceKind::Mean);
  t["ReduceMax"] = convertReduce(ReduceKind::Max);
  t["Softmax"] = convertSoftmax(/*logarithm=*/false);
  t["LogSoftmax"] = convertSoftmax(/*logarithm=*/true);
  t["LayerNormalization"] = convertLayerNorm;
  registerConvOps(t);
}
