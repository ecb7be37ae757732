//===- Builders.cpp - IR building blocks of the ONNX converters -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

FailureOr<int64_t> onnx_import::boundedElementCount(ArrayRef<int64_t> shape) {
  int64_t count = 1;
  bool empty = false;
  for (int64_t d : shape) {
    // Dynamic dimensions are bounded when the model runs.
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0)
      return failure();
    // Zero dimensions do not bound the others (NumPy's rule, as in .npy).
    empty |= d == 0;
    if (d > 1 && count > kMaxElements / d)
      return failure();
    count *= std::max<int64_t>(d, 1);
  }
  return empty ? 0 : count;
}

FailureOr<int64_t> onnx_import::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return failure();
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
onnx_import::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    bool dynA = ShapedType::isDynamic(da), dynB = ShapedType::isDynamic(db);
    if (da != db && da != 1 && db != 1 && !dynA && !dynB)
      return failure();
    if (da == 1 || (dynA && db != 1))
      out[i] = db;
    else
      out[i] = da;
  }
  return out;
}

OpFoldResult onnx_import::dimOf(OpBuilder &b, Value v, int64_t i) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(i))
    return b.getIndexAttr(type.getDimSize(i));
  while (Operation *op = v.getDefiningOp()) {
    if (auto empty = dyn_cast<tensor::EmptyOp>(op))
      return empty.getDynamicSize(i);
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
      return expand.getMixedOutputShape()[i];
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      if (slice.getSourceType().getRank() != slice.getType().getRank())
        break;
      return slice.getMixedSizes()[i];
    }
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      // The product of the source dimensions the group joins (a tensor.dim
      // of the collapsed value would be a use that hides a single-use
      // chain from the passes).
      Value product;
      int64_t factor = 1;
      // Held here: the groups are returned by value (ASan found the loop
      // reading them after they were gone).
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      for (int64_t d : groups[i]) {
        OpFoldResult size = dimOf(b, collapse.getSrc(), d);
        if (std::optional<int64_t> c = getConstantIntValue(size)) {
          factor *= *c;
          continue;
        }
        product = product ? arith::MulIOp::create(b, collapse.getLoc(), product,
                                                  cast<Value>(size))
                                .getResult()
                          : cast<Value>(size);
      }
      if (factor != 1)
        product = arith::MulIOp::create(
            b, collapse.getLoc(), product,
            arith::ConstantIndexOp::create(b, collapse.getLoc(), factor));
      return product;
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
      v = dps.getTiedOpOperand(cast<OpResult>(v))->get();
      continue;
    }
    break;
  }
  // One tensor.dim per dimension, right after the tensor is defined.
  for (Operation *user : v.getUsers())
    if (auto dim = dyn_cast<tensor::DimOp>(user))
      if (dim.getConstantIndex() == i)
        return dim.getResult();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfterValue(v);
  return tensor::DimOp::create(b, v.getLoc(), v, i).getResult();
}

SmallVector<OpFoldResult> onnx_import::dimsOf(OpBuilder &b, Value v) {
  SmallVector<OpFoldResult> dims;
  for (int64_t i = 0, e = cast<RankedTensorType>(v.getType()).getRank(); i < e;
       ++i)
    dims.push_back(dimOf(b, v, i));
  return dims;
}

SmallVector<int64_t> onnx_import::staticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(getConstantIntValue(s).value_or(ShapedType::kDynamic));
  return shape;
}

Value onnx_import::indexValue(OpBuilder &b, Location loc, OpFoldResult v) {
  if (auto value = dyn_cast<Value>(v))
    return value;
  return arith::ConstantIndexOp::create(b, loc, *getConstantIntValue(v));
}

/// The sizes of the NumPy broadcast of `operands`: a static size where an
/// operand has one other than 1, else the first dynamic operand's.
static FailureOr<SmallVector<OpFoldResult>>
broadcastSizes(OpBuilder &b, ValueRange operands) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto s = broadcastShapes(shape, cast<ShapedType>(v.getType()).getShape());
    if (failed(s))
      return failure();
    shape = *s;
  }
  SmallVector<OpFoldResult> sizes;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!ShapedType::isDynamic(d)) {
      sizes.push_back(b.getIndexAttr(d));
      continue;
    }
    for (Value v : operands) {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t at = int64_t(i) - int64_t(shape.size() - type.getRank());
      if (at >= 0 && type.isDynamicDim(at)) {
        sizes.push_back(dimOf(b, v, at));
        break;
      }
    }
  }
  return sizes;
}

