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

Operation *QFDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed || typed.getType() != type)
    return nullptr;
  return arith::ConstantOp::create(builder, loc, type, typed);
}

void mlir::qf::registerQFDialect(DialectRegistry &registry) {
  registry.insert<QFDialect, arith::ArithDialect, quant::QuantDialect>();
}
