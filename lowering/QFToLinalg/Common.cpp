//===- Common.cpp - Which quantized types lower ---------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// What keeps a quantized type from lowering, if anything. (Blocked types
/// only reach the elementwise conversions: the verifiers keep them out of
/// requantize, matmul and conv2d.)
std::optional<std::string> unsupportedType(quant::QuantizedType type) {
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(type))
    return "only uniform quantized types are lowered";
  // Sub-byte storage stays packed: i4 memrefs do not lower correctly (see
  // MLIR22-NOTES.md), so such tensors are read only where qf.dequantize
  // unpacks them (SubByte.cpp).
  unsigned width = type.getStorageTypeIntegralWidth();
  if (width < 8)
    return "storage of " + std::to_string(width) +
           " bits is lowered only as qf.dequantize of qf.unpack";
  if (width != 8 && width != 16 && width != 32)
    return "storage of " + std::to_string(width) +
           " bits is not lowered (only 8, 16 and 32)";
  return std::nullopt;
}

std::optional<std::string> unsupportedSimulated(Type type) {
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(type))
    return "only uniform quantized types are lowered";
  return std::nullopt;
}

} // namespace

quant::QuantizedType lowering::elementOf(Value value) {
  return cast<quant::QuantizedType>(
      cast<RankedTensorType>(value.getType()).getElementType());
}

Value lowering::toStorage(OpBuilder &b, Location loc, Value quantized) {
  auto type = cast<RankedTensorType>(quantized.getType());
  unsigned width = elementOf(quantized).getStorageTypeIntegralWidth();
  return quant::StorageCastOp::create(
      b, loc, type.clone(b.getIntegerType(width)), quantized);
}

Value lowering::widen(OpBuilder &b, Location loc, Value v, Type to,
                      bool isSigned) {
  if (v.getType() == to)
    return v;
  return isSigned ? arith::ExtSIOp::create(b, loc, to, v).getResult()
                  : arith::ExtUIOp::create(b, loc, to, v).getResult();
}

std::optional<std::string> lowering::unsupported(Operation *op) {
  if (auto quantize = dyn_cast<QuantizeOp>(op))
    return unsupportedType(elementOf(quantize.getResult()));
  // Simulated quantization computes codes in i64 and never stores them:
  // any uniform type of any width lowers.
  if (auto fakeQuant = dyn_cast<FakeQuantOp>(op))
    return unsupportedSimulated(fakeQuant.getQtype());
  if (auto grad = dyn_cast<FakeQuantGradOp>(op)) {
    if (!grad.getInput().getType().hasStaticShape())
      return std::string("dynamic shapes are not lowered yet");
    return unsupportedSimulated(grad.getQtype());
  }
  if (isa<MatmulOp, Conv2DOp>(op)) {
    for (Value v : op->getOperands())
      if (auto reason = unsupportedType(elementOf(v)))
        return reason;
    if (auto conv = dyn_cast<Conv2DOp>(op)) {
      if (getQuantizedAxis(elementOf(conv.getInput())))
        return std::string("a per-channel input zero point is not supported");
      if (!cast<RankedTensorType>(conv.getInput().getType()).hasStaticShape() ||
          !cast<RankedTensorType>(conv.getFilter().getType()).hasStaticShape())
        return std::string("dynamic convolution shapes are not lowered yet");
    }
    return unsupportedType(elementOf(op->getResult(0)));
  }
  if (auto requantize = dyn_cast<RequantizeOp>(op)) {
    if (auto reason = unsupportedType(elementOf(requantize.getInput())))
      return reason;
    return unsupportedType(elementOf(requantize.getResult()));
  }
  if (isa<PackOp, UnpackOp>(op))
    return std::string("sub-byte tensors are lowered only where qf.dequantize "
                       "reads a qf.unpack (weight-only schemes)");
  if (auto dynamic = dyn_cast<DynamicQuantizeOp>(op))
    return unsupportedType(elementOf(dynamic.getOutput()));
  if (auto dynamic = dyn_cast<DynamicDequantizeOp>(op))
    return unsupportedType(elementOf(dynamic.getInput()));
  return unsupportedType(elementOf(cast<DequantizeOp>(op).getInput()));
}

void lowering::replaceWithDecodingMatmul(PatternRewriter &rewriter,
                                         linalg::MatmulOp op,
                                         ValueRange weightInputs,
                                         ArrayRef<AffineMap> weightMaps,
                                         DecodeWeight decode) {
  MLIRContext *ctx = rewriter.getContext();
  auto map = [&](unsigned a, unsigned b) {
    return AffineMap::get(
        3, 0, {getAffineDimExpr(a, ctx), getAffineDimExpr(b, ctx)}, ctx);
  };
  SmallVector<Value> inputs = {op.getInputs()[0]};
  inputs.append(weightInputs.begin(), weightInputs.end());
  SmallVector<AffineMap> maps = {map(0, 2)};
  maps.append(weightMaps.begin(), weightMaps.end());
  maps.push_back(map(0, 1));
  using utils::IteratorType;
  auto generic = linalg::GenericOp::create(
      rewriter, op.getLoc(), op.getResultTypes(), inputs, op.getOutputs(), maps,
      {IteratorType::parallel, IteratorType::parallel, IteratorType::reduction},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value k = linalg::IndexOp::create(b, l, 2);
        Value n = linalg::IndexOp::create(b, l, 1);
        Value w = decode(b, l, args.slice(1, weightInputs.size()), k, n);
        Value product = arith::MulFOp::create(b, l, args[0], w);
        linalg::YieldOp::create(
            b, l,
            arith::AddFOp::create(b, l, args.back(), product).getResult());
      });
  rewriter.replaceOp(op, generic.getResults());
}