/// The indexing map reading an operand of `shape` inside a loop nest over
/// `outShape` under NumPy broadcasting: leading dims dropped, size-1 dims
/// read at 0.
static AffineMap broadcastMap(ArrayRef<int64_t> shape,
                              ArrayRef<int64_t> outShape, MLIRContext *ctx) {
  SmallVector<AffineExpr> exprs;
  size_t offset = outShape.size() - shape.size();
  for (auto [i, d] : llvm::enumerate(shape))
    exprs.push_back(d == 1 && outShape[i + offset] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(i + offset, ctx));
  return AffineMap::get(outShape.size(), 0, exprs, ctx);
}

FailureOr<Value> onnx_import::elementwise(NodeContext &ctx, ValueRange operands,
                                          Type elementType, ScalarFn fn) {
  OpBuilder &b = ctx.b;
  auto sizes = broadcastSizes(b, operands);
  if (failed(sizes)) {
    ctx.error() << "operand shapes do not broadcast";
    return failure();
  }
  SmallVector<int64_t> shape = staticShape(*sizes);
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(
        broadcastMap(cast<ShapedType>(v.getType()).getShape(), shape, mctx));
  maps.push_back(b.getMultiDimIdentityMap(shape.size()));
  Value init = tensor::EmptyOp::create(b, ctx.loc, *sizes, elementType);
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, ctx.loc, init.getType(), operands, init, maps, iterators,
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        linalg::YieldOp::create(nb, loc, fn(nb, loc, args.drop_back()));
      });
  return generic.getResult(0);
}

FailureOr<Value> onnx_import::broadcastTo(NodeContext &ctx, Value v,
                                          ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = staticShape(sizes);
  auto s = broadcastShapes(type.getShape(), shape);
  if (failed(s) || ArrayRef<int64_t>(*s) != ArrayRef<int64_t>(shape)) {
    ctx.error() << "cannot broadcast " << type << " to [" << shape << "]";
    return failure();
  }
  if (type.getShape() == ArrayRef<int64_t>(shape))
    return v;
  OpBuilder &b = ctx.b;
  Value init =
      tensor::EmptyOp::create(b, ctx.loc, sizes, type.getElementType());
  SmallVector<AffineMap> maps = {
      broadcastMap(type.getShape(), shape, b.getContext()),
      b.getMultiDimIdentityMap(shape.size())};
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, ctx.loc, init.getType(), v, init, maps, iterators,
             [](OpBuilder &nb, Location loc, ValueRange args) {
               linalg::YieldOp::create(nb, loc, args[0]);
             })
      .getResult(0);
}

Value onnx_import::reduce(OpBuilder &b, Location loc, Value v,
                          ArrayRef<int64_t> axes, bool keepDims, TypedAttr init,
                          ScalarFn combine) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> outSizes, keptSizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    keptSizes.push_back(reduced ? b.getIndexAttr(1) : dimOf(b, v, i));
    if (!reduced) {
      outSizes.push_back(dimOf(b, v, i));
      outExprs.push_back(b.getAffineDimExpr(i));
    }
  }
  Value acc = filled(b, loc, outSizes, init);
  AffineMap inMap = b.getMultiDimIdentityMap(type.getRank());
  AffineMap outMap =
      AffineMap::get(type.getRank(), 0, outExprs, b.getContext());
  auto generic = linalg::GenericOp::create(
      b, loc, acc.getType(), v, acc, ArrayRef<AffineMap>{inMap, outMap},
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, combine(nb, l, {args[1], args[0]}));
      });
  Value result = generic.getResult(0);
  return keepDims ? reshape(b, loc, result, keptSizes) : result;
}

Value onnx_import::reshape(OpBuilder &b, Location loc, Value v,
                           ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  // Through rank 1 (rank 0 needs no reassociation): always valid for
  // static shapes, and both ops fold into neighbours.
  Value flat = v;
  if (type.getRank() > 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < type.getRank(); ++i)
      all[0].push_back(i);
    flat = tensor::CollapseShapeOp::create(b, loc, v, all);
  } else if (type.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), v,
        ArrayRef<ReassociationIndices>{});
  }
  auto outType = RankedTensorType::get(shape, type.getElementType());
  if (shape.size() == 1)
    return flat;
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, outType, flat,
                                           ArrayRef<ReassociationIndices>{});
  SmallVector<ReassociationIndices> all(1);
  for (size_t i = 0; i < shape.size(); ++i)
    all[0].push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, outType, flat, all);
}

