//===- QuantOps.cpp - ONNX quantized operators into qf ops ----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// QuantizeLinear / DequantizeLinear become qf.quantize / qf.dequantize
// (round half to even, saturation to the storage range, per tensor or per
// axis); MatMulInteger and QLinearMatMul become qf.matmul, ConvInteger and
// QLinearConv qf.conv2d (NHWC inside, as Conv), the QLinear forms followed by
// a dequantization of the i32 accumulator and a quantization to the output
// scale; DynamicQuantizeLinear is computed with ONNX's formulas.
//
// Scales and zero points must be constants. Quantized tensors travel as
// storage integers: ONNX uint8 is an i8 holding the same bits (so the
// function's uint8 inputs and outputs are i8: reinterpret them). Where it
// meets a qf op it moves to the signed domain, code - 128 with zero point
// - 128, the same real value, and back (xor 0x80) on the way out. A
// QuantizeLinear of a constant is folded at import (quantized weights).
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

namespace {

/// Constant quantization parameters of one tensor.
struct Params {
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints; ///< in the signed domain
  int64_t axis = -1;               ///< -1: per tensor
  unsigned bits = 8;
  bool isUnsigned = false; ///< the ONNX tensor is uint8
};

/// Reads scale (input `si`) and zero point (input `zi`, optional) for a
/// tensor of `shape` whose storage is `storage`/`isUnsigned`; several
/// scales are one per index of dimension `axis`.
FailureOr<Params> readParams(NodeContext &ctx, size_t si, size_t zi,
                             ArrayRef<int64_t> shape, int64_t axis,
                             Type storage, bool isUnsigned, StringRef what) {
  Params p;
  auto scales = ctx.constFloats(si, (what + " scale").str());
  if (failed(scales))
    return failure();
  p.scales.assign(scales->begin(), scales->end());
  p.bits = storage.getIntOrFloatBitWidth();
  p.isUnsigned = isUnsigned;
  if (ctx.hasInput(zi)) {
    auto zps = ctx.constInts(zi, (what + " zero point").str());
    if (failed(zps))
      return failure();
    p.zeroPoints.assign(zps->begin(), zps->end());
  } else {
    p.zeroPoints.assign(p.scales.size(), 0);
  }
  if (p.zeroPoints.size() != p.scales.size()) {
    ctx.error() << what << " scale and zero point differ in size";
    return failure();
  }
  for (double s : p.scales)
    if (!(s > 0) || !std::isfinite(s)) {
      ctx.error() << what << " scale " << s << " is not positive and finite";
      return failure();
    }
  if (isUnsigned)
    for (int64_t &z : p.zeroPoints)
      z -= 128;
  // Per axis when there are several scales (one per index of `axis`);
  // a single scale, even in a 1-D tensor, is per tensor.
  if (p.scales.size() > 1) {
    auto a = normalizeAxis(axis, shape.size());
    if (failed(a)) {
      ctx.error() << "axis out of range";
      return failure();
    }
    if (int64_t(p.scales.size()) != shape[*a]) {
      ctx.error() << what << " has " << p.scales.size()
                  << " scales for dimension " << *a << " of size " << shape[*a];
      return failure();
    }
    p.axis = *a;
  }
  return p;
}

quant::QuantizedType quantType(MLIRContext *ctx, const Params &p,
                               Type expressed, int64_t axisOverride = -2) {
  int64_t axis = axisOverride == -2 ? p.axis : axisOverride;
  auto storage = IntegerType::get(ctx, p.bits);
  int64_t min = -(int64_t(1) << (p.bits - 1)),
          max = (int64_t(1) << (p.bits - 1)) - 1;
  unsigned flags = quant::QuantizationFlags::Signed;
  if (axis < 0)
    return quant::UniformQuantizedType::get(
        flags, storage, expressed, p.scales[0], p.zeroPoints[0], min, max);
  return quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, p.scales, p.zeroPoints, axis, min, max);
}

