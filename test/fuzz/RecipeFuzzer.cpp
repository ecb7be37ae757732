//===- RecipeFuzzer.cpp - Fuzz the YAML recipe reader
//----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as a recipe file: parseRecipe either explains the error, or the
// recipe builds a pipeline string that the pass-pipeline parser either
// rejects with a message or accepts (its options parsed) without crashing.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "passes/Passes.h"
#include "pipelines/Recipe.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::qf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool registered = [] {
    registerQFPasses();
    return true;
  }();
  (void)registered;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::string error;
  FailureOr<recipes::Recipe> recipe =
      recipes::parseRecipe(text, "fuzz.yaml", error);
  if (failed(recipe)) {
    QF_FUZZ_CHECK(!error.empty(), "a rejected recipe without a reason");
    return 0;
  }
  recipes::PipelineOptions options;
  options.calibData = "calib.npz";
  options.backend = "cpu";
  error.clear();
  FailureOr<std::string> pipeline =
      recipes::buildPipeline(*recipe, options, error);
  if (failed(pipeline)) {
    QF_FUZZ_CHECK(!error.empty(), "a rejected pipeline without a reason");
    return 0;
  }
  OpPassManager pm("builtin.module");
  std::string message;
  llvm::raw_string_ostream os(message);
  if (failed(parsePassPipeline(*pipeline, pm, os)))
    QF_FUZZ_CHECK(!message.empty(), "a pipeline rejected without a message");
  return 0;
}
