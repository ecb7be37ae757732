//===- ShapeOps.cpp - ONNX shape and data-movement operators --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reshape, Flatten, Squeeze, Unsqueeze (tensor reshapes), Transpose
// (linalg.transpose), Concat, Slice, Split (tensor slices), Gather (a
// linalg.generic that extracts), Expand, Trilu, and the shape producers
// Shape, ConstantOfShape, Range. Every shape operand must be known at
// import: a constant, or computed by these same operators and the integer
// elementwise ones from the dimensions of tensors (Tensor::symbolic), which
// they fold. Dimensions the graph leaves open stay dynamic: a dimension is
// then an index value of the function (dimOf), so Reshape, Expand, Range
// and ConstantOfShape make tensors of dynamic size.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

namespace {

constexpr int64_t kFoldLimit = 1 << 16;

bool foldable(const Tensor &t) {
  return t.constant && t.constant.getNumElements() <= kFoldLimit;
}

/// Output `i` is input 0 with a new static shape.
LogicalResult reshapeTo(NodeContext &ctx, ArrayRef<int64_t> shape) {
  const Tensor &in = ctx.input(0);
  if (in.symbolicType && shape.size() <= 1 &&
      (shape.empty() ? 1 : shape[0]) == int64_t(in.symbolic.size())) {
    ctx.setOutput(0, in.symbolic,
                  RankedTensorType::get(shape, in.type().getElementType()),
                  in.isUnsigned);
    return success();
  }
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count != in.type().getNumElements())
    return ctx.error() << "cannot reshape " << in.type() << " to [" << shape
                       << "]";
  if (DenseElementsAttr c = in.constant) {
    ctx.setOutput(
        0, c.reshape(RankedTensorType::get(shape, in.type().getElementType())),
        in.isUnsigned);
    return success();
  }
  ctx.setOutput(0, reshape(ctx.b, ctx.loc, ctx.value(0), shape), in.isUnsigned);
  return success();
}

/// Output 0 = input 0 reshaped to `sizes` (some dynamic).
LogicalResult reshapeToSizes(NodeContext &ctx, ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape = staticShape(sizes);
  if (!ShapedType::isDynamicShape(shape) &&
      ctx.input(0).type().hasStaticShape())
    return reshapeTo(ctx, shape);
  ctx.setOutput(0, reshape(ctx.b, ctx.loc, ctx.value(0), sizes),
                ctx.input(0).isUnsigned);
  return success();
}

/// The product of `sizes`: a static factor and the dynamic sizes.
std::pair<int64_t, SmallVector<Value>> product(ArrayRef<OpFoldResult> sizes) {
  std::pair<int64_t, SmallVector<Value>> p = {1, {}};
  for (OpFoldResult s : sizes) {
    if (std::optional<int64_t> c = getConstantIntValue(s))
      p.first *= *c;
    else
      p.second.push_back(cast<Value>(s));
  }
  return p;
}

/// Reshape to a shape that is not a constant (computed from dynamic
/// dimensions): 0 copies the input's dimension, -1 is the quotient of the
/// element counts, cancelling the dynamic dimensions both share.
LogicalResult convertDynamicReshape(NodeContext &ctx) {
  auto target = ctx.knownInts(1, "shape");
  if (failed(target))
    return failure();
  OpBuilder &b = ctx.b;
  Value in = ctx.value(0);
  SmallVector<OpFoldResult> inSizes = dimsOf(b, in);
  bool allowZero = ctx.attrInt("allowzero", 0);
  SmallVector<OpFoldResult> sizes;
  std::optional<size_t> inferred;
  for (auto [i, d] : llvm::enumerate(*target)) {
    std::optional<int64_t> c = getConstantIntValue(d);
    if (c == 0 && !allowZero) {
      if (i >= inSizes.size())
        return ctx.error() << "shape dimension " << i
                           << " copies an input dimension that does not exist";
      d = inSizes[i];
    } else if (c == -1) {
      if (inferred)
        return ctx.error() << "shape has more than one -1";
      inferred = i;
    } else if (c && *c < 0) {
      return ctx.error() << "shape has negative dimension " << *c;
    }
    sizes.push_back(d);
  }
  if (inferred) {
    SmallVector<OpFoldResult> known(sizes);
    known.erase(known.begin() + *inferred);
    auto [num, numValues] = product(inSizes);
    auto [den, denValues] = product(known);
    for (Value v : llvm::make_early_inc_range(denValues))
      if (auto *it = llvm::find(numValues, v); it != numValues.end()) {
        numValues.erase(it);
        denValues.erase(llvm::find(denValues, v));
      }
    if (den == 0 || (denValues.empty() && num % den))
      return ctx.error() << "cannot infer the -1 of the shape for "
                         << ctx.input(0).type();
    if (numValues.empty() && denValues.empty()) {
      sizes[*inferred] = b.getIndexAttr(num / den);
    } else {
      Location loc = ctx.loc;
      Value n = arith::ConstantIndexOp::create(b, loc, num);
      for (Value v : numValues)
        n = arith::MulIOp::create(b, loc, n, v);
      Value d = arith::ConstantIndexOp::create(b, loc, den);
      for (Value v : denValues)
        d = arith::MulIOp::create(b, loc, d, v);
      sizes[*inferred] = arith::DivUIOp::create(b, loc, n, d).getResult();
    }
  }
  return reshapeToSizes(ctx, sizes);
}