/// Parameters with scale 1 for the integer-only operators (MatMulInteger,
/// ConvInteger): the zero point of input `zi` (0 when absent), per tensor
/// or, with several, along `axis`.
FailureOr<Params> unitParams(NodeContext &ctx, size_t zi, const Tensor &t,
                             int64_t axis, StringRef what) {
  Params p;
  p.isUnsigned = t.isUnsigned;
  if (ctx.hasInput(zi)) {
    auto z = ctx.constInts(zi, (what + " zero point").str());
    if (failed(z))
      return failure();
    p.zeroPoints.assign(z->begin(), z->end());
  } else {
    p.zeroPoints = {0};
  }
  if (t.isUnsigned)
    for (int64_t &zp : p.zeroPoints)
      zp -= 128;
  p.scales.assign(p.zeroPoints.size(), 1.0);
  p.axis = p.zeroPoints.size() > 1 ? axis : -1;
  return p;
}

/// uint8 bits <-> the signed domain: x xor 0x80.
Value flipSign(NodeContext &ctx, Value v) {
  return *elementwise(
      ctx, {v}, getElementTypeOrSelf(v.getType()),
      [](OpBuilder &b, Location loc, ValueRange s) {
        Value bit = arith::ConstantOp::create(
            b, loc, b.getIntegerAttr(s[0].getType(), -128));
        return arith::XOrIOp::create(b, loc, s[0], bit).getResult();
      });
}

/// The storage tensor `v` as a quantized tensor of `type`.
Value asQuantized(NodeContext &ctx, Value v, bool isUnsigned,
                  quant::QuantizedType type) {
  if (isUnsigned)
    v = flipSign(ctx, v);
  auto t = cast<RankedTensorType>(v.getType());
  return quant::StorageCastOp::create(ctx.b, ctx.loc, t.clone(type), v);
}

/// A quantized tensor as ONNX storage (uint8 bits when `isUnsigned`).
Value asStorage(NodeContext &ctx, Value q, bool isUnsigned) {
  auto t = cast<RankedTensorType>(q.getType());
  auto qt = cast<quant::QuantizedType>(t.getElementType());
  Value v = quant::StorageCastOp::create(ctx.b, ctx.loc,
                                         t.clone(qt.getStorageType()), q);
  return isUnsigned ? flipSign(ctx, v) : v;
}

Type storageOf(NodeContext &ctx, size_t zi, bool &isUnsigned) {
  // The zero point's type decides (uint8 when absent).
  if (ctx.hasInput(zi)) {
    isUnsigned = ctx.input(zi).isUnsigned;
    return ctx.input(zi).type().getElementType();
  }
  isUnsigned = true;
  return ctx.b.getI8Type();
}

LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  if (!isa<FloatType>(xt.getElementType()))
    return ctx.error() << "expects a float input";
  bool isUnsigned = false;
  Type storage = storageOf(ctx, 2, isUnsigned);
  if (!storage.isInteger(8))
    return ctx.error() << "only int8 and uint8 outputs are supported";
  auto p = readParams(ctx, 1, 2, xt.getShape(), ctx.attrInt("axis", 1), storage,
                      isUnsigned, "y");
  if (failed(p))
    return failure();
  DenseElementsAttr x = ctx.input(0).denseConstant();
  if (x && xt.getElementType().isF32()) {
    // q = saturate(round_half_even(x / s) + zp), in f32 as ONNX.
    SmallVector<APInt> codes;
    int64_t inner = 1, channels = 1;
    if (p->axis >= 0) {
      channels = xt.getDimSize(p->axis);
      for (int64_t d = p->axis + 1; d < xt.getRank(); ++d)
        inner *= xt.getDimSize(d);
    }
    int64_t i = 0;
    for (float v : x.getValues<float>()) {
      int64_t c = p->axis >= 0 ? (i / inner) % channels : 0;
      float scaled = v / float(p->scales[c]);
      double q = std::isnan(scaled) ? 0 : std::nearbyint(double(scaled));
      q = std::clamp(q + double(p->zeroPoints[c]), -128.0, 127.0);
      int64_t code = int64_t(q) + (isUnsigned ? 128 : 0);
      codes.push_back(APInt(8, uint64_t(code), /*isSigned=*/true,
                            /*implicitTrunc=*/true));
      ++i;
    }
    ctx.setOutput(0, DenseElementsAttr::get(xt.clone(storage), codes),
                  isUnsigned);
    return success();
  }
  auto type = quantType(ctx.b.getContext(), *p, xt.getElementType());
  Value q = QuantizeOp::create(ctx.b, ctx.loc, xt.clone(type), ctx.value(0),
                               RoundingMode::half_even, IntegerAttr());
  ctx.setOutput(0, asStorage(ctx, q, isUnsigned), isUnsigned);
  return success();
}

LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  const Tensor &x = ctx.input(0);
  RankedTensorType xt = x.type();
  Type storage = xt.getElementType();
  if (!storage.isInteger(8) && !storage.isInteger(32))
    return ctx.error() << "only int8, uint8 and int32 inputs are supported";
  auto p = readParams(ctx, 1, 2, xt.getShape(), ctx.attrInt("axis", 1), storage,
                      x.isUnsigned, "x");
  if (failed(p))
    return failure();
  auto f32 = ctx.b.getF32Type();
  auto type = quantType(ctx.b.getContext(), *p, f32);
  if (storage.isInteger(32)) {
    // i32 (a bias): the storage range is the full i32 range.
    type =
        p->axis < 0
            ? cast<quant::QuantizedType>(quant::UniformQuantizedType::get(
                  quant::QuantizationFlags::Signed, storage, f32, p->scales[0],
                  p->zeroPoints[0], INT32_MIN, INT32_MAX))
            : cast<quant::QuantizedType>(
                  quant::UniformQuantizedPerAxisType::get(
                      quant::QuantizationFlags::Signed, storage, f32, p->scales,
                      p->zeroPoints, p->axis, INT32_MIN, INT32_MAX));
  }
  Value q = asQuantized(ctx, ctx.value(0), x.isUnsigned, type);
  ctx.setOutput(
      0, DequantizeOp::create(ctx.b, ctx.loc, xt.clone(f32), q).getResult());
  return success();
}

/// y_scale = (max(0, max x) - min(0, min x)) / 255, y_zero_point =
/// saturate(round(-min / y_scale)), y = saturate(round(x / y_scale) + zp),
/// rounding half to even, as uint8.
LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  if (!xt.getElementType().isF32())
    return ctx.error() << "expects an f32 input";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    all.push_back(i);
  auto f32 = b.getF32Type();
  Value x = ctx.value(0);
  auto extreme = [&](bool isMax) {
    return reduce(b, loc, x, all, /*keepDims=*/false, b.getF32FloatAttr(0.0f),
                  [isMax](OpBuilder &nb, Location l, ValueRange s) -> Value {
                    if (isMax)
                      return arith::MaximumFOp::create(nb, l, s[0], s[1]);
                    return arith::MinimumFOp::create(nb, l, s[0], s[1]);
                  });
  };
  // The reductions start at 0: they are max(0, max x) and min(0, min x).
  Value hi = extreme(true), lo = extreme(false);
  Value scale = *elementwise(
      ctx, {hi, lo}, f32, [](OpBuilder &nb, Location l, ValueRange s) {
        Value range = arith::SubFOp::create(nb, l, s[0], s[1]);
        Value q = arith::DivFOp::create(
            nb, l, range, scalarConstant(nb, l, nb.getF32Type(), 255.0));
        // An all-zero tensor: scale 0 would divide by zero; ONNX leaves it
        // undefined, onnxruntime uses 1.
        Value zero =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, q,
                                  scalarConstant(nb, l, q.getType(), 0));
        return arith::SelectOp::create(
                   nb, l, zero, scalarConstant(nb, l, q.getType(), 1.0), q)
            .getResult();
      });
  auto clampRound = [](OpBuilder &nb, Location l, Value v) {
    v = math::RoundEvenOp::create(nb, l, v);
    v = arith::MaximumFOp::create(nb, l, v,
                                  scalarConstant(nb, l, v.getType(), 0.0));
    return arith::MinimumFOp::create(nb, l, v,
                                     scalarConstant(nb, l, v.getType(), 255.0))
        .getResult();
  };
  auto toU8 = [](OpBuilder &nb, Location l, Value v) {
    Value i = arith::FPToSIOp::create(nb, l, nb.getI32Type(), v);
    return arith::TruncIOp::create(nb, l, nb.getI8Type(), i).getResult();
  };
  Value zpFloat = *elementwise(
      ctx, {lo, scale}, f32, [&](OpBuilder &nb, Location l, ValueRange s) {
        Value v = arith::DivFOp::create(
            nb, l, arith::NegFOp::create(nb, l, s[0]), s[1]);
        return clampRound(nb, l, v);
      });
  Value y = *elementwise(ctx, {x, scale, zpFloat}, b.getI8Type(),
                         [&](OpBuilder &nb, Location l, ValueRange s) {
                           Value v = math::RoundEvenOp::create(
                               nb, l, arith::DivFOp::create(nb, l, s[0], s[1]));
                           v = arith::AddFOp::create(nb, l, v, s[2]);
                           return toU8(nb, l, clampRound(nb, l, v));
                         });
  Value zp = *elementwise(ctx, {zpFloat}, b.getI8Type(),
                          [&](OpBuilder &nb, Location l, ValueRange s) {
                            return toU8(nb, l, s[0]);
                          });
  ctx.setOutput(0, y, /*isUnsigned=*/true);
  ctx.setOutput(1, scale);
  ctx.setOutput(2, zp, /*isUnsigned=*/true);
  return success();
}

