//===- QFAttrs.h - qf enums and attributes ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFATTRS_H
#define QF_DIALECTS_QF_QFATTRS_H

#include "dialects/QF/QFDialect.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "dialects/QF/QFEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/QF/QFAttrs.h.inc"

#endif // QF_DIALECTS_QF_QFATTRS_H
