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

namespace mlir::qf {
/// Bits of one code of a float-code weight format (8, 6 or 4); 0 for
/// integer.
unsigned codeBitsOf(WeightFormat format);
} // namespace mlir::qf

#endif // QF_DIALECTS_QF_QFATTRS_H