/// The operands of MatMulInteger / QLinearMatMul as quantized tensors.
struct MatmulOperands {
  Value a, b;
  Params pa, pb;
};

FailureOr<MatmulOperands> matmulOperands(NodeContext &ctx, size_t ai,
                                         size_t asi, size_t azi, size_t bi,
                                         size_t bsi, size_t bzi,
                                         bool unitScales) {
  const Tensor &a = ctx.input(ai), &bt = ctx.input(bi);
  if (!a.type().getElementType().isInteger(8) ||
      !bt.type().getElementType().isInteger(8))
    return ctx.error() << "only 8-bit operands are supported", failure();
  if (bt.type().getRank() != 2 || a.type().getRank() < 2)
    return ctx.error() << "B must be a matrix and A at least one", failure();
  MatmulOperands m;
  auto read = [&](size_t si, size_t zi, const Tensor &t, int64_t axis,
                  StringRef what) -> FailureOr<Params> {
    if (unitScales)
      return unitParams(ctx, zi, t, axis, what);
    return readParams(ctx, si, zi, t.type().getShape(), axis,
                      t.type().getElementType(), t.isUnsigned, what);
  };
  int64_t bRank = bt.type().getRank();
  auto pa = read(asi, azi, a, -1, "a");
  auto pb = read(bsi, bzi, bt, bRank - 1, "b");
  if (failed(pa) || failed(pb))
    return failure();
  if (pa->scales.size() != 1)
    return ctx.error() << "a must be quantized per tensor", failure();
  if (pb->scales.size() > 1)
    pb->axis = bRank - 1; // per column of B
  m.pa = *pa;
  m.pb = *pb;
  auto f32 = ctx.b.getF32Type();
  m.a = asQuantized(ctx, ctx.value(ai), a.isUnsigned,
                    quantType(ctx.b.getContext(), m.pa, f32));
  m.b = asQuantized(ctx, ctx.value(bi), bt.isUnsigned,
                    quantType(ctx.b.getContext(), m.pb, f32));
  return m;
}

/// The i32 accumulator type of a * b (scales multiplied, per output column
/// on `axis` when b has several).
quant::QuantizedType accType(MLIRContext *ctx, const Params &a, const Params &b,
                             int64_t axis) {
  SmallVector<double> scales;
  for (double s : b.scales)
    scales.push_back(a.scales[0] * s);
  auto i32 = IntegerType::get(ctx, 32);
  auto f32 = Float32Type::get(ctx);
  unsigned flags = quant::QuantizationFlags::Signed;
  if (scales.size() == 1)
    return quant::UniformQuantizedType::get(flags, i32, f32, scales[0], 0,
                                            INT32_MIN, INT32_MAX);
  return quant::UniformQuantizedPerAxisType::get(
      flags, i32, f32, scales, SmallVector<int64_t>(scales.size(), 0), axis,
      INT32_MIN, INT32_MAX);
}

