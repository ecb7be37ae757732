//===- FuseQDQ.cpp - The qf-fuse-qdq pass ---------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// dequantize -> float contraction -> (quantize) becomes an integer qf op on
// the quantized operands, its i32 accumulator, and either qf.requantize to
// the quantize's type or a dequantization of the accumulator.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "parameters/ConstantData.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::qf {
#define GEN_PASS_DEF_QFFUSEQDQPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

/// A quantized operand behind a dequantization: the quantized value and,
/// for qf.dynamic_dequantize, its run-time scale.
struct QuantOperand {
  Value quantized;
  Value runtimeScale;
  quant::QuantizedType type;
};

/// The quantized source of `value` if it is an 8-bit per-tensor or
/// per-axis (`allowedAxis`) dequantization.
std::optional<QuantOperand> quantOperand(Value value,
                                         std::optional<int32_t> allowedAxis,
                                         bool allowDynamic) {
  QuantOperand operand;
  if (auto dq = value.getDefiningOp<DequantizeOp>()) {
    operand.quantized = dq.getInput();
  } else if (auto dq = value.getDefiningOp<DynamicDequantizeOp>();
             dq && allowDynamic) {
    operand.quantized = dq.getInput();
    operand.runtimeScale = dq.getScale();
  } else {
    return std::nullopt;
  }
  operand.type = cast<quant::QuantizedType>(
      cast<RankedTensorType>(operand.quantized.getType()).getElementType());
  if (operand.type.getStorageTypeIntegralWidth() != 8)
    return std::nullopt;
  std::optional<int32_t> axis = getQuantizedAxis(operand.type);
  if (axis && (!allowedAxis || *axis != *allowedAxis))
    return std::nullopt;
  return operand;
}

/// A float bias broadcast over every dimension but the last, as the init of
/// a contraction: a fill with a constant, a linalg.broadcast of a constant
/// vector, or a generic that only yields such a vector.
std::optional<SmallVector<double>> constantBias(Value init, int64_t channels) {
  auto values = [&](Value v) -> std::optional<SmallVector<double>> {
    ConstantData attr;
    if (!matchConstantData(v, attr) || !isa<FloatType>(attr.getElementType()))
      return std::nullopt;
    std::vector<double> all = attr.doubles();
    SmallVector<double> result(all.begin(), all.end());
    if ((int64_t)result.size() != channels)
      return std::nullopt;
    return result;
  };
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    FloatAttr scalar;
    if (!matchPattern(fill.getInputs()[0], m_Constant(&scalar)))
      return std::nullopt;
    // A dynamic channel count (attention over the sequence) folds a zero
    // init only.
    if (ShapedType::isDynamic(channels))
      return scalar.getValueAsDouble() == 0.0
                 ? std::optional<SmallVector<double>>({0.0})
                 : std::nullopt;
    return SmallVector<double>(channels, scalar.getValueAsDouble());
  }
  auto rank = cast<RankedTensorType>(init.getType()).getRank();
  if (auto broadcast = init.getDefiningOp<linalg::BroadcastOp>()) {
    SmallVector<int64_t> expected;
    for (int64_t d = 0; d + 1 < rank; ++d)
      expected.push_back(d);
    if (broadcast.getDimensions() != ArrayRef(expected))
      return std::nullopt;
    return values(broadcast.getInput());
  }
  if (auto generic = init.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumResults() != 1)
      return std::nullopt;
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    AffineMap map = generic.getIndexingMapsArray()[0];
    if (body.getOperations().size() != 1 ||
        yield.getOperand(0) != body.getArgument(0) ||
        map.getNumResults() != 1 ||
        map.getResult(0) != getAffineDimExpr(rank - 1, map.getContext()) ||
        !generic.getIndexingMapsArray()[1].isIdentity())
      return std::nullopt;
    return values(generic.getDpsInputs()[0]);
  }
  return std::nullopt;
}

