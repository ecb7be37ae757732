//===- ConvOps.cpp - ONNX convolutions, pooling and padding ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// ONNX is NCHW; the quantization passes and backends work on
// linalg.conv_2d_nhwc_hwcf. A Conv is therefore transposed to NHWC around
// the convolution, and a constant weight [F, C, kh, kw] is stored as HWCF
// at import. Depthwise convolutions (group = C = F) use
// linalg.depthwise_conv_2d_nhwc_hwc. Pooling stays NCHW
// (linalg.pooling_nchw_max/_sum). ConvTranspose is the adjoint convolution
// on a zero-upsampled input. Only 2-D spatial operators are supported.
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

/// Spatial parameters of a 2-D window operator, pads resolved.
struct Window {
  int64_t kh, kw;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t top = 0, left = 0, bottom = 0, right = 0;
  int64_t outH = 0, outW = 0;
  int64_t extraH = 0, extraW = 0; // ceil_mode padding beyond `pads`
};

/// Reads kernel_shape (or the weight's), strides, dilations, pads and
/// auto_pad for an input of spatial size h x w.
FailureOr<Window> window(NodeContext &ctx, int64_t h, int64_t w,
                         std::optional<std::pair<int64_t, int64_t>> kernel,
                         bool ceilMode = false) {
  Window win;
  auto ks = ctx.attrInts("kernel_shape");
  if (ks) {
    if (ks->size() != 2)
      return ctx.error() << "only 2-D kernels are supported", failure();
    win.kh = (*ks)[0];
    win.kw = (*ks)[1];
  } else if (kernel) {
    std::tie(win.kh, win.kw) = *kernel;
  } else {
    return ctx.error() << "needs kernel_shape", failure();
  }
  auto pair = [&](StringRef name, int64_t &a, int64_t &b) -> LogicalResult {
    if (auto v = ctx.attrInts(name)) {
      if (v->size() != 2 || (*v)[0] < 1 || (*v)[1] < 1)
        return ctx.error() << name << " must be two positive integers";
      a = (*v)[0];
      b = (*v)[1];
    }
    return success();
  };
  if (failed(pair("strides", win.sh, win.sw)) ||
      failed(pair("dilations", win.dh, win.dw)))
    return failure();
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  int64_t effH = (win.kh - 1) * win.dh + 1, effW = (win.kw - 1) * win.dw + 1;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    auto total = [](int64_t in, int64_t stride, int64_t eff) {
      int64_t out = (in + stride - 1) / stride;
      return std::max<int64_t>((out - 1) * stride + eff - in, 0);
    };
    int64_t th = total(h, win.sh, effH), tw = total(w, win.sw, effW);
    bool upper = autoPad == "SAME_UPPER";
    win.top = upper ? th / 2 : th - th / 2;
    win.bottom = th - win.top;
    win.left = upper ? tw / 2 : tw - tw / 2;
    win.right = tw - win.left;
  } else if (autoPad == "NOTSET") {
    if (auto pads = ctx.attrInts("pads")) {
      if (pads->size() != 4 ||
          llvm::any_of(*pads, [](int64_t p) { return p < 0; }))
        return ctx.error() << "pads must be four non-negative integers",
               failure();
      win.top = (*pads)[0];
      win.left = (*pads)[1];
      win.bottom = (*pads)[2];
      win.right = (*pads)[3];
    }
  } else if (autoPad != "VALID") {
    return ctx.error() << "auto_pad '" << autoPad << "' is not supported",
           failure();
  }
  auto outSize = [&](int64_t in, int64_t lo, int64_t hi, int64_t eff,
                     int64_t stride, int64_t &extra) {
    int64_t span = in + lo + hi - eff;
    int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
    // ceil_mode windows may start in the high padding: pad further.
    extra = std::max<int64_t>((out - 1) * stride + eff - (in + lo + hi), 0);
    return out;
  };
  win.outH = outSize(h, win.top, win.bottom, effH, win.sh, win.extraH);
  win.outW = outSize(w, win.left, win.right, effW, win.sw, win.extraW);
  win.bottom += win.extraH;
  win.right += win.extraW;
  if (win.outH < 1 || win.outW < 1)
    return ctx.error() << "the window does not fit the " << h << "x" << w
                       << " input",
           failure();
  return win;
}

