//===- QFQuantTypes.cpp - Helpers for !quant.uniform tensors --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFQuantTypes.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;

std::optional<int32_t> mlir::qf::getQuantizedAxis(quant::QuantizedType type) {
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return perAxis.getQuantizedDimension();
  if (isa<quant::UniformQuantizedSubChannelType>(type))
    return -1;
  return std::nullopt;
}

SmallVector<double> mlir::qf::getScales(quant::QuantizedType type) {
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type))
    return {perTensor.getScale()};
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return SmallVector<double>(perAxis.getScales());
  SmallVector<double> scales;
  auto blocked = cast<quant::UniformQuantizedSubChannelType>(type);
  for (APFloat scale : blocked.getScales().getValues<APFloat>())
    scales.push_back(scale.convertToDouble());
  return scales;
}

SmallVector<int64_t> mlir::qf::getZeroPoints(quant::QuantizedType type) {
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type))
    return {perTensor.getZeroPoint()};
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return SmallVector<int64_t>(perAxis.getZeroPoints());
  SmallVector<int64_t> zeroPoints;
  auto blocked = cast<quant::UniformQuantizedSubChannelType>(type);
  for (APInt zp : blocked.getZeroPoints().getValues<APInt>())
    zeroPoints.push_back(zp.getSExtValue());
  return zeroPoints;
}

static LogicalResult verifyBlocks(Operation *op, RankedTensorType type,
                                  quant::UniformQuantizedSubChannelType qtype,
                                  StringRef role) {
  ArrayRef<int64_t> scaleShape = qtype.getScales().getType().getShape();
  if (static_cast<int64_t>(scaleShape.size()) != type.getRank())
    return op->emitOpError()
           << role << " has rank " << type.getRank()
           << " but its scales have rank " << scaleShape.size();
  for (auto [dim, blockSize] :
       llvm::zip(qtype.getQuantizedDimensions(), qtype.getBlockSizes())) {
    if (dim < 0 || dim >= type.getRank())
      return op->emitOpError() << role << " is blocked on dimension " << dim
                               << ", out of range for rank " << type.getRank();
    // The quant dialect's verifier refuses these in text; types read from
    // bytecode can carry them (fuzzing found a division by zero here).
    if (blockSize <= 0)
      return op->emitOpError()
             << role << " has block size " << blockSize << " on dimension "
             << dim << ": block sizes must be positive";
    int64_t size = type.getDimSize(dim);
    if (ShapedType::isDynamic(size))
      continue;
    if (size % blockSize != 0)
      return op->emitOpError()
             << role << " block size " << blockSize
             << " does not divide dimension " << dim << " of size " << size;
    if (scaleShape[dim] != size / blockSize)
      return op->emitOpError() << role << " has " << scaleShape[dim]
                               << " scale blocks on dimension " << dim
                               << ", expected " << size / blockSize;
  }
  return success();
}

LogicalResult mlir::qf::verifyQuantizedTensor(Operation *op,
                                              RankedTensorType type,
                                              StringRef role) {
  auto qtype = cast<quant::QuantizedType>(type.getElementType());
  for (double scale : getScales(qtype))
    if (!std::isfinite(scale) || scale <= 0.0)
      return op->emitOpError()
             << role << " scale " << scale << " is not positive and finite";
  for (int64_t zp : getZeroPoints(qtype))
    if (zp < qtype.getStorageTypeMin() || zp > qtype.getStorageTypeMax())
      return op->emitOpError()
             << role << " zero point " << zp
             << " is outside the storage range [" << qtype.getStorageTypeMin()
             << ", " << qtype.getStorageTypeMax() << "]";

  if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(qtype))
    return verifyBlocks(op, type, blocked, role);
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype);
  if (!perAxis)
    return success();
  int32_t axis = perAxis.getQuantizedDimension();
  if (axis >= type.getRank())
    return op->emitOpError() << role << " is quantized on axis " << axis
                             << ", out of range for rank " << type.getRank();
  int64_t size = type.getDimSize(axis);
  int64_t numScales = perAxis.getScales().size();
  if (!ShapedType::isDynamic(size) && size != numScales)
    return op->emitOpError()
           << role << " has " << numScales << " scales for axis " << axis
           << " of size " << size;
  return success();
}
