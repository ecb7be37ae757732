//===- QFToLinalg.h - qf ops to linalg + arith ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_QFTOLINALG_QFTOLINALG_H
#define QF_LOWERING_QFTOLINALG_QFTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::qf {

/// Patterns lowering the qf quantization and integer compute ops to
/// linalg.generic on storage integers (convert-qf-to-linalg).
void populateQFToLinalgPatterns(RewritePatternSet &patterns);

/// Float linalg.matmul ops whose weight is a qf.dequantize become
/// contractions that dequantize each weight where they read it; apply these
/// before populateQFToLinalgPatterns lowers the qf.dequantize on its own.
void populateWeightOnlyMatmulPatterns(RewritePatternSet &patterns);

} // namespace mlir::qf

#endif // QF_LOWERING_QFTOLINALG_QFTOLINALG_H
