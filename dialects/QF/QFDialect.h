//===- QFDialect.h - The qf dialect -----------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFDIALECT_H
#define QF_DIALECTS_QF_QFDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Dialect.h"

#include "dialects/QF/QFDialect.h.inc"

namespace mlir {
class DialectRegistry;
namespace qf {
/// Registers the qf dialect (and, through it, quant) with `registry`.
void registerQFDialect(DialectRegistry &registry);
} // namespace qf
} // namespace mlir

#endif // QF_DIALECTS_QF_QFDIALECT_H
