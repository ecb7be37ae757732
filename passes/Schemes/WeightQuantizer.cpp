//===- WeightQuantizer.cpp - Constant weights to packed integers ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Schemes/WeightQuantizer.h"

#include "dialects/QF/QFOps.h"
#include "numerics/Packing.h"
#include "numerics/QuantParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;

quant::QuantizedType mlir::qf::makeUniformType(
    MLIRContext *ctx, unsigned bits, bool symmetric, FloatType expressed,
    ArrayRef<double> scales, ArrayRef<int64_t> zeroPoints,
    ArrayRef<int64_t> gridShape, ArrayRef<int64_t> blockShape) {
  numerics::IntRange range =
      numerics::IntRange::forBits(bits, /*isSigned=*/true, symmetric);
  auto storage = IntegerType::get(ctx, bits);
  unsigned flags = quant::QuantizationFlags::Signed;
  SmallVector<unsigned> split;
  for (auto [d, size] : llvm::enumerate(gridShape))
    if (size > 1)
      split.push_back(d);
  if (split.empty())
    return quant::UniformQuantizedType::get(flags, storage, expressed,
                                            scales[0], zeroPoints[0], range.min,
                                            range.max);
  if (split.size() == 1 && blockShape[split[0]] == 1)
    return quant::UniformQuantizedPerAxisType::get(flags, storage, expressed,
                                                   scales, zeroPoints, split[0],
                                                   range.min, range.max);
  auto scaleType = RankedTensorType::get(gridShape, expressed);
  auto zpType = RankedTensorType::get(gridShape, storage);
  SmallVector<APFloat> scaleValues;
  for (double s : scales)
    scaleValues.push_back(APFloat(static_cast<float>(s)));
  SmallVector<APInt> zpValues;
  for (int64_t z : zeroPoints)
    zpValues.emplace_back(bits, z, /*isSigned=*/true);
  SmallVector<int32_t> dims;
  SmallVector<int64_t> blocks;
  for (auto [d, block] : llvm::enumerate(blockShape))
    if (gridShape[d] > 1) {
      dims.push_back(d);
      blocks.push_back(block);
    }
  return quant::UniformQuantizedSubChannelType::get(
      flags, storage, expressed, DenseElementsAttr::get(scaleType, scaleValues),
      DenseElementsAttr::get(zpType, zpValues), dims, blocks, range.min,
      range.max);
}

quant::UniformQuantizedType mlir::qf::activationType(unsigned bits,
                                                     FloatType expressed,
                                                     double min, double max,
                                                     bool symmetric) {
  numerics::IntRange range =
      numerics::IntRange::forBits(bits, /*isSigned=*/true, symmetric);
  std::optional<numerics::QuantParams> p =
      numerics::chooseQuantParams(min, max, range, symmetric);
  if (!p)
    return {};
  return quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed,
      IntegerType::get(expressed.getContext(), bits), expressed, p->scale,
      p->zeroPoint, range.min, range.max);
}

double mlir::qf::relativeError(ArrayRef<float> data,
                               ArrayRef<float> approximation) {
  double errorSquared = 0, normSquared = 0;
  for (auto [x, y] : llvm::zip_equal(data, approximation)) {
    double diff = double(y) - x;
    errorSquared += diff * diff;
    normSquared += double(x) * x;
  }
  return normSquared > 0 ? std::sqrt(errorSquared / normSquared) : 0.0;
}

FailureOr<numerics::BlockLayout>
mlir::qf::weightLayout(ArrayRef<int64_t> shape, SchemeAttr scheme,
                       WeightAxes axes,
                       function_ref<InFlightDiagnostic()> emitError) {
  std::vector<int64_t> dims(shape.begin(), shape.end());
  switch (scheme.getGranularity()) {
  case Granularity::per_tensor:
    return numerics::BlockLayout::perTensor(dims);
  case Granularity::per_channel:
    return numerics::BlockLayout::perChannel(dims, axes.channel);
  case Granularity::per_group:
    break;
  }
  int64_t group = scheme.getGroupSize();
  int64_t reduction = shape[axes.reduction];
  if (group <= 0 || reduction % group != 0)
    return emitError() << "group size " << group
                       << " does not divide the reduction dimension ("
                       << reduction << " along dimension " << axes.reduction
                       << " of the weight)";
  return numerics::BlockLayout::perGroup(dims, axes.channel, axes.reduction,
                                         group);
}