/// `v` padded on its dims `hDim` and `hDim + 1` with `value`.
Value pad2d(OpBuilder &b, Location loc, Value v, int64_t hDim,
            const Window &win, TypedAttr value) {
  if (!win.top && !win.left && !win.bottom && !win.right)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> low(type.getRank(), 0), high(type.getRank(), 0);
  low[hDim] = win.top;
  low[hDim + 1] = win.left;
  high[hDim] = win.bottom;
  high[hDim + 1] = win.right;
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t d = 0; d < type.getRank(); ++d)
    shape[d] += low[d] + high[d];
  auto outType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    lo.push_back(b.getIndexAttr(low[d]));
    hi.push_back(b.getIndexAttr(high[d]));
  }
  Value padValue = arith::ConstantOp::create(b, loc, value);
  return tensor::PadOp::create(b, loc, outType, v, lo, hi, padValue);
}

/// The bias (input 2, added per output channel) of an NHWC convolution's
/// result `y`, and the result back in ONNX's NCHW as output 0.
LogicalResult finishConv(NodeContext &ctx, OpBuilder &b, Location loc, Value y,
                         Type elem) {
  if (ctx.hasInput(2)) {
    auto biased = elementwise(
        ctx, {y, ctx.value(2)}, elem,
        [](OpBuilder &nb, Location l, ValueRange s) {
          return arith::AddFOp::create(nb, l, s[0], s[1]).getResult();
        });
    if (failed(biased))
      return failure();
    y = *biased;
  }
  ctx.setOutput(0, transpose(b, loc, y, {0, 3, 1, 2}));
  return success();
}

LogicalResult convertConv(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type(), wt = ctx.input(1).type();
  Type elem = xt.getElementType();
  if (xt.getRank() != 4 || wt.getRank() != 4)
    return ctx.error() << "only 2-D convolutions (NCHW input, FCHW weight) "
                          "are supported";
  if (!isa<FloatType>(elem) || wt.getElementType() != elem)
    return ctx.error() << "expects float input and weight of one type";
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
          w = xt.getDimSize(3);
  int64_t f = wt.getDimSize(0), group = ctx.attrInt("group", 1);
  bool depthwise = group > 1 && group == c && f == c && wt.getDimSize(1) == 1;
  if (group != 1 && !depthwise)
    return ctx.error() << "group " << group
                       << " is not supported (only 1, or depthwise with "
                          "group = channels = filters)";
  if (!depthwise && wt.getDimSize(1) != c)
    return ctx.error() << "weight " << wt << " does not match input " << xt;
  auto win =
      window(ctx, h, w, std::make_pair(wt.getDimSize(2), wt.getDimSize(3)));
  if (failed(win))
    return failure();
  if (win->kh != wt.getDimSize(2) || win->kw != wt.getDimSize(3))
    return ctx.error() << "kernel_shape does not match the weight";
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = transpose(b, loc, ctx.value(0), {0, 2, 3, 1});
  x = pad2d(b, loc, x, 1, *win, cast<TypedAttr>(b.getZeroAttr(elem)));
  // Weight to HWCF (HWC for depthwise), folded when constant.
  SmallVector<int64_t> perm = {2, 3, 1, 0};
  Value weight;
  if (DenseElementsAttr constant = ctx.input(1).denseConstant()) {
    DenseElementsAttr wc = transposeConstant(constant, perm);
    if (depthwise)
      wc = wc.reshape(RankedTensorType::get({win->kh, win->kw, c}, elem));
    weight = arith::ConstantOp::create(b, loc, wc);
  } else {
    weight = transpose(b, loc, ctx.value(1), perm);
    if (depthwise)
      weight = reshape(b, loc, weight, {win->kh, win->kw, c});
  }
  SmallVector<int64_t> outShape = {n, win->outH, win->outW, f};
  Value init = filled(b, loc, outShape, cast<TypedAttr>(b.getZeroAttr(elem)));
  auto outType = RankedTensorType::get(outShape, elem);
  auto strides = b.getI64TensorAttr({win->sh, win->sw});
  auto dilations = b.getI64TensorAttr({win->dh, win->dw});
  Value y;
  if (depthwise)
    y = linalg::DepthwiseConv2DNhwcHwcOp::create(
            b, loc, TypeRange{outType}, ValueRange{x, weight}, ValueRange{init},
            {b.getNamedAttr("strides", strides),
             b.getNamedAttr("dilations", dilations)})
            .getResult(0);
  else
    y = linalg::Conv2DNhwcHwcfOp::create(b, loc, TypeRange{outType},
                                         ValueRange{x, weight},
                                         ValueRange{init}, strides, dilations)
            .getResult(0);
  return finishConv(ctx, b, loc, y, elem);
}

