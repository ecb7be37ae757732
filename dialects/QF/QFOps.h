//===- QFOps.h - qf operations ----------------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFOPS_H
#define QF_DIALECTS_QF_QFOPS_H

#include "dialects/QF/QFAttrs.h"
#include "dialects/QF/QFDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/QF/QFOps.h.inc"

#endif // QF_DIALECTS_QF_QFOPS_H
