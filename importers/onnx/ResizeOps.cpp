//===- ResizeOps.cpp - ONNX Resize ----------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Resize (opsets 11 to 17) of an NCHW tensor over H and W, nearest or
// linear, with the coordinate transformations and nearest rounding modes of
// the ONNX specification. The output size and scales are import-time
// constants, so the source rows and columns (and linear weights) of every
// output position are computed here, as tables; the op is a linalg.generic
// over the output that reads its four (or one) source pixels.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

namespace {

/// The source coordinate of output coordinate `x` along an axis.
FailureOr<double> sourceCoordinate(StringRef mode, double x, double scale,
                                   int64_t in, int64_t out) {
  if (mode == "half_pixel")
    return (x + 0.5) / scale - 0.5;
  if (mode == "pytorch_half_pixel")
    return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "align_corners")
    return out == 1 ? 0.0 : x * double(in - 1) / double(out - 1);
  if (mode == "asymmetric")
    return x / scale;
  if (mode == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  return failure();
}

FailureOr<int64_t> nearestIndex(StringRef mode, double x) {
  double f = std::floor(x);
  bool tie = x - f == 0.5;
  if (mode == "round_prefer_floor")
    return int64_t(tie ? f : std::round(x));
  if (mode == "round_prefer_ceil")
    return int64_t(tie ? f + 1 : std::round(x));
  if (mode == "floor")
    return int64_t(f);
  if (mode == "ceil")
    return int64_t(std::ceil(x));
  return failure();
}

/// Per output coordinate along one axis: the two source indices and the
/// weight of the second (0 for nearest).
struct AxisTable {
  SmallVector<int64_t> lo, hi;
  SmallVector<float> weight;
};

FailureOr<AxisTable> axisTable(NodeContext &ctx, bool linear, int64_t in,
                               int64_t out, double scale) {
  std::string coord =
      ctx.attrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest = ctx.attrString("nearest_mode", "round_prefer_floor");
  AxisTable t;
  for (int64_t o = 0; o < out; ++o) {
    FailureOr<double> x = sourceCoordinate(coord, o, scale, in, out);
    if (failed(x))
      return ctx.error() << "coordinate_transformation_mode '" << coord
                         << "' is not supported",
             failure();
    if (!linear) {
      FailureOr<int64_t> i = nearestIndex(nearest, *x);
      if (failed(i))
        return ctx.error() << "nearest_mode '" << nearest
                           << "' is not supported",
               failure();
      int64_t c = std::clamp<int64_t>(*i, 0, in - 1);
      t.lo.push_back(c);
      t.hi.push_back(c);
      t.weight.push_back(0.0f);
      continue;
    }
    double c = std::clamp(*x, 0.0, double(in - 1));
    int64_t i0 = int64_t(std::floor(c));
    int64_t i1 = std::min<int64_t>(i0 + 1, in - 1);
    t.lo.push_back(i0);
    t.hi.push_back(i1);
    t.weight.push_back(float(c - double(i0)));
  }
  return t;
}

LogicalResult convertResize(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  Type elem = xt.getElementType();
  if (xt.getRank() != 4 || !elem.isF32())
    return ctx.error() << "only f32 NCHW tensors are supported";
  if (ctx.opset < 11)
    return ctx.error() << "Resize before opset 11 is not supported";
  std::string mode = ctx.attrString("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return ctx.error() << "mode '" << mode
                       << "' is not supported (nearest, linear)";
  if (ctx.attrString("coordinate_transformation_mode", "") ==
      "tf_crop_and_resize")
    return ctx.error() << "tf_crop_and_resize is not supported";
  SmallVector<int64_t> shape(xt.getShape());
  SmallVector<double> scales(4, 1.0);
  if (ctx.hasInput(3)) {
    auto sizes = ctx.constInts(3, "sizes");
    if (failed(sizes))
      return failure();
    if (sizes->size() != 4)
      return ctx.error() << "sizes must have 4 elements";
    for (int d = 0; d < 4; ++d) {
      scales[d] = double((*sizes)[d]) / double(xt.getDimSize(d));
      shape[d] = (*sizes)[d];
    }
  } else if (ctx.hasInput(2) && ctx.input(2).type().getNumElements() > 0) {
    auto s = ctx.constFloats(2, "scales");
    if (failed(s))
      return failure();
    if (s->size() != 4)
      return ctx.error() << "scales must have 4 elements";
    for (int d = 0; d < 4; ++d) {
      scales[d] = (*s)[d];
      shape[d] = int64_t(std::floor(double(xt.getDimSize(d)) * scales[d]));
    }
  } else {
    return ctx.error() << "needs scales or sizes";
  }
  if (shape[0] != xt.getDimSize(0) || shape[1] != xt.getDimSize(1))
    return ctx.error() << "only H and W may be resized";
  if (shape[2] < 1 || shape[3] < 1)
    return ctx.error() << "the output would be empty";
  bool linear = mode == "linear";
  auto rows = axisTable(ctx, linear, xt.getDimSize(2), shape[2], scales[2]);
  auto cols = axisTable(ctx, linear, xt.getDimSize(3), shape[3], scales[3]);
  if (failed(rows) || failed(cols))
    return failure();

  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  auto indexTable = [&](ArrayRef<int64_t> v) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(v.size())}, b.getI64Type()), v));
  };
  auto weightTable = [&](ArrayRef<float> v) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({int64_t(v.size())}, elem),
                               v));
  };
  SmallVector<Value> tables = {
      indexTable(rows->lo), indexTable(rows->hi), weightTable(rows->weight),
      indexTable(cols->lo), indexTable(cols->hi), weightTable(cols->weight)};
  MLIRContext *mctx = b.getContext();
  AffineMap row = AffineMap::get(4, 0, {getAffineDimExpr(2, mctx)}, mctx);
  AffineMap col = AffineMap::get(4, 0, {getAffineDimExpr(3, mctx)}, mctx);
  SmallVector<AffineMap> maps = {
      row, row, row, col, col, col, b.getMultiDimIdentityMap(4)};
  Value x = ctx.value(0);
  Value init = tensor::EmptyOp::create(b, loc, shape, elem);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  Value y =
      linalg::GenericOp::create(
          b, loc, init.getType(), tables, init, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value n = linalg::IndexOp::create(nb, l, 0);
            Value c = linalg::IndexOp::create(nb, l, 1);
            auto idx = [&](Value v) {
              return arith::IndexCastOp::create(nb, l, nb.getIndexType(), v)
                  .getResult();
            };
            auto at = [&](Value r, Value q) {
              return tensor::ExtractOp::create(nb, l, x,
                                               ValueRange{n, c, idx(r), idx(q)})
                  .getResult();
            };
            // lerp(a, b, t) = a + (b - a) t, over columns then rows.
            auto lerp = [&](Value p, Value q, Value t) {
              return arith::AddFOp::create(
                         nb, l, p,
                         arith::MulFOp::create(
                             nb, l, arith::SubFOp::create(nb, l, q, p), t))
                  .getResult();
            };
            Value v;
            if (!linear) {
              v = at(a[0], a[3]);
            } else {
              Value top = lerp(at(a[0], a[3]), at(a[0], a[4]), a[5]);
              Value bottom = lerp(at(a[1], a[3]), at(a[1], a[4]), a[5]);
              v = lerp(top, bottom, a[2]);
            }
            linalg::YieldOp::create(nb, l, v);
          })
          .getResult(0);
  ctx.setOutput(0, y);
  return success();
}

} // namespace

void onnx_import::registerResizeOps(ConverterTable &t) {
  t["Resize"] = convertResize;
}