/// ConvTranspose as the convolution it is the adjoint of: the input with
/// (stride - 1) zeros between pixels, padded by dilation * (k - 1) - pad on
/// each side (plus output_padding at the end), convolved at stride 1 with
/// the kernel rotated by 180 degrees and its channel axes swapped. The
/// weight ([C, F, kh, kw]) must be a constant; group 1 only.
LogicalResult convertConvTranspose(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type(), wt = ctx.input(1).type();
  Type elem = xt.getElementType();
  if (xt.getRank() != 4 || wt.getRank() != 4 || !elem.isF32() ||
      wt.getElementType() != elem)
    return ctx.error() << "only 2-D f32 transposed convolutions are supported";
  if (ctx.attrInt("group", 1) != 1)
    return ctx.error() << "only group 1 is supported";
  DenseElementsAttr weightValues = ctx.input(1).denseConstant();
  if (!weightValues)
    return ctx.error() << "the weight must be a constant";
  if (ctx.hasAttr("output_shape") ||
      ctx.attrString("auto_pad", "NOTSET") != "NOTSET")
    return ctx.error() << "output_shape and auto_pad are not supported; give "
                          "pads";
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
          w = xt.getDimSize(3);
  int64_t f = wt.getDimSize(1), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  if (wt.getDimSize(0) != c)
    return ctx.error() << "weight " << wt << " does not match input " << xt;
  auto pairOr = [&](StringRef name, int64_t def) {
    SmallVector<int64_t> v =
        ctx.attrInts(name).value_or(SmallVector<int64_t>{def, def});
    return v;
  };
  SmallVector<int64_t> strides = pairOr("strides", 1),
                       dilations = pairOr("dilations", 1),
                       extra = pairOr("output_padding", 0);
  SmallVector<int64_t> pads =
      ctx.attrInts("pads").value_or(SmallVector<int64_t>{0, 0, 0, 0});
  if (strides.size() != 2 || dilations.size() != 2 || extra.size() != 2 ||
      pads.size() != 4)
    return ctx.error() << "strides, dilations, output_padding and pads must "
                          "be 2-D";
  int64_t lo[2], hi[2];
  for (int d = 0; d < 2; ++d) {
    int64_t span = dilations[d] * ((d ? kw : kh) - 1);
    lo[d] = span - pads[d];
    hi[d] = span - pads[d + 2] + extra[d];
    if (lo[d] < 0 || hi[d] < 0)
      return ctx.error() << "pads larger than dilation * (kernel - 1) are not "
                            "supported";
  }
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  // NHWC, upsampled with zeros, padded.
  Value x = transpose(b, loc, ctx.value(0), {0, 2, 3, 1});
  int64_t uh = (h - 1) * strides[0] + 1, uw = (w - 1) * strides[1] + 1;
  int64_t ph = uh + lo[0] + hi[0], pw = uw + lo[1] + hi[1];
  Value canvas =
      filled(b, loc, {n, ph, pw, c}, cast<TypedAttr>(b.getZeroAttr(elem)));
  MLIRContext *mctx = b.getContext();
  x = tensor::InsertSliceOp::create(
      b, loc, x, canvas,
      getAsIndexOpFoldResult(mctx, ArrayRef<int64_t>{0, lo[0], lo[1], 0}),
      getAsIndexOpFoldResult(mctx, ArrayRef<int64_t>{n, h, w, c}),
      getAsIndexOpFoldResult(mctx,
                             ArrayRef<int64_t>{1, strides[0], strides[1], 1}));
  // HWCF[i][j][c][f] = W[c][f][kh - 1 - i][kw - 1 - j].
  SmallVector<float> src(weightValues.getValues<float>());
  SmallVector<float> hwcf(src.size());
  for (int64_t ci = 0; ci < c; ++ci)
    for (int64_t fi = 0; fi < f; ++fi)
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j)
          hwcf[((i * kw + j) * c + ci) * f + fi] =
              src[((ci * f + fi) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
  Value weight = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({kh, kw, c, f}, elem),
                             ArrayRef<float>(hwcf)));
  int64_t oh = ph - dilations[0] * (kh - 1), ow = pw - dilations[1] * (kw - 1);
  SmallVector<int64_t> outShape = {n, oh, ow, f};
  Value init = filled(b, loc, outShape, cast<TypedAttr>(b.getZeroAttr(elem)));
  Value y = linalg::Conv2DNhwcHwcfOp::create(
                b, loc, TypeRange{RankedTensorType::get(outShape, elem)},
                ValueRange{x, weight}, ValueRange{init},
                b.getI64TensorAttr({1, 1}), b.getI64TensorAttr(dilations))
                .getResult(0);
  return finishConv(ctx, b, loc, y, elem);
}

