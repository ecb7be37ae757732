//===- RecipePipelines.cpp - Recipes as registered pass pipelines ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "pipelines/RecipePipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::recipes;

LogicalResult recipes::buildRecipePipeline(OpPassManager &pm,
                                           const Recipe &recipe,
                                           const PipelineOptions &options,
                                           std::string &error) {
  FailureOr<std::string> pipeline = buildPipeline(recipe, options, error);
  if (failed(pipeline))
    return failure();
  std::string parseErrors;
  llvm::raw_string_ostream os(parseErrors);
  if (failed(parsePassPipeline(*pipeline, pm, os))) {
    error = "recipe '" + recipe.name + "' has a bad pipeline '" + *pipeline +
            "': " + parseErrors;
    return failure();
  }
  return success();
}

void recipes::registerRecipePipelines() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const Recipe &recipe : builtinRecipes()) {
      auto build =
          [recipe](OpPassManager &pm, StringRef optionsText,
                   function_ref<LogicalResult(const Twine &)> errorHandler)
          -> LogicalResult {
        RecipePipelineOptions parsed;
        if (failed(parsed.parseFromString(optionsText)))
          return failure();
        PipelineOptions options{parsed.data, parsed.backend, parsed.report,
                                parsed.layerErrors};
        std::string error;
        if (failed(buildRecipePipeline(pm, recipe, options, error)))
          return errorHandler("qf-recipe-" + recipe.name + ": " + error);
        return success();
      };
      registerPassPipeline(
          "qf-recipe-" + recipe.name, recipe.description, build,
          [](function_ref<void(const detail::PassOptions &)> optionsHandler) {
            optionsHandler(RecipePipelineOptions());
          });
    }
  });
}