/// The accumulator element type of `lhs x rhs`: i32, zero point 0, scale
/// s_lhs * s_rhs (per `axis` when rhs is per channel).
quant::QuantizedType accumulatorType(quant::QuantizedType lhs,
                                     quant::QuantizedType rhs, int32_t axis) {
  MLIRContext *ctx = lhs.getContext();
  auto i32 = IntegerType::get(ctx, 32);
  Type expressed = lhs.getExpressedType();
  double lhsScale = getScales(lhs).front();
  SmallVector<double> scales;
  for (double s : getScales(rhs))
    scales.push_back(lhsScale * s);
  int64_t min = std::numeric_limits<int32_t>::min();
  int64_t max = std::numeric_limits<int32_t>::max();
  unsigned flags = quant::QuantizationFlags::Signed;
  if (!getQuantizedAxis(rhs))
    return quant::UniformQuantizedType::get(flags, i32, expressed, scales[0], 0,
                                            min, max);
  SmallVector<int64_t> zeros(scales.size(), 0);
  return quant::UniformQuantizedPerAxisType::get(flags, i32, expressed, scales,
                                                 zeros, axis, min, max);
}

/// The bias as i32 codes at the accumulator's scales, round half to even
/// (saturating), as a constant of the accumulator's type along dimension 0.
Value quantizedBias(PatternRewriter &rewriter, Location loc,
                    ArrayRef<double> bias, quant::QuantizedType accType) {
  SmallVector<double> scales = getScales(accType);
  SmallVector<int32_t> codes;
  for (auto [i, b] : llvm::enumerate(bias)) {
    double scale = scales.size() == 1 ? scales[0] : scales[i];
    double q = std::nearbyint(b / scale);
    q = std::clamp(q, (double)std::numeric_limits<int32_t>::min(),
                   (double)std::numeric_limits<int32_t>::max());
    codes.push_back(static_cast<int32_t>(q));
  }
  int64_t n = bias.size();
  auto storageType = RankedTensorType::get({n}, rewriter.getI32Type());
  Value constant = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(storageType, ArrayRef(codes)));
  quant::QuantizedType biasType = accType;
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(accType))
    biasType = quant::UniformQuantizedPerAxisType::get(
        perAxis.getFlags(), perAxis.getStorageType(),
        perAxis.getExpressedType(), perAxis.getScales(),
        perAxis.getZeroPoints(), 0, perAxis.getStorageTypeMin(),
        perAxis.getStorageTypeMax());
  return quant::StorageCastOp::create(
      rewriter, loc, RankedTensorType::get({n}, biasType), constant);
}

/// Builds the integer op from its quantized operands, optional bias and
/// accumulator type.
using IntegerBuilder = function_ref<Value(Value lhs, Value rhs, Value bias,
                                          RankedTensorType accType)>;

