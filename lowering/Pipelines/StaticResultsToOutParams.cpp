//===- StaticResultsToOutParams.cpp - Caller-allocated static results -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFSTATICRESULTSTOOUTPARAMSPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;

namespace {

bool hasOnlyStaticResults(func::FuncOp func) {
  return llvm::all_of(func.getResultTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return !shaped || shaped.hasStaticShape();
  });
}

class StaticResultsToOutParamsPass final
    : public qf::impl::QFStaticResultsToOutParamsPassBase<
          StaticResultsToOutParamsPass> {
public:
  void runOnOperation() override {
    bufferization::BufferResultsToOutParamsOpts options;
    options.hoistStaticAllocs = true;
    options.modifyPublicFunctions = true;
    options.filterFn = [](func::FuncOp *func) {
      return hasOnlyStaticResults(*func);
    };
    if (failed(bufferization::promoteBufferResultsToOutParams(getOperation(),
                                                              options)))
      signalPassFailure();
  }
};

} // namespace