LogicalResult convertReshape(NodeContext &ctx) {
  if (!ctx.input(0).type().hasStaticShape() || ctx.input(1).symbolicType)
    return convertDynamicReshape(ctx);
  auto target = ctx.constInts(1, "shape");
  if (failed(target))
    return failure();
  ArrayRef<int64_t> inShape = ctx.input(0).type().getShape();
  bool allowZero = ctx.attrInt("allowzero", 0);
  SmallVector<int64_t> shape;
  int64_t known = 1, inferred = -1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == 0 && !allowZero) {
      if (i >= inShape.size())
        return ctx.error() << "shape dimension " << i
                           << " copies an input dimension that does not exist";
      d = inShape[i];
    }
    if (d == -1) {
      if (inferred >= 0)
        return ctx.error() << "shape has more than one -1";
      inferred = i;
    } else if (d < 0) {
      return ctx.error() << "shape has negative dimension " << d;
    } else if (d > 1 && known > kMaxElements / d) {
      return ctx.error() << "shape [" << *target
                         << "] has more than 2^40 elements";
    } else {
      known *= d;
    }
    shape.push_back(d);
  }
  int64_t count = ctx.input(0).type().getNumElements();
  if (inferred >= 0) {
    if (known == 0 || count % known)
      return ctx.error() << "cannot infer the -1 of [" << *target << "] for "
                         << ctx.input(0).type();
    shape[inferred] = count / known;
  }
  return reshapeTo(ctx, shape);
}

LogicalResult convertFlatten(NodeContext &ctx) {
  ArrayRef<int64_t> in = ctx.input(0).type().getShape();
  auto axis = normalizeAxis(ctx.attrInt("axis", 1), in.size() + 1);
  if (failed(axis))
    return ctx.error() << "axis out of range";
  if (!ctx.input(0).type().hasStaticShape()) {
    Value v = ctx.value(0);
    SmallVector<ReassociationIndices> groups(2);
    for (int64_t i = 0; i < int64_t(in.size()); ++i)
      groups[i < *axis ? 0 : 1].push_back(i);
    // A rank-0 side is one unit dimension.
    if (groups[0].empty() || groups[1].empty())
      return ctx.error() << "flattens a dynamic tensor at its edge";
    ctx.setOutput(0, tensor::CollapseShapeOp::create(ctx.b, ctx.loc, v, groups),
                  ctx.input(0).isUnsigned);
    return success();
  }
  int64_t outer = 1, inner = 1;
  for (auto [i, d] : llvm::enumerate(in))
    (int64_t(i) < *axis ? outer : inner) *= d;
  return reshapeTo(ctx, {outer, inner});
}

/// Axes from the attribute (before `inputOpset`) or input 1.
FailureOr<std::optional<SmallVector<int64_t>>> axesOf(NodeContext &ctx,
                                                      int64_t inputOpset) {
  if (ctx.opset < inputOpset)
    return ctx.attrInts("axes");
  if (!ctx.hasInput(1))
    return std::optional<SmallVector<int64_t>>();
  auto axes = ctx.constInts(1, "axes");
  if (failed(axes))
    return failure();
  return std::optional<SmallVector<int64_t>>(*axes);
}