/// How the dimensions `fine` group into the dimensions `coarse` (one group
/// of consecutive fine dimensions per coarse one, unit dimensions joining a
/// neighbour), or std::nullopt when they do not. A static coarse dimension
/// is a product of static fine ones; a dynamic one is exactly one dynamic
/// fine dimension (taken to be equal) among unit ones.
static std::optional<SmallVector<ReassociationIndices>>
groupDims(ArrayRef<OpFoldResult> fine, ArrayRef<OpFoldResult> coarse) {
  SmallVector<ReassociationIndices> groups;
  size_t j = 0;
  auto isUnit = [&](size_t k) { return isConstantIntValue(fine[k], 1); };
  for (OpFoldResult c : coarse) {
    ReassociationIndices group;
    if (std::optional<int64_t> n = getConstantIntValue(c)) {
      int64_t product = 1;
      while (j < fine.size() && (product < *n || group.empty())) {
        std::optional<int64_t> d = getConstantIntValue(fine[j]);
        if (!d)
          return std::nullopt;
        product *= *d;
        group.push_back(j++);
      }
      if (product != *n)
        return std::nullopt;
    } else {
      while (j < fine.size() && isUnit(j))
        group.push_back(j++);
      if (j == fine.size() || getConstantIntValue(fine[j]))
        return std::nullopt;
      group.push_back(j++);
    }
    groups.push_back(group);
  }
  for (; j < fine.size(); ++j) {
    if (!isUnit(j) || groups.empty())
      return std::nullopt;
    groups.back().push_back(j);
  }
  return groups;
}

Value onnx_import::reshape(OpBuilder &b, Location loc, Value v,
                           ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = staticShape(sizes);
  if (type.hasStaticShape() && !ShapedType::isDynamicShape(shape))
    return reshape(b, loc, v, shape);
  auto outType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> in = dimsOf(b, v);
  if (type.getShape() == ArrayRef<int64_t>(shape) &&
      llvm::all_of(llvm::zip(in, sizes), [](auto pair) {
        return isEqualConstantIntOrValue(std::get<0>(pair), std::get<1>(pair));
      }))
    return v;
  if (in.size() >= sizes.size() && !sizes.empty())
    if (auto groups = groupDims(in, sizes))
      return tensor::CollapseShapeOp::create(b, loc, outType, v, *groups);
  if (in.size() <= sizes.size() && !in.empty())
    if (auto groups = groupDims(sizes, in))
      return tensor::ExpandShapeOp::create(b, loc, outType, v, *groups, sizes);
  // Any other reshape: by a shape tensor.
  SmallVector<Value> extents;
  for (OpFoldResult s : sizes)
    extents.push_back(indexValue(b, loc, s));
  Value shapeTensor = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({int64_t(sizes.size())}, b.getIndexType()),
      extents);
  return tensor::ReshapeOp::create(b, loc, outType, v, shapeTensor);
}

Value onnx_import::transpose(OpBuilder &b, Location loc, Value v,
                             ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(v.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  SmallVector<OpFoldResult> sizes;
  for (int64_t p : perm)
    sizes.push_back(dimOf(b, v, p));
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

DenseElementsAttr onnx_import::transposeConstant(DenseElementsAttr c,
                                                 ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(c.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto outType = RankedTensorType::get(shape, type.getElementType());
  if (c.isSplat())
    return c.resizeSplat(outType);
  SmallVector<Attribute> in(c.getValues<Attribute>());
  SmallVector<Attribute> out(in.size());
  int64_t rank = type.getRank();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t i = rank - 2; i >= 0; --i)
    inStrides[i] = inStrides[i + 1] * type.getDimSize(i + 1);
  SmallVector<int64_t> index(rank, 0);
  for (size_t flat = 0; flat < out.size(); ++flat) {
    int64_t src = 0;
    for (int64_t i = 0; i < rank; ++i)
      src += index[i] * inStrides[perm[i]];
    out[flat] = in[src];
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
  return DenseElementsAttr::get(outType, out);
}

Value onnx_import::filled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                          TypedAttr value) {
  Value init = tensor::EmptyOp::create(b, loc, shape, value.getType());
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

Value onnx_import::filled(OpBuilder &b, Location loc,
                          ArrayRef<OpFoldResult> sizes, TypedAttr value) {
  Value init = tensor::EmptyOp::create(b, loc, sizes, value.getType());
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

Value onnx_import::scalarConstant(OpBuilder &b, Location loc, Type type,
                                  double value) {
  if (isa<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(type, int64_t(value)));
}
