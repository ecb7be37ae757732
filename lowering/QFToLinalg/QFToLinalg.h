//===- QFToLinalg.h - qf ops to linalg + arith ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_QFTOLINALG_QFTOLINALG_H
#define QF_LOWERING_QFTOLINALG_QFTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::qf {

/// Patterns lowering qf.quantize and qf.dequantize (per-tensor and per-axis,
/// deterministic rounding) to linalg.generic on storage integers.
void populateQFToLinalgPatterns(RewritePatternSet &patterns);

} // namespace mlir::qf

#endif // QF_LOWERING_QFTOLINALG_QFTOLINALG_H
