//===- TestPassPlugin.cpp - A pass plugin qf-opt loads at run time --------===//
//
// Part of QuantForge's tests: proves that MLIR's --load-pass-plugin works in
// qf-opt (one copy of MLIR, libMLIR.so, shared by tool and plugin) and that a
// plugin sees qf IR.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

namespace {
/// Tags the module with the number of qf.quantize ops it holds.
struct TestCountQuantizePass
    : public PassWrapper<TestCountQuantizePass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TestCountQuantizePass)

  StringRef getArgument() const final { return "test-qf-plugin-count"; }
  StringRef getDescription() const final {
    return "Count qf.quantize ops into a module attribute (pass plugin test)";
  }

  void runOnOperation() override {
    int64_t count = 0;
    getOperation()->walk([&](Operation *op) {
      if (op->getName().getStringRef() == "qf.quantize")
        ++count;
    });
    getOperation()->setAttr(
        "test.qf_quantize_count",
        IntegerAttr::get(IntegerType::get(&getContext(), 64), count));
  }
};
} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QFTestPassPlugin", LLVM_VERSION_STRING,
          [] { PassRegistration<TestCountQuantizePass>(); }};
}