SmallVector<int64_t> matmulShape(RankedTensorType a, RankedTensorType b) {
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back(b.getDimSize(1));
  return shape;
}

LogicalResult convertMatMulInteger(NodeContext &ctx) {
  auto m = matmulOperands(ctx, 0, 0, 2, 1, 0, 3, /*unitScales=*/true);
  if (failed(m))
    return failure();
  SmallVector<int64_t> shape =
      matmulShape(ctx.input(0).type(), ctx.input(1).type());
  auto acc = RankedTensorType::get(
      shape, accType(ctx.b.getContext(), m->pa, m->pb, shape.size() - 1));
  Value r = MatmulOp::create(ctx.b, ctx.loc, acc, m->a, m->b, Value());
  ctx.setOutput(0, quant::StorageCastOp::create(
                       ctx.b, ctx.loc, acc.clone(ctx.b.getI32Type()), r)
                       .getResult());
  return success();
}

/// acc (i32, scale s_a s_b) to the output's quantization: dequantize, then
/// quantize with y's scale and zero point (round half to even, saturate).
/// Returns the output's storage and whether it is uint8.
FailureOr<std::pair<Value, bool>> requantize(NodeContext &ctx, Value acc,
                                             size_t ysi, size_t yzi) {
  auto accT = cast<RankedTensorType>(acc.getType());
  auto f32 = ctx.b.getF32Type();
  bool isUnsigned = false;
  Type storage = storageOf(ctx, yzi, isUnsigned);
  auto p =
      readParams(ctx, ysi, yzi, accT.getShape(), 0, storage, isUnsigned, "y");
  if (failed(p))
    return failure();
  if (p->scales.size() != 1)
    return ctx.error() << "y must be quantized per tensor", failure();
  p->axis = -1;
  Value real = DequantizeOp::create(ctx.b, ctx.loc, accT.clone(f32), acc);
  Value q = QuantizeOp::create(
      ctx.b, ctx.loc, accT.clone(quantType(ctx.b.getContext(), *p, f32)), real,
      RoundingMode::half_even, IntegerAttr());
  return std::make_pair(asStorage(ctx, q, isUnsigned), isUnsigned);
}

LogicalResult convertQLinearMatMul(NodeContext &ctx) {
  auto m = matmulOperands(ctx, 0, 1, 2, 3, 4, 5, /*unitScales=*/false);
  if (failed(m))
    return failure();
  SmallVector<int64_t> shape =
      matmulShape(ctx.input(0).type(), ctx.input(3).type());
  auto acc = RankedTensorType::get(
      shape, accType(ctx.b.getContext(), m->pa, m->pb, shape.size() - 1));
  Value r = MatmulOp::create(ctx.b, ctx.loc, acc, m->a, m->b, Value());
  auto y = requantize(ctx, r, 6, 7);
  if (failed(y))
    return failure();
  ctx.setOutput(0, y->first, y->second);
  return success();
}