LogicalResult convertSqueeze(NodeContext &ctx) {
  ArrayRef<int64_t> in = ctx.input(0).type().getShape();
  auto axes = axesOf(ctx, 13);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> drop;
  if (*axes) {
    for (int64_t a : **axes) {
      auto n = normalizeAxis(a, in.size());
      if (failed(n) || in[*n] != 1)
        return ctx.error() << "cannot squeeze axis " << a << " of "
                           << ctx.input(0).type();
      drop.push_back(*n);
    }
  } else {
    for (auto [i, d] : llvm::enumerate(in))
      if (d == 1)
        drop.push_back(i);
  }
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  for (auto [i, d] : llvm::enumerate(in))
    if (!llvm::is_contained(drop, int64_t(i))) {
      shape.push_back(d);
      if (ShapedType::isDynamic(d))
        sizes.push_back(dimOf(ctx.b, ctx.value(0), i));
      else
        sizes.push_back(ctx.b.getIndexAttr(d));
    }
  if (!ctx.input(0).type().hasStaticShape())
    return reshapeToSizes(ctx, sizes);
  return reshapeTo(ctx, shape);
}

LogicalResult convertUnsqueeze(NodeContext &ctx) {
  ArrayRef<int64_t> in = ctx.input(0).type().getShape();
  auto axes = axesOf(ctx, 13);
  if (failed(axes))
    return failure();
  if (!*axes)
    return ctx.error() << "needs axes";
  int64_t rank = in.size() + (*axes)->size();
  SmallVector<int64_t> inserted;
  for (int64_t a : **axes) {
    auto n = normalizeAxis(a, rank);
    if (failed(n) || llvm::is_contained(inserted, *n))
      return ctx.error() << "bad axis " << a;
    inserted.push_back(*n);
  }
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  size_t next = 0;
  bool dynamic = !ctx.input(0).type().hasStaticShape();
  for (int64_t i = 0; i < rank; ++i) {
    bool unit = llvm::is_contained(inserted, i);
    shape.push_back(unit ? 1 : in[next]);
    if (dynamic)
      sizes.push_back(unit ? OpFoldResult(ctx.b.getIndexAttr(1))
                           : dimOf(ctx.b, ctx.value(0), next));
    next += !unit;
  }
  if (dynamic)
    return reshapeToSizes(ctx, sizes);
  return reshapeTo(ctx, shape);
}

LogicalResult convertTranspose(NodeContext &ctx) {
  int64_t rank = ctx.input(0).type().getRank();
  SmallVector<int64_t> perm;
  if (auto p = ctx.attrInts("perm"))
    perm = *p;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  if (int64_t(perm.size()) != rank ||
      !llvm::equal(sorted, llvm::seq<int64_t>(0, rank)))
    return ctx.error() << "perm is not a permutation of the " << rank
                       << " dimensions";
  const Tensor &in = ctx.input(0);
  if (in.constant) {
    ctx.setOutput(0, transposeConstant(in.constant, perm), in.isUnsigned);
    return success();
  }
  ctx.setOutput(0, transpose(ctx.b, ctx.loc, ctx.value(0), perm),
                in.isUnsigned);
  return success();
}

/// Copies `in` (a foldable constant) sliced along every dimension.
DenseElementsAttr sliceConstant(DenseElementsAttr in, ArrayRef<int64_t> offsets,
                                ArrayRef<int64_t> sizes,
                                ArrayRef<int64_t> strides) {
  auto type = cast<RankedTensorType>(in.getType());
  SmallVector<Attribute> values(in.getValues<Attribute>());
  SmallVector<Attribute> out;
  int64_t rank = type.getRank();
  SmallVector<int64_t> index(rank, 0);
  int64_t count = 1;
  for (int64_t s : sizes)
    count *= s;
  for (int64_t n = 0; n < count; ++n) {
    int64_t flat = 0;
    for (int64_t i = 0; i < rank; ++i)
      flat = flat * type.getDimSize(i) + offsets[i] + index[i] * strides[i];
    out.push_back(values[flat]);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++index[i] < sizes[i])
        break;
      index[i] = 0;
    }
  }
  return DenseElementsAttr::get(
      RankedTensorType::get(sizes, type.getElementType()), out);
}