enum class PoolKind { Max, Average };

Converter convertPool(PoolKind kind) {
  return [kind](NodeContext &ctx) -> LogicalResult {
    RankedTensorType xt = ctx.input(0).type();
    Type elem = xt.getElementType();
    if (xt.getRank() != 4 || !isa<FloatType>(elem))
      return ctx.error() << "only 2-D pooling of float NCHW tensors is "
                            "supported";
    if (ctx.numOutputs() > 1)
      return ctx.error() << "the Indices output is not supported";
    int64_t h = xt.getDimSize(2), w = xt.getDimSize(3);
    auto win = window(ctx, h, w, std::nullopt, ctx.attrInt("ceil_mode", 0));
    if (failed(win))
      return failure();
    OpBuilder &b = ctx.b;
    Location loc = ctx.loc;
    const llvm::fltSemantics &sem = cast<FloatType>(elem).getFloatSemantics();
    TypedAttr padValue =
        kind == PoolKind::Max
            ? TypedAttr(b.getFloatAttr(elem, APFloat::getInf(sem, true)))
            : TypedAttr(b.getFloatAttr(elem, 0.0));
    Value x = pad2d(b, loc, ctx.value(0), 2, *win, padValue);
    SmallVector<int64_t> outShape = {xt.getDimSize(0), xt.getDimSize(1),
                                     win->outH, win->outW};
    Value init = filled(b, loc, outShape, padValue);
    Value windowShape = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{win->kh, win->kw}, elem);
    auto outType = RankedTensorType::get(outShape, elem);
    auto strides = b.getI64TensorAttr({win->sh, win->sw});
    auto dilations = b.getI64TensorAttr({win->dh, win->dw});
    Value y;
    if (kind == PoolKind::Max) {
      y = linalg::PoolingNchwMaxOp::create(b, loc, TypeRange{outType},
                                           ValueRange{x, windowShape},
                                           ValueRange{init}, strides, dilations)
              .getResult(0);
      ctx.setOutput(0, y);
      return success();
    }
    y = linalg::PoolingNchwSumOp::create(b, loc, TypeRange{outType},
                                         ValueRange{x, windowShape},
                                         ValueRange{init}, strides, dilations)
            .getResult(0);
    // The divisor per output position: the whole window, or only its
    // elements inside the unpadded input (count_include_pad = 0).
    bool includePad = ctx.attrInt("count_include_pad", 0);
    SmallVector<float> divisor;
    for (int64_t oh = 0; oh < win->outH; ++oh)
      for (int64_t ow = 0; ow < win->outW; ++ow) {
        int64_t count = 0;
        for (int64_t i = 0; i < win->kh; ++i)
          for (int64_t j = 0; j < win->kw; ++j) {
            int64_t r = oh * win->sh + i * win->dh - win->top;
            int64_t q = ow * win->sw + j * win->dw - win->left;
            bool inside = r >= 0 && r < h && q >= 0 && q < w;
            // Explicit pads count when count_include_pad is set; the
            // ceil_mode extension never does.
            bool inPads = r >= -win->top && q >= -win->left &&
                          r < h + win->bottom - win->extraH &&
                          q < w + win->right - win->extraW;
            count += inside || (includePad && inPads);
          }
        divisor.push_back(float(std::max<int64_t>(count, 1)));
      }
    Value d = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({win->outH, win->outW}, b.getF32Type()),
            ArrayRef<float>(divisor)));
    auto avg = elementwise(
        ctx, {y, d}, elem, [](OpBuilder &nb, Location l, ValueRange s) {
          Value div = s[1];
          if (div.getType() != s[0].getType())
            div = arith::TruncFOp::create(nb, l, s[0].getType(), div);
          return arith::DivFOp::create(nb, l, s[0], div).getResult();
        });
    if (failed(avg))
      return failure();
    ctx.setOutput(0, *avg);
    return success();
  };
}

