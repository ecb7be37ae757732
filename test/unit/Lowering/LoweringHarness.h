//===- LoweringHarness.h - Lower qf IR and run it on the CPU JIT -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_UNIT_LOWERING_LOWERINGHARNESS_H
#define QF_TEST_UNIT_LOWERING_LOWERINGHARNESS_H

#include "dialects/QF/QFDialect.h"
#include "lowering/Passes.h"
#include "lowering/Pipelines/HostPipelines.h"
#include "runtime/Jit/CpuJit.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

namespace mlir::qf::testing {

/// The JIT with the plain host pipeline (no vectorization, no kernels:
/// scalar, in-order arithmetic), whatever "cpu" is registered in this
/// process.
inline std::unique_ptr<runtime::Executor> createPlainJitExecutor() {
  return runtime::createCpuExecutor(
      "cpu-plain", {buildHostToLLVMPipeline, registerHostPipelineDependencies});
}

/// Parses a module, lowers it with convert-qf-to-linalg, and runs @main on
/// the plain CPU JIT (no vectorization: scalar, in-order arithmetic).
class LoweringHarness {
public:
  LoweringHarness() {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerQFDialect(registry);
    registerHostPipelineDependencies(registry);
    context.appendDialectRegistry(registry);
  }

  std::vector<runtime::HostTensor>
  lowerAndRun(const std::string &source,
              llvm::ArrayRef<const runtime::HostTensor *> inputs) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    PassManager pm(&context);
    pm.addPass(createConvertQFToLinalgPass());
    if (!module || failed(pm.run(*module))) {
      ADD_FAILURE() << "cannot parse or lower the module";
      return {};
    }
    auto executor = createPlainJitExecutor();
    auto executable = executor->compile(*module, "main");
    if (failed(executable)) {
      ADD_FAILURE() << "cannot compile the lowered module";
      return {};
    }
    auto results = (*executable)->run(inputs);
    if (!results) {
      ADD_FAILURE() << llvm::toString(results.takeError());
      return {};
    }
    return std::move(*results);
  }

  MLIRContext context;
};

} // namespace mlir::qf::testing

#endif // QF_TEST_UNIT_LOWERING_LOWERINGHARNESS_H