/// Output `i` = input 0 sliced (static offsets, sizes, positive strides;
/// kDynamic sizes take the whole dynamic dimension).
void setSlice(NodeContext &ctx, size_t i, ArrayRef<int64_t> offsets,
              ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides) {
  const Tensor &in = ctx.input(0);
  if (in.symbolicType && sizes.size() == 1) {
    SmallVector<OpFoldResult> elements;
    for (int64_t k = 0; k < sizes[0]; ++k)
      elements.push_back(in.symbolic[offsets[0] + k * strides[0]]);
    ctx.setOutput(i, elements,
                  RankedTensorType::get(sizes, in.type().getElementType()),
                  in.isUnsigned);
    return;
  }
  if (ShapedType::isDynamicShape(sizes)) {
    MLIRContext *mctx = ctx.b.getContext();
    SmallVector<OpFoldResult> mixed;
    for (auto [d, size] : llvm::enumerate(sizes))
      mixed.push_back(ShapedType::isDynamic(size)
                          ? dimOf(ctx.b, ctx.value(0), d)
                          : OpFoldResult(ctx.b.getIndexAttr(size)));
    Value v = tensor::ExtractSliceOp::create(
        ctx.b, ctx.loc, ctx.value(0), getAsIndexOpFoldResult(mctx, offsets),
        mixed, getAsIndexOpFoldResult(mctx, strides));
    ctx.setOutput(i, v, in.isUnsigned);
    return;
  }
  if (foldable(in)) {
    ctx.setOutput(i, sliceConstant(in.constant, offsets, sizes, strides),
                  in.isUnsigned);
    return;
  }
  MLIRContext *mctx = ctx.b.getContext();
  Value v = tensor::ExtractSliceOp::create(
      ctx.b, ctx.loc, ctx.value(0), getAsIndexOpFoldResult(mctx, offsets),
      getAsIndexOpFoldResult(mctx, sizes),
      getAsIndexOpFoldResult(mctx, strides));
  ctx.setOutput(i, v, in.isUnsigned);
}

LogicalResult convertSlice(NodeContext &ctx) {
  ArrayRef<int64_t> shape = ctx.input(0).type().getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = ctx.attrInts("starts").value_or(SmallVector<int64_t>());
    ends = ctx.attrInts("ends").value_or(SmallVector<int64_t>());
    axes = ctx.attrInts("axes").value_or(SmallVector<int64_t>());
  } else {
    auto s = ctx.constInts(1, "starts");
    auto e = ctx.constInts(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    if (ctx.hasInput(3)) {
      auto a = ctx.constInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      auto st = ctx.constInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.error() << "starts, ends, axes and steps differ in length";
  SmallVector<int64_t> offsets(rank, 0), sizes(shape), strides(rank, 1);
  for (auto [k, a] : llvm::enumerate(axes)) {
    auto axis = normalizeAxis(a, rank);
    if (failed(axis))
      return ctx.error() << "axis " << a << " out of range";
    int64_t dim = shape[*axis], step = steps[k];
    if (step <= 0)
      return ctx.error() << "step " << step
                         << " is not supported (only positive steps)";
    if (ShapedType::isDynamic(dim)) {
      // A dynamic dimension is sliced whole (what exporters emit for the
      // dimensions they keep); anything else needs its size at import.
      if (starts[k] != 0 || ends[k] < (int64_t(1) << 31) || step != 1)
        return ctx.error() << "slices dynamic dimension " << *axis << " of "
                           << ctx.input(0).type()
                           << "; bind it with --input-shape";
      continue;
    }
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v += dim;
      return std::clamp<int64_t>(v, 0, dim);
    };
    int64_t start = clampIndex(starts[k]), end = clampIndex(ends[k]);
    offsets[*axis] = start;
    sizes[*axis] = end > start ? (end - start + step - 1) / step : 0;
    strides[*axis] = step;
  }
  setSlice(ctx, 0, offsets, sizes, strides);
  return success();
}

LogicalResult convertSplit(NodeContext &ctx) {
  ArrayRef<int64_t> shape = ctx.input(0).type().getShape();
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), shape.size());
  if (failed(axis))
    return ctx.error() << "axis out of range";
  SmallVector<int64_t> parts;
  if (ctx.opset >= 13 && ctx.hasInput(1)) {
    auto s = ctx.constInts(1, "split");
    if (failed(s))
      return failure();
    parts = *s;
  } else if (auto s = ctx.attrInts("split")) {
    parts = *s;
  } else {
    int64_t n = ctx.numOutputs();
    if (shape[*axis] % n)
      return ctx.error() << "dimension " << shape[*axis]
                         << " does not split into " << n << " equal parts";
    parts.assign(n, shape[*axis] / n);
  }
  int64_t total = 0;
  for (int64_t p : parts)
    total += p;
  if (total != shape[*axis] || parts.size() != ctx.numOutputs())
    return ctx.error() << "split sizes do not match the dimension and outputs";
  int64_t offset = 0;
  for (auto [i, p] : llvm::enumerate(parts)) {
    SmallVector<int64_t> offsets(shape.size(), 0), sizes(shape),
        strides(shape.size(), 1);
    offsets[*axis] = offset;
    sizes[*axis] = p;
    setSlice(ctx, i, offsets, sizes, strides);
    offset += p;
  }
  return success();
}