LogicalResult convertGlobalAveragePool(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  Type elem = xt.getElementType();
  if (xt.getRank() < 3 || !isa<FloatType>(elem))
    return ctx.error() << "expects a float tensor [N, C, spatial...]";
  SmallVector<int64_t> axes;
  int64_t count = 1;
  for (int64_t d = 2; d < xt.getRank(); ++d) {
    axes.push_back(d);
    count *= xt.getDimSize(d);
  }
  OpBuilder &b = ctx.b;
  Value sum = reduce(b, ctx.loc, ctx.value(0), axes, /*keepDims=*/true,
                     b.getFloatAttr(elem, 0.0),
                     [](OpBuilder &nb, Location l, ValueRange s) -> Value {
                       return arith::AddFOp::create(nb, l, s[0], s[1]);
                     });
  auto mean = elementwise(
      ctx, {sum}, elem, [&](OpBuilder &nb, Location l, ValueRange s) {
        return arith::DivFOp::create(nb, l, s[0],
                                     scalarConstant(nb, l, elem, count))
            .getResult();
      });
  if (failed(mean))
    return failure();
  ctx.setOutput(0, *mean);
  return success();
}

/// Inference batch normalization over dim 1: x * a + b with
/// a = scale / sqrt(var + eps) and b = bias - mean * a, folded when the
/// statistics are constants.
LogicalResult convertBatchNorm(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  Type elem = xt.getElementType();
  if (xt.getRank() < 2 || !isa<FloatType>(elem))
    return ctx.error() << "expects a float tensor [N, C, ...]";
  if (ctx.attrInt("training_mode", 0) || ctx.numOutputs() > 1)
    return ctx.error() << "only inference mode (one output) is supported";
  int64_t c = xt.getDimSize(1);
  double eps = ctx.attrFloat("epsilon", 1e-5f);
  SmallVector<int64_t> paramShape = {c};
  for (int64_t d = 2; d < xt.getRank(); ++d)
    paramShape.push_back(1);
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value a, shift;
  bool constant = true;
  for (size_t i = 1; i <= 4; ++i)
    constant &= bool(ctx.input(i).constant);
  if (constant) {
    auto scale = *ctx.constFloats(1, "scale");
    auto bias = *ctx.constFloats(2, "B");
    auto mean = *ctx.constFloats(3, "mean");
    auto var = *ctx.constFloats(4, "var");
    if (scale.size() != size_t(c) || bias.size() != size_t(c) ||
        mean.size() != size_t(c) || var.size() != size_t(c))
      return ctx.error() << "parameters must have " << c << " elements";
    SmallVector<Attribute> av, bv;
    for (int64_t i = 0; i < c; ++i) {
      double k = scale[i] / std::sqrt(var[i] + eps);
      av.push_back(b.getFloatAttr(elem, k));
      bv.push_back(b.getFloatAttr(elem, bias[i] - mean[i] * k));
    }
    auto type = RankedTensorType::get(paramShape, elem);
    a = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, av));
    shift = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, bv));
  } else {
    SmallVector<Value> p;
    for (size_t i = 1; i <= 4; ++i)
      p.push_back(reshape(b, loc, ctx.value(i), paramShape));
    a = *elementwise(
        ctx, {p[0], p[3]}, elem, [&](OpBuilder &nb, Location l, ValueRange s) {
          Value v = arith::AddFOp::create(nb, l, s[1],
                                          scalarConstant(nb, l, elem, eps));
          return arith::MulFOp::create(nb, l, s[0],
                                       math::RsqrtOp::create(nb, l, v))
              .getResult();
        });
    shift = *elementwise(ctx, {p[1], p[2], a}, elem,
                         [](OpBuilder &nb, Location l, ValueRange s) {
                           return arith::SubFOp::create(
                                      nb, l, s[0],
                                      arith::MulFOp::create(nb, l, s[1], s[2]))
                               .getResult();
                         });
  }
  auto y = elementwise(
      ctx, {ctx.value(0), a, shift}, elem,
      [](OpBuilder &nb, Location l, ValueRange s) {
        return arith::AddFOp::create(
                   nb, l, arith::MulFOp::create(nb, l, s[0], s[1]), s[2])
            .getResult();
      });
  if (failed(y))
    return failure();
  ctx.setOutput(0, *y);
  return success();
}

