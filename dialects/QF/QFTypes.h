//===- QFTypes.h - qf dialect types -----------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFTYPES_H
#define QF_DIALECTS_QF_QFTYPES_H

#include "dialects/QF/QFDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "dialects/QF/QFTypes.h.inc"

#endif // QF_DIALECTS_QF_QFTYPES_H