/// Concat of shapes (rank 1, known elements) some of which are symbolic.
LogicalResult concatKnownInts(NodeContext &ctx) {
  SmallVector<OpFoldResult> elements;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    auto e = ctx.knownInts(i, "input");
    if (failed(e))
      return failure();
    llvm::append_range(elements, *e);
  }
  ctx.setOutput(0, elements,
                RankedTensorType::get({int64_t(elements.size())},
                                      ctx.input(0).type().getElementType()),
                ctx.input(0).isUnsigned);
  return success();
}

/// Concat of tensors with dynamic dimensions: the others' sizes are the
/// first input's, offsets along the axis are computed.
LogicalResult concatDynamic(NodeContext &ctx, int64_t axis) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<OpFoldResult> sizes = dimsOf(b, ctx.value(0));
  SmallVector<OpFoldResult> offsets;
  OpFoldResult total = b.getIndexAttr(0);
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    offsets.push_back(total);
    OpFoldResult d = dimOf(b, ctx.value(i), axis);
    std::optional<int64_t> t = getConstantIntValue(total),
                           c = getConstantIntValue(d);
    if (t && c)
      total = b.getIndexAttr(*t + *c);
    else
      total = arith::AddIOp::create(b, loc, indexValue(b, loc, total),
                                    indexValue(b, loc, d))
                  .getResult();
  }
  sizes[axis] = total;
  Type elem = ctx.input(0).type().getElementType();
  Value result = tensor::EmptyOp::create(b, loc, sizes, elem);
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    Value v = ctx.value(i);
    int64_t rank = sizes.size();
    SmallVector<OpFoldResult> at(rank, b.getIndexAttr(0));
    at[axis] = offsets[i];
    result = tensor::InsertSliceOp::create(
        b, loc, v, result, at, dimsOf(b, v),
        SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
  }
  ctx.setOutput(0, result, ctx.input(0).isUnsigned);
  return success();
}

LogicalResult convertConcat(NodeContext &ctx) {
  RankedTensorType first = ctx.input(0).type();
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), first.getRank());
  if (failed(axis))
    return ctx.error() << "axis out of range";
  // Shapes some of whose elements are dimensions concatenate at import when
  // every input is known there.
  bool anySymbolic = false, allKnown = true, anyDynamic = false;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    const Tensor &t = ctx.input(i);
    anySymbolic |= bool(t.symbolicType);
    allKnown &= t.symbolicType || foldable(t);
    anyDynamic |= !t.type().hasStaticShape();
  }
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  bool allConstant = true;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    RankedTensorType t = ctx.input(i).type();
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return ctx.error() << "input " << i << " is " << t << ", input 0 "
                         << first;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != *axis && t.getDimSize(d) != first.getDimSize(d) &&
          !t.isDynamicDim(d) && !first.isDynamicDim(d))
        return ctx.error() << "input " << i << " is " << t
                           << ", which does not match input 0 " << first;
    if (!anyDynamic)
      shape[*axis] += t.getDimSize(*axis);
    allConstant &= foldable(ctx.input(i));
  }
  if (anySymbolic && allKnown && first.getRank() == 1)
    return concatKnownInts(ctx);
  if (anyDynamic)
    return concatDynamic(ctx, *axis);
  auto type = RankedTensorType::get(shape, first.getElementType());
  if (allConstant) {
    // Row-major: interleave the inputs' blocks of the trailing dims.
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= shape[d];
    SmallVector<SmallVector<Attribute>> parts;
    SmallVector<int64_t> block;
    for (size_t i = 0; i < ctx.numInputs(); ++i) {
      parts.emplace_back(ctx.input(i).constant.getValues<Attribute>());
      block.push_back(parts.back().size() / std::max<int64_t>(outer, 1));
    }
    SmallVector<Attribute> out;
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < parts.size(); ++i)
        out.append(parts[i].begin() + o * block[i],
                   parts[i].begin() + (o + 1) * block[i]);
    ctx.setOutput(0, DenseElementsAttr::get(type, out),
                  ctx.input(0).isUnsigned);
    return success();
  }
  Value result =
      tensor::EmptyOp::create(ctx.b, ctx.loc, shape, first.getElementType());
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    RankedTensorType t = ctx.input(i).type();
    SmallVector<int64_t> offsets(shape.size(), 0), strides(shape.size(), 1);
    offsets[*axis] = offset;
    MLIRContext *mctx = ctx.b.getContext();
    result = tensor::InsertSliceOp::create(
        ctx.b, ctx.loc, ctx.value(i), result,
        getAsIndexOpFoldResult(mctx, offsets),
        getAsIndexOpFoldResult(mctx, t.getShape()),
        getAsIndexOpFoldResult(mctx, strides));
    offset += t.getDimSize(*axis);
  }
  ctx.setOutput(0, result, ctx.input(0).isUnsigned);
  return success();
}

