//===- SinkDequantize.h - Move dequantization past layout ops ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Imported Q/DQ graphs (PyTorch's QAT export) dequantize before the layout
// ops the importer adds around a convolution: NCHW -> NHWC transposes of the
// input and the weight, and zero padding. Both commute with dequantization:
//
//   transpose(dequantize(q)) = dequantize(transpose(q))   (the axis moves)
//   pad(dequantize(q), v)    = dequantize(pad(q, c))      where c
//                                                          dequantizes to v
//
// so these patterns move the dequantize after them, on the storage
// integers, and qf-fuse-qdq then sees the contraction's operands as
// dequantized tensors.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_QAT_SINKDEQUANTIZE_H
#define QF_PASSES_QAT_SINKDEQUANTIZE_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::qf {

void populateSinkDequantizePatterns(RewritePatternSet &patterns);

} // namespace mlir::qf

#endif // QF_PASSES_QAT_SINKDEQUANTIZE_H
