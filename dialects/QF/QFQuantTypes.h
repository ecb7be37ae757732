//===- QFQuantTypes.h - Helpers for !quant.uniform tensors ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Shape-aware checks and accessors for tensors of upstream uniform quantized
// types: the type alone cannot know whether its quantized axis or its blocks
// fit the tensor that carries it, so every qf op verifies that here.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFQUANTTYPES_H
#define QF_DIALECTS_QF_QFQUANTTYPES_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace mlir::qf {

/// Checks the element type of `type` against its shape: scales positive and
/// finite, zero points within the storage range, a per-axis dimension in
/// range with one scale per index, sub-channel blocks that divide their
/// dimension. Errors are emitted at `op` and name `role` ("result", "lhs").
LogicalResult verifyQuantizedTensor(Operation *op, RankedTensorType type,
                                    StringRef role);

/// The quantized dimension of a per-axis type, none for per-tensor, and -1
/// for sub-channel (blocked) types.
std::optional<int32_t> getQuantizedAxis(quant::QuantizedType type);

/// Scales and zero points of a per-tensor (one each) or per-axis type.
SmallVector<double> getScales(quant::QuantizedType type);
SmallVector<int64_t> getZeroPoints(quant::QuantizedType type);

} // namespace mlir::qf

#endif // QF_DIALECTS_QF_QFQUANTTYPES_H
