//===- RecipePipelines.h - Recipes as registered pass pipelines -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Every built-in recipe (Recipe.h) is a registered pass pipeline
// `qf-recipe-<name>`, so that `qf-opt` runs it like any pass:
//
//   qf-opt model.mlir --pass-pipeline='builtin.module(
//       qf-recipe-w4a16-gptq{data=calib.npz})'
//
// qf-quantize builds the same pipeline for a built-in or a YAML recipe.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PIPELINES_RECIPEPIPELINES_H
#define QF_PIPELINES_RECIPEPIPELINES_H

#include "pipelines/Recipe.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::qf::recipes {

/// The options of every `qf-recipe-<name>` pipeline.
struct RecipePipelineOptions
    : public PassPipelineOptions<RecipePipelineOptions> {
  Option<std::string> data{
      *this, "data",
      llvm::cl::desc("Calibration data: an .npz file or a directory of them "
                     "(recipes that calibrate)")};
  Option<std::string> backend{
      *this, "backend",
      llvm::cl::desc("The executor calibration runs the model on"),
      llvm::cl::init("cpu")};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc("quant-quantize's per-weight JSON report, if any")};
  Option<bool> layerErrors{
      *this, "layer-errors",
      llvm::cl::desc("Calibrate (with Hessians) even for recipes that do not, "
                     "so that the report has each layer's output error"),
      llvm::cl::init(false)};
};

/// Adds `recipe`'s passes to `pm` (a module pass manager); on failure,
/// `error` says why.
LogicalResult buildRecipePipeline(OpPassManager &pm, const Recipe &recipe,
                                  const PipelineOptions &options,
                                  std::string &error);

/// Registers `qf-recipe-<name>` for each built-in recipe. Idempotent.
void registerRecipePipelines();

} // namespace mlir::qf::recipes

#endif // QF_PIPELINES_RECIPEPIPELINES_H
