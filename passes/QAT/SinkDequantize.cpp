//===- SinkDequantize.cpp - Move dequantization past layout ops -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/QAT/SinkDequantize.h"

#include "dialects/QF/QFOps.h"
#include "parameters/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;

namespace {

/// The dequantized operand's quantized value and type, for 8-bit per-tensor
/// or per-axis types (what qf-fuse-qdq takes).
std::optional<std::pair<Value, quant::QuantizedType>> dequantized(Value value) {
  auto dq = value.getDefiningOp<DequantizeOp>();
  if (!dq)
    return std::nullopt;
  auto type = cast<RankedTensorType>(dq.getInput().getType());
  auto qtype = cast<quant::QuantizedType>(type.getElementType());
  if (qtype.getStorageTypeIntegralWidth() != 8 ||
      !isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(
          qtype))
    return std::nullopt;
  return std::pair{dq.getInput(), qtype};
}

Value toStorage(PatternRewriter &rewriter, Location loc, Value quantized,
                quant::QuantizedType qtype) {
  auto type = cast<RankedTensorType>(quantized.getType());
  return quant::StorageCastOp::create(
      rewriter, loc, type.clone(qtype.getStorageType()), quantized);
}

/// transpose(dequantize(q)) -> dequantize(transpose(q)), a per-axis type's
/// axis following the permutation.
struct SinkThroughTranspose : OpRewritePattern<linalg::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dequantized(op.getInput());
    if (!source)
      return rewriter.notifyMatchFailure(op, "input is not dequantized");
    auto [quantized, qtype] = *source;
    ArrayRef<int64_t> perm = op.getPermutation();
    quant::QuantizedType moved = qtype;
    if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
      int32_t axis = perAxis.getQuantizedDimension();
      int32_t to = llvm::find(perm, axis) - perm.begin();
      moved = quant::UniformQuantizedPerAxisType::get(
          perAxis.getFlags(), perAxis.getStorageType(),
          perAxis.getExpressedType(), perAxis.getScales(),
          perAxis.getZeroPoints(), to, perAxis.getStorageTypeMin(),
          perAxis.getStorageTypeMax());
    }
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getResult()[0].getType());
    Value transposed;
    ConstantData constant;
    if (auto cast = quantized.getDefiningOp<quant::StorageCastOp>())
      matchConstantData(cast.getInput(), constant);
    if (constant && isa<IntegerType>(constant.getElementType())) {
      // A constant weight: transposed once, here.
      auto type = cast<RankedTensorType>(constant.getType());
      ArrayRef<int64_t> shape = type.getShape();
      SmallVector<int64_t> outShape(resultType.getShape());
      std::vector<APInt> in = constant.apInts();
      SmallVector<APInt> out(in.size());
      SmallVector<int64_t> index(shape.size(), 0);
      for (size_t i = 0; i < out.size(); ++i) {
        // Output element i at `index`; it reads input index[perm^-1].
        int64_t from = 0;
        SmallVector<int64_t> source(shape.size());
        for (size_t d = 0; d < perm.size(); ++d)
          source[perm[d]] = index[d];
        for (size_t d = 0; d < shape.size(); ++d)
          from = from * shape[d] + source[d];
        out[i] = in[from];
        for (int64_t d = int64_t(index.size()) - 1; d >= 0; --d) {
          if (++index[d] < outShape[d])
            break;
          index[d] = 0;
        }
      }
      transposed = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(resultType.clone(type.getElementType()), out));
    } else {
      Value storage = toStorage(rewriter, loc, quantized, qtype);
      Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                           qtype.getStorageType());
      transposed =
          linalg::TransposeOp::create(rewriter, loc, storage, init, perm)
              .getResult()[0];
    }
    Value back = quant::StorageCastOp::create(
        rewriter, loc, resultType.clone(moved), transposed);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, resultType, back);
    return success();
  }
};

/// pad(dequantize(q), v) -> dequantize(pad(q, c)) for a per-tensor type
/// whose code c dequantizes to v exactly (0.0 is the zero point's).
struct SinkThroughPad : OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::PadOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dequantized(op.getSource());
    if (!source)
      return rewriter.notifyMatchFailure(op, "input is not dequantized");
    auto [quantized, qtype] = *source;
    auto perTensor = dyn_cast<quant::UniformQuantizedType>(qtype);
    Value padValue = op.getConstantPaddingValue();
    FloatAttr value;
    if (!perTensor || !padValue || !matchPattern(padValue, m_Constant(&value)))
      return rewriter.notifyMatchFailure(op, "not a constant per-tensor pad");
    double v = value.getValueAsDouble();
    double scale = perTensor.getScale();
    double code = std::nearbyint(v / scale) + perTensor.getZeroPoint();
    if (code < qtype.getStorageTypeMin() || code > qtype.getStorageTypeMax() ||
        float((code - perTensor.getZeroPoint()) * float(scale)) != float(v))
      return rewriter.notifyMatchFailure(op, "the pad value has no code");
    Location loc = op.getLoc();
    Value storage = toStorage(rewriter, loc, quantized, qtype);
    auto resultType = cast<RankedTensorType>(op.getType());
    auto storageType = resultType.clone(qtype.getStorageType());
    Value c = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getIntegerAttr(qtype.getStorageType(), int64_t(code)));
    Value padded = tensor::PadOp::create(
        rewriter, loc, storageType, storage, op.getMixedLowPad(),
        op.getMixedHighPad(), c, op.getNofold());
    Value back = quant::StorageCastOp::create(rewriter, loc,
                                              resultType.clone(qtype), padded);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, resultType, back);
    return success();
  }
};

} // namespace

void mlir::qf::populateSinkDequantizePatterns(RewritePatternSet &patterns) {
  patterns.add<SinkThroughTranspose, SinkThroughPad>(patterns.getContext());
}