/// The shared rewrite of a float contraction `op` with init `init`.
LogicalResult fuse(PatternRewriter &rewriter, Operation *op, Value lhsValue,
                   Value rhsValue, Value init, int32_t weightAxis,
                   IntegerBuilder build) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  std::optional<QuantOperand> lhs =
      quantOperand(lhsValue, std::nullopt, /*allowDynamic=*/true);
  std::optional<QuantOperand> rhs =
      quantOperand(rhsValue, weightAxis, /*allowDynamic=*/false);
  if (!lhs || !rhs)
    return rewriter.notifyMatchFailure(op, "operands are not 8-bit "
                                           "per-tensor/per-channel dequantize");
  if (lhs->type.getExpressedType() != resultType.getElementType() ||
      rhs->type.getExpressedType() != resultType.getElementType())
    return rewriter.notifyMatchFailure(op, "mixed float types");
  Location loc = op->getLoc();
  int32_t outAxis = resultType.getRank() - 1;
  quant::QuantizedType accElement =
      accumulatorType(lhs->type, rhs->type, outAxis);
  auto accType = resultType.clone(accElement);
  int64_t channels = resultType.getDimSize(outAxis);

  // The init: zero, a constant bias folded into the accumulator (static
  // activations only: a per-token scale varies by row), or added in float.
  Value bias;
  bool addInit = true;
  if (std::optional<SmallVector<double>> b = constantBias(init, channels)) {
    bool zero = llvm::all_of(*b, [](double v) { return v == 0.0; });
    if (zero) {
      addInit = false;
    } else if (!lhs->runtimeScale) {
      bias = quantizedBias(rewriter, loc, *b, accElement);
      addInit = false;
    }
  }
  Value acc = build(lhs->quantized, rhs->quantized, bias, accType);

  // One quantize user and nothing to add: requantize in integers.
  if (!addInit && !lhs->runtimeScale && op->getResult(0).hasOneUse())
    if (auto quantize =
            dyn_cast<QuantizeOp>(*op->getResult(0).getUsers().begin())) {
      auto outElement = cast<quant::QuantizedType>(
          cast<RankedTensorType>(quantize.getType()).getElementType());
      if (getQuantizedAxis(outElement) != -1 &&
          outElement.getStorageTypeIntegralWidth() <= 32) {
        rewriter.setInsertionPoint(quantize);
        rewriter.replaceOpWithNewOp<RequantizeOp>(
            quantize, quantize.getType(), acc, quantize.getRoundingAttr(),
            quantize.getSeedAttr());
        rewriter.eraseOp(op);
        return success();
      }
    }
  Value real =
      lhs->runtimeScale
          ? DynamicDequantizeOp::create(rewriter, loc, resultType, acc,
                                        lhs->runtimeScale)
                .getResult()
          : DequantizeOp::create(rewriter, loc, resultType, acc).getResult();
  if (addInit) {
    int64_t rank = resultType.getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    real = linalg::GenericOp::create(
               rewriter, loc, TypeRange{resultType}, ValueRange{real, init},
               ValueRange{init}, {id, id, id},
               SmallVector<utils::IteratorType>(rank,
                                                utils::IteratorType::parallel),
               [](OpBuilder &b, Location l, ValueRange args) {
                 linalg::YieldOp::create(
                     b, l,
                     arith::AddFOp::create(b, l, args[1], args[0]).getResult());
               })
               .getResult(0);
  }
  rewriter.replaceOp(op, real);
  return success();
}

template <typename MatmulLike>
struct FuseMatmul : OpRewritePattern<MatmulLike> {
  using OpRewritePattern<MatmulLike>::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulLike op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps())
      return failure();
    auto rhsType = cast<RankedTensorType>(op.getInputs()[1].getType());
    return fuse(rewriter, op, op.getInputs()[0], op.getInputs()[1],
                op.getOutputs()[0], rhsType.getRank() - 1,
                [&](Value lhs, Value rhs, Value bias, RankedTensorType acc) {
                  return MatmulOp::create(rewriter, op.getLoc(), acc, lhs, rhs,
                                          bias)
                      .getResult();
                });
  }
};

struct FuseConv : OpRewritePattern<linalg::Conv2DNhwcHwcfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcHwcfOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    auto ints = [](DenseIntElementsAttr attr) {
      SmallVector<int64_t> v;
      for (APInt i : attr.getValues<APInt>())
        v.push_back(i.getSExtValue());
      return v;
    };
    SmallVector<int64_t> strides = ints(op.getStrides());
    SmallVector<int64_t> dilations = ints(op.getDilations());
    return fuse(rewriter, op, op.getInputs()[0], op.getInputs()[1],
                op.getOutputs()[0], /*weightAxis=*/3,
                [&](Value x, Value w, Value bias, RankedTensorType acc) {
                  return Conv2DOp::create(
                             rewriter, op.getLoc(), acc, x, w, bias,
                             rewriter.getDenseI64ArrayAttr(strides),
                             rewriter.getDenseI64ArrayAttr(dilations),
                             rewriter.getDenseI64ArrayAttr({0, 0, 0, 0}),
                             rewriter.getI64IntegerAttr(1))
                      .getResult();
                });
  }
};

class FuseQDQPass final : public qf::impl::QFFuseQDQPassBase<FuseQDQPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseMatmul<linalg::MatmulOp>,
                 FuseMatmul<linalg::BatchMatmulOp>, FuseConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
