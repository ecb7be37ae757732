//===- Passes.h - QuantForge passes -----------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_PASSES_H
#define QF_PASSES_PASSES_H

#include "dialects/QF/QFAttrs.h"
#include "dialects/QF/QFDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Pass/Pass.h"
#include "passes/PassOptions.h"

namespace mlir::qf {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::qf

#endif // QF_PASSES_PASSES_H