/// ConvInteger (x, w, x_zp, w_zp) and QLinearConv (x, xs, xzp, w, ws, wzp,
/// ys, yzp, B): NCHW in and out, qf.conv2d on NHWC x HWCF inside.
Converter convertIntegerConv(bool qlinear) {
  return [qlinear](NodeContext &ctx) -> LogicalResult {
    size_t xi = 0, wi = qlinear ? 3 : 1;
    const Tensor &x = ctx.input(xi), &w = ctx.input(wi);
    RankedTensorType xt = x.type(), wt = w.type();
    if (xt.getRank() != 4 || wt.getRank() != 4 ||
        !xt.getElementType().isInteger(8) || !wt.getElementType().isInteger(8))
      return ctx.error() << "only 2-D convolutions of 8-bit tensors are "
                            "supported";
    DenseElementsAttr wConstant = w.denseConstant();
    if (!wConstant)
      return ctx.error() << "the weight must be a constant";
    int64_t group = ctx.attrInt("group", 1);
    int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
            wd = xt.getDimSize(3), f = wt.getDimSize(0);
    if (c % group || f % group || wt.getDimSize(1) * group != c)
      return ctx.error() << "group " << group << " does not match input " << xt
                         << " and weight " << wt;
    int64_t kh = wt.getDimSize(2), kw = wt.getDimSize(3);
    SmallVector<int64_t> strides = {1, 1}, dilations = {1, 1},
                         pads = {0, 0, 0, 0};
    if (auto s = ctx.attrInts("strides"))
      strides = *s;
    if (auto d = ctx.attrInts("dilations"))
      dilations = *d;
    if (auto p = ctx.attrInts("pads"))
      pads = *p;
    if (ctx.attrString("auto_pad", "NOTSET") != "NOTSET")
      return ctx.error() << "auto_pad is not supported here; give pads";
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
      return ctx.error() << "strides, dilations and pads must be 2-D";
    auto f32 = ctx.b.getF32Type();
    FailureOr<Params> px =
        qlinear ? readParams(ctx, 1, 2, xt.getShape(), 1, xt.getElementType(),
                             x.isUnsigned, "x")
                : unitParams(ctx, 2, x, -1, "x");
    FailureOr<Params> pw =
        qlinear ? readParams(ctx, 4, 5, wt.getShape(), 0, wt.getElementType(),
                             w.isUnsigned, "w")
                : unitParams(ctx, 3, w, 0, "w");
    if (failed(px) || failed(pw))
      return failure();
    if (px->scales.size() != 1)
      return ctx.error() << "x must be quantized per tensor";
    // The weight's channel axis moves from 0 (FCHW) to 3 (HWCF).
    if (pw->scales.size() > 1)
      pw->axis = 3;
    else
      pw->axis = -1;
    OpBuilder &b = ctx.b;
    Location loc = ctx.loc;
    Value xq = asQuantized(ctx, transpose(b, loc, ctx.value(xi), {0, 2, 3, 1}),
                           x.isUnsigned, quantType(b.getContext(), *px, f32));
    DenseElementsAttr wc = transposeConstant(wConstant, {2, 3, 1, 0});
    Value wv = arith::ConstantOp::create(b, loc, wc);
    Value wq =
        asQuantized(ctx, wv, w.isUnsigned, quantType(b.getContext(), *pw, f32));
    int64_t oh =
        (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
    int64_t ow =
        (wd + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
    auto acc = RankedTensorType::get({n, oh, ow, f},
                                     accType(b.getContext(), *px, *pw, 3));
    Value bias;
    if (qlinear && ctx.hasInput(8)) {
      const Tensor &bt = ctx.input(8);
      if (!bt.type().getElementType().isInteger(32))
        return ctx.error() << "B must be int32";
      bias = quant::StorageCastOp::create(
          b, loc,
          bt.type().clone(
              cast<quant::QuantizedType>(accType(b.getContext(), *px, *pw, 0))),
          ctx.value(8));
    }
    Value r = Conv2DOp::create(
        b, loc, acc, xq, wq, bias, b.getDenseI64ArrayAttr(strides),
        b.getDenseI64ArrayAttr(dilations),
        b.getDenseI64ArrayAttr({pads[0], pads[2], pads[1], pads[3]}),
        b.getI64IntegerAttr(group));
    // The storage result, back to NCHW.
    Value storage;
    bool isUnsigned = false;
    if (qlinear) {
      auto y = requantize(ctx, r, 6, 7);
      if (failed(y))
        return failure();
      std::tie(storage, isUnsigned) = *y;
    } else {
      storage =
          quant::StorageCastOp::create(b, loc, acc.clone(b.getI32Type()), r);
    }
    ctx.setOutput(0, transpose(b, loc, storage, {0, 3, 1, 2}), isUnsigned);
    return success();
  };
}

} // namespace

void onnx_import::registerQuantOps(ConverterTable &t) {
  t["QuantizeLinear"] = convertQuantizeLinear;
  t["DequantizeLinear"] = convertDequantizeLinear;
  t["DynamicQuantizeLinear"] = convertDynamicQuantizeLinear;
  t["MatMulInteger"] = convertMatMulInteger;
  t["QLinearMatMul"] = convertQLinearMatMul;
  t["ConvInteger"] = convertIntegerConv(/*qlinear=*/false);
  t["QLinearConv"] = convertIntegerConv(/*qlinear=*/true);
}
