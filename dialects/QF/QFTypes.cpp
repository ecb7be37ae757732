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

LogicalResult QuantRefType::verify(function_ref<InFlightDiagnostic()> emitError,
                                   StringRef name, Type storageType,
                                   Type expressedType, unsigned flags,
                                   int64_t storageMin, int64_t storageMax,
                                   DenseI32ArrayAttr quantizedDims,
                                   DenseI64ArrayAttr blockSizes) {
  auto storage = dyn_cast<IntegerType>(storageType);
  if (!storage || storage.getWidth() > 32)
    return emitError() << "storage type must be an integer of at most 32 "
                          "bits, got "
                       << storageType;
  if (!isa<FloatType>(expressedType))
    return emitError() << "expressed type must be a float, got "
                       << expressedType;
  if (storageMin > storageMax)
    return emitError() << "storage range [" << storageMin << ", " << storageMax
                       << "] is empty";
  ArrayRef<int32_t> dims = quantizedDims.asArrayRef();
  ArrayRef<int64_t> blocks = blockSizes.asArrayRef();
  if (blocks.empty() ? dims.size() != 1 : dims.size() != blocks.size())
    return emitError() << "needs one quantized dimension and no block sizes "
                          "(per axis) or one block size per quantized "
                          "dimension";
  if (llvm::any_of(dims, [](int32_t d) { return d < 0; }) ||
      llvm::any_of(blocks, [](int64_t b) { return b <= 0; }))
    return emitError() << "dimensions must be non-negative and block sizes "
                          "positive";
  if (name.empty())
    return emitError() << "needs a name";
  return success();
}

void QFDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/QF/QFTypes.cpp.inc"
      >();
}
