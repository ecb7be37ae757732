//===- QFDialect.cpp - The qf dialect -------------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "dialects/QF/QFAttrs.h"
#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFTypes.h"

#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qf;

#include "dialects/QF/QFDialect.cpp.inc"

namespace {
/// Quantized types with many scales and zero points (per channel or per
/// block) are printed once, as aliases (`!qw`, `!qw1`, ...), at the top of
/// the module: a quantized weight's type appears at each of its uses, and
/// its scales would otherwise dominate the IR text.
struct QFOpAsmInterface : OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;
  static constexpr int64_t kMinScalesForAlias = 64;

  AliasResult getAlias(Type type, raw_ostream &os) const override {
    int64_t scales = 0;
    if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
      scales = perAxis.getScales().size();
    else if (auto blocked =
                 dyn_cast<quant::UniformQuantizedSubChannelType>(type))
      scales = blocked.getScales().getNumElements();
    if (scales < kMinScalesForAlias)
      return AliasResult::NoAlias;
    os << "qw";
    return AliasResult::FinalAlias;
  }
};
} // namespace

void QFDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialects/QF/QFOps.cpp.inc"
      >();
  registerTypes();
  addInterfaces<QFOpAsmInterface>();
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