FailureOr<QuantizedWeight>
mlir::qf::quantizeWeight(ArrayRef<float> data, ArrayRef<int64_t> shape,
                         SchemeAttr scheme, WeightAxes axes,
                         FloatType expressed,
                         function_ref<InFlightDiagnostic()> emitError) {
  unsigned bits = scheme.getWeightBits();
  if (bits < 2 || bits > 8)
    return emitError() << "cannot quantize weights to " << bits
                       << " bits (2 to 8)";
  FailureOr<numerics::BlockLayout> blocks =
      weightLayout(shape, scheme, axes, emitError);
  if (failed(blocks))
    return failure();
  const numerics::BlockLayout &layout = *blocks;
  bool symmetric = scheme.getSymmetric();
  numerics::IntRange range =
      numerics::IntRange::forBits(bits, /*isSigned=*/true, symmetric);
  std::optional<std::vector<numerics::QuantParams>> params =
      numerics::chooseBlockParams(data.data(), layout, range, symmetric);
  if (!params)
    return emitError() << "weight contains NaN or infinite values; it cannot "
                          "be quantized";
  QuantizedWeight result;
  result.codes = numerics::quantizeBlocks(
      data.data(), layout, *params, range,
      static_cast<numerics::RoundingMode>(scheme.getRounding()),
      scheme.getSeed().value_or(0));
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    const numerics::QuantParams &p = (*params)[layout.blockOf(i)];
    result.dequantized.push_back(
        numerics::dequantize(result.codes[i], p.scale, p.zeroPoint));
  }
  result.relativeError = relativeError(data, result.dequantized);
  result.storageBytes = (layout.numElements() * bits + 7) / 8 +
                        layout.numBlocks() * (symmetric ? 4 : 5);
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (const numerics::QuantParams &p : *params) {
    scales.push_back(p.scale);
    zeroPoints.push_back(p.zeroPoint);
  }
  result.type = makeUniformType(expressed.getContext(), bits, symmetric,
                                expressed, scales, zeroPoints,
                                layout.gridShape(), layout.blockShape);
  return result;
}

Value mlir::qf::materializeWeight(OpBuilder &b, Location loc,
                                  RankedTensorType floatType,
                                  const QuantizedWeight &weight) {
  unsigned bits = weight.type.getStorageTypeIntegralWidth();
  auto quantType = floatType.clone(weight.type);
  Value quantized;
  if (bits == 8) {
    SmallVector<int8_t> bytes(weight.codes.begin(), weight.codes.end());
    auto storageType = floatType.clone(b.getI8Type());
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(storageType, ArrayRef(bytes)));
    quantized = quant::StorageCastOp::create(b, loc, quantType, constant);
  } else {
    ArrayRef<int64_t> shape = floatType.getShape();
    int64_t rowLength = shape.back();
    int64_t rows = ShapedType::getNumElements(shape.drop_back());
    std::vector<uint8_t> packed =
        numerics::packBits(weight.codes.data(), rows, rowLength, bits);
    SmallVector<int64_t> packedShape(shape);
    packedShape.back() = numerics::packedRowBytes(rowLength, bits);
    SmallVector<int8_t> bytes(packed.begin(), packed.end());
    auto packedType = RankedTensorType::get(packedShape, b.getI8Type());
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(packedType, ArrayRef(bytes)));
    quantized = UnpackOp::create(b, loc, quantType, constant);
  }
  return DequantizeOp::create(b, loc, floatType, quantized);
}