LogicalResult convertGather(NodeContext &ctx) {
  const Tensor &data = ctx.input(0), &indices = ctx.input(1);
  RankedTensorType dataType = data.type(), indexType = indices.type();
  auto axis = normalizeAxis(ctx.attrInt("axis", 0), dataType.getRank());
  if (failed(axis))
    return ctx.error() << "axis out of range";
  if (!isa<IntegerType>(indexType.getElementType()))
    return ctx.error() << "indices must be integers";
  int64_t dim = dataType.getDimSize(*axis);
  SmallVector<int64_t> shape(dataType.getShape().take_front(*axis));
  llvm::append_range(shape, indexType.getShape());
  llvm::append_range(shape, dataType.getShape().drop_front(*axis + 1));
  auto outType = RankedTensorType::get(shape, dataType.getElementType());

  // An element of a shape that is known at import: a dimension.
  if (data.symbolicType && indices.constant && indexType.getRank() <= 1) {
    SmallVector<OpFoldResult> elements;
    // Held here: a range-for over `*ctx.constInts(...)` would read the
    // vector after its FailureOr is gone (ASan: stack-use-after-scope).
    SmallVector<int64_t> indexValues = *ctx.constInts(1, "indices");
    for (int64_t i : indexValues) {
      if (i < -dim || i >= dim)
        return ctx.error() << "index " << i << " out of range [" << -dim << ", "
                           << dim << ")";
      elements.push_back(data.symbolic[i < 0 ? i + dim : i]);
    }
    ctx.setOutput(0, elements, outType, data.isUnsigned);
    return success();
  }

  if (foldable(data) && foldable(indices)) {
    SmallVector<int64_t> idx = *ctx.constInts(1, "indices");
    SmallVector<Attribute> values(data.constant.getValues<Attribute>());
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= dataType.getDimSize(d);
    for (int64_t d = *axis + 1; d < dataType.getRank(); ++d)
      inner *= dataType.getDimSize(d);
    SmallVector<Attribute> out;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i : idx) {
        if (i < -dim || i >= dim)
          return ctx.error() << "index " << i << " out of range [" << -dim
                             << ", " << dim << ")";
        int64_t k = i < 0 ? i + dim : i;
        auto begin = values.begin() + (o * dim + k) * inner;
        out.append(begin, begin + inner);
      }
    ctx.setOutput(0, DenseElementsAttr::get(outType, out), data.isUnsigned);
    return success();
  }

  // out[pre, idx..., post] = data[pre, wrap(indices[idx...]), post]: a
  // generic over the output reading the indices and extracting from data.
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value dataValue = ctx.value(0);
  int64_t indexRank = indexType.getRank();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < indexRank; ++d)
    indexExprs.push_back(b.getAffineDimExpr(*axis + d));
  SmallVector<AffineMap> maps = {
      AffineMap::get(shape.size(), 0, indexExprs, b.getContext()),
      b.getMultiDimIdentityMap(shape.size())};
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < *axis; ++d)
    sizes.push_back(dimOf(b, dataValue, d));
  llvm::append_range(sizes, dimsOf(b, ctx.value(1)));
  for (int64_t d = *axis + 1; d < dataType.getRank(); ++d)
    sizes.push_back(dimOf(b, dataValue, d));
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, dataType.getElementType());
  // The gathered dimension's size, for the wrapping and clamping below.
  Value dimSize = indexValue(b, loc, dimOf(b, dataValue, *axis));
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  Value result =
      linalg::GenericOp::create(
          b, loc, init.getType(), ctx.value(1), init, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value i =
                arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[0]);
            Value dimV = dimSize;
            Value zero = arith::ConstantIndexOp::create(nb, l, 0);
            Value negative = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::slt, i, zero);
            i = arith::SelectOp::create(
                nb, l, negative, arith::AddIOp::create(nb, l, i, dimV), i);
            // Out-of-range indices are undefined in ONNX: clamp to stay in
            // bounds.
            i = arith::MaxSIOp::create(nb, l, i, zero);
            i = arith::MinSIOp::create(
                nb, l, i,
                arith::SubIOp::create(
                    nb, l, dimV, arith::ConstantIndexOp::create(nb, l, 1)));
            SmallVector<Value> at;
            for (int64_t d = 0; d < *axis; ++d)
              at.push_back(linalg::IndexOp::create(nb, l, d));
            at.push_back(i);
            for (int64_t d = *axis + 1; d < dataType.getRank(); ++d)
              at.push_back(linalg::IndexOp::create(nb, l, d - 1 + indexRank));
            linalg::YieldOp::create(
                nb, l,
                tensor::ExtractOp::create(nb, l, dataValue, at).getResult());
          })
          .getResult(0);
  ctx.setOutput(0, result, data.isUnsigned);
  return success();
}

