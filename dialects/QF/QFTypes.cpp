//===- QFTypes.cpp - qf dialect types -------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qf;

#define GET_TYPEDEF_CLASSES
#include "dialects/QF/QFTypes.cpp.inc"

void QFDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/QF/QFTypes.cpp.inc"
      >();
}
