//===- QFDialect.cpp - The qf dialect -------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "dialects/QF/QFAttrs.h"
#include "dialects/QF/QFOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qf;

#include "dialects/QF/QFDialect.cpp.inc"

void QFDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialects/QF/QFOps.cpp.inc"
      >();
}

void mlir::qf::registerQFDialect(DialectRegistry &registry) {
  registry.insert<QFDialect, quant::QuantDialect>();
}