LogicalResult convertShape(NodeContext &ctx) {
  ArrayRef<int64_t> shape = ctx.input(0).type().getShape();
  int64_t rank = shape.size();
  auto clampIndex = [&](int64_t v) {
    return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank);
  };
  int64_t start = clampIndex(ctx.attrInt("start", 0));
  int64_t end = clampIndex(ctx.attrInt("end", rank));
  SmallVector<int64_t> dims(shape.begin() + start,
                            shape.begin() + std::max(start, end));
  auto type = RankedTensorType::get({int64_t(dims.size())}, ctx.b.getI64Type());
  if (ShapedType::isDynamicShape(dims)) {
    SmallVector<OpFoldResult> sizes = dimsOf(ctx.b, ctx.value(0));
    ctx.setOutput(0, ArrayRef(sizes).slice(start, dims.size()), type);
    return success();
  }
  ctx.setOutput(0, DenseElementsAttr::get(type, ArrayRef<int64_t>(dims)));
  return success();
}

LogicalResult convertConstantOfShape(NodeContext &ctx) {
  auto sizes = ctx.knownInts(0, "shape");
  if (failed(sizes))
    return failure();
  SmallVector<int64_t> shape = staticShape(*sizes);
  for (int64_t d : shape)
    if (d < 0 && !ShapedType::isDynamic(d))
      return ctx.error() << "shape has negative dimension " << d;
  DenseElementsAttr value;
  bool isUnsigned = false;
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    std::string error;
    auto c = convertTensorProto(a->t(), ctx.b.getContext(), isUnsigned, error);
    if (failed(c) || c->getNumElements() != 1)
      return ctx.error() << "value must be a one-element tensor";
    value = *c;
  } else {
    value = DenseElementsAttr::get(
        RankedTensorType::get({1}, ctx.b.getF32Type()), 0.0f);
  }
  if (ShapedType::isDynamicShape(shape)) {
    ctx.setOutput(
        0, filled(ctx.b, ctx.loc, *sizes, value.getValues<TypedAttr>()[0]),
        isUnsigned);
    return success();
  }
  auto type = RankedTensorType::get(shape, value.getElementType());
  ctx.setOutput(0,
                DenseElementsAttr::get(type, value.getValues<Attribute>()[0]),
                isUnsigned);
  return success();
}

/// Range whose limit is a dimension (integers only): a generic computing
/// start + i * delta over ceil((limit - start) / delta) elements.
LogicalResult convertDynamicRange(NodeContext &ctx) {
  Type elem = ctx.input(0).type().getElementType();
  auto start = ctx.constInts(0, "start");
  auto limit = ctx.knownInts(1, "limit");
  auto delta = ctx.constInts(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if (!isa<IntegerType>(elem) || start->size() != 1 || limit->size() != 1 ||
      delta->size() != 1)
    return ctx.error() << "needs scalar integer start, limit and delta";
  int64_t s = (*start)[0], d = (*delta)[0];
  if (d == 0)
    return ctx.error() << "delta is 0";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value l = indexValue(b, loc, (*limit)[0]);
  Value count = arith::CeilDivSIOp::create(
      b, loc,
      arith::SubIOp::create(b, loc, l,
                            arith::ConstantIndexOp::create(b, loc, s)),
      arith::ConstantIndexOp::create(b, loc, d));
  count = arith::MaxSIOp::create(b, loc, count,
                                 arith::ConstantIndexOp::create(b, loc, 0));
  Value init =
      tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{count}, elem);
  Value result =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{}, init,
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(1)},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location at, ValueRange) {
            Value i = arith::IndexCastOp::create(
                nb, at, elem, linalg::IndexOp::create(nb, at, 0));
            Value v = arith::AddIOp::create(
                nb, at,
                arith::ConstantOp::create(nb, at, nb.getIntegerAttr(elem, s)),
                arith::MulIOp::create(nb, at, i,
                                      arith::ConstantOp::create(
                                          nb, at, nb.getIntegerAttr(elem, d))));
            linalg::YieldOp::create(nb, at, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, ctx.input(0).isUnsigned);
  return success();
}