LogicalResult convertPad(NodeContext &ctx) {
  RankedTensorType xt = ctx.input(0).type();
  std::string mode = ctx.attrString("mode", "constant");
  if (mode != "constant")
    return ctx.error() << "mode '" << mode
                       << "' is not supported (only constant)";
  SmallVector<int64_t> pads;
  double value = 0;
  if (ctx.opset < 11) {
    pads = ctx.attrInts("pads").value_or(SmallVector<int64_t>());
    value = ctx.attrFloat("value", 0.0f);
  } else {
    auto p = ctx.constInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (ctx.hasInput(2)) {
      auto v = ctx.constFloats(2, "constant_value");
      if (failed(v))
        return failure();
      value = (*v)[0];
    }
  }
  int64_t rank = xt.getRank();
  if (int64_t(pads.size()) != 2 * rank ||
      llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return ctx.error() << "pads must be " << 2 * rank
                       << " non-negative integers";
  OpBuilder &b = ctx.b;
  SmallVector<OpFoldResult> lo, hi;
  SmallVector<int64_t> shape(xt.getShape());
  for (int64_t d = 0; d < rank; ++d) {
    lo.push_back(b.getIndexAttr(pads[d]));
    hi.push_back(b.getIndexAttr(pads[d + rank]));
    shape[d] += pads[d] + pads[d + rank];
  }
  Value padValue = scalarConstant(b, ctx.loc, xt.getElementType(), value);
  ctx.setOutput(
      0,
      tensor::PadOp::create(b, ctx.loc,
                            RankedTensorType::get(shape, xt.getElementType()),
                            ctx.value(0), lo, hi, padValue)
          .getResult(),
      ctx.input(0).isUnsigned);
  return success();
}

} // namespace

void onnx_import::registerConvOps(ConverterTable &t) {
  t["Conv"] = convertConv;
  t["ConvTranspose"] = convertConvTranspose;
  t["MaxPool"] = convertPool(PoolKind::Max);
  t["AveragePool"] = convertPool(PoolKind::Average);
  t["GlobalAveragePool"] = convertGlobalAveragePool;
  t["BatchNormalization"] = convertBatchNorm;
  t["Pad"] = convertPad;
}