LogicalResult convertRange(NodeContext &ctx) {
  if (ctx.input(1).symbolicType)
    return convertDynamicRange(ctx);
  Type elem = ctx.input(0).type().getElementType();
  auto start = ctx.constFloats(0, "start");
  auto limit = ctx.constFloats(1, "limit");
  auto delta = ctx.constFloats(2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  double s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
  if (d == 0)
    return ctx.error() << "delta is 0";
  int64_t n = std::max<int64_t>(0, int64_t(std::ceil((l - s) / d)));
  auto type = RankedTensorType::get({n}, elem);
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i) {
    double v = s + i * d;
    values.push_back(isa<FloatType>(elem)
                         ? Attribute(ctx.b.getFloatAttr(elem, v))
                         : Attribute(ctx.b.getIntegerAttr(elem, int64_t(v))));
  }
  ctx.setOutput(0, DenseElementsAttr::get(type, values));
  return success();
}

LogicalResult convertExpand(NodeContext &ctx) {
  auto target = ctx.knownInts(1, "shape");
  if (failed(target))
    return failure();
  RankedTensorType type = ctx.input(0).type();
  SmallVector<int64_t> targetShape = staticShape(*target);
  for (int64_t d : targetShape)
    if (d < 0 && !ShapedType::isDynamic(d))
      return ctx.error() << "shape has negative dimension " << d;
  auto shape = broadcastShapes(type.getShape(), targetShape);
  if (failed(shape))
    return ctx.error() << type << " does not broadcast to [" << targetShape
                       << "]";
  // Each output size: a static one from either side, else the input's own
  // dynamic dimension (taken to equal the target's), else the target's.
  Value in = ctx.value(0);
  SmallVector<OpFoldResult> sizes;
  int64_t rank = shape->size();
  for (int64_t i = 0; i < rank; ++i) {
    int64_t at = i - (rank - type.getRank());
    int64_t t = i - (rank - int64_t(target->size()));
    if (!ShapedType::isDynamic((*shape)[i]))
      sizes.push_back(ctx.b.getIndexAttr((*shape)[i]));
    else if (at >= 0 && type.isDynamicDim(at))
      sizes.push_back(dimOf(ctx.b, in, at));
    else
      sizes.push_back((*target)[t]);
  }
  auto r = broadcastTo(ctx, in, sizes);
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r, ctx.input(0).isUnsigned);
  return success();
}

LogicalResult convertTrilu(NodeContext &ctx) {
  RankedTensorType type = ctx.input(0).type();
  if (type.getRank() < 2)
    return ctx.error() << "needs a tensor of rank 2 or more";
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    auto kv = ctx.constInts(1, "k");
    if (failed(kv))
      return failure();
    k = (*kv)[0];
  }
  bool upper = ctx.attrInt("upper", 1);
  int64_t rank = type.getRank();
  // Keep x[.., i, j] where j - i >= k (upper) or j - i <= k (lower).
  auto r = elementwise(
      ctx, {ctx.value(0)}, type.getElementType(),
      [&](OpBuilder &b, Location loc, ValueRange s) {
        Value i = linalg::IndexOp::create(b, loc, rank - 2);
        Value j = linalg::IndexOp::create(b, loc, rank - 1);
        Value diff = arith::SubIOp::create(b, loc, j, i);
        Value kv = arith::ConstantIndexOp::create(b, loc, k);
        Value keep = arith::CmpIOp::create(b, loc,
                                           upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diff, kv);
        Value zero =
            arith::ConstantOp::create(b, loc, b.getZeroAttr(s[0].getType()));
        return arith::SelectOp::create(b, loc, keep, s[0], zero).getResult();
      });
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r, ctx.input(0).isUnsigned);
  return success();
}

} // namespace

void onnx_import::registerShapeOps(ConverterTable &t) {
  t["Reshape"] = convertReshape;
  t["Flatten"] = convertFlatten;
  t["Squeeze"] = convertSqueeze;
  t["Unsqueeze"] = convertUnsqueeze;
  t["Transpose"] = convertTranspose;
  t["Slice"] = convertSlice;
  t["Split"] = convertSplit;
  t["Concat"] = convertConcat;
  t["Gather"] = convertGather;
  t["Shape"] = convertShape;
  t["ConstantOfShape"] = convertConstantOfShape;
  t["Range"] = convertRange;
  t["Expand"] = convertExpand;
  t["Trilu"] = convertTrilu;
  t["Identity"] = [](NodeContext &ctx) -> LogicalResult {
    const Tensor &in = ctx.input(0);
    if (in.value)
      ctx.setOutput(0, in.value, in.isUnsigned);
    else
      ctx.setOutput(0, in.constant, in.isUnsigned);
    return success();
  };
}
