//===- Recipe.h - Named quantization pipelines ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A recipe is a documented pipeline with its options, for users who do not
// write pipelines: optional calibration (qf-insert-observers, qf-calibrate),
// passes that prepare the model (SmoothQuant, ...), quant-quantize with its
// options, and optionally qf-fuse-qdq. Built-in recipes have names
// (`w8a8-static`, `w4a16-rtn`, ...); custom ones are YAML files with the
// same fields:
//
//   name: my-w4
//   description: int4 weights in groups of 64
//   calibrate: false
//   calibrate-options: method=percentile
//   prepare: ""
//   recalibrate: false
//   quantize: scheme=w4a16g64 symmetric=false group-fallback=channel
//   fuse: false
//
//===----------------------------------------------------------------------===//

#ifndef QF_PIPELINES_RECIPE_H
#define QF_PIPELINES_RECIPE_H

#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace mlir::qf::recipes {

struct Recipe {
  std::string name;
  std::string description;
  /// Insert observers and calibrate on the user's data first.
  bool calibrate = false;
  /// Extra qf-calibrate options (method=..., percentile=...).
  std::string calibrateOptions;
  /// Passes run after calibration and before quant-quantize, as a
  /// comma-separated module pipeline (e.g. "quant-smoothquant{alpha=0.5}");
  /// $CALIB stands for the calibration data, $PROGRESS for whether to draw
  /// progress bars (PipelineOptions::progress).
  std::string prepare;
  /// Calibrate again after `prepare` (which changed the activations).
  bool recalibrate = false;
  /// quant-quantize's options.
  std::string quantize;
  /// Fuse Q/DQ around matmuls and convolutions into integer qf ops.
  bool fuse = false;
};

/// The built-in recipes, in the order `--list-recipes` prints them.
const std::vector<Recipe> &builtinRecipes();

/// A built-in recipe by name, or a YAML recipe file (a path that exists or
/// ends in .yaml/.yml). On failure `error` says why (unknown names list the
/// built-in ones).
FailureOr<Recipe> loadRecipe(llvm::StringRef nameOrPath, std::string &error);
/// A recipe from YAML text; `what` names it in `error`.
FailureOr<Recipe> parseRecipe(llvm::StringRef text, llvm::StringRef what,
                              std::string &error);

struct PipelineOptions {
  std::string calibData;  ///< .npz file or directory (calibrating recipes)
  std::string backend;    ///< executor calibration runs on
  std::string reportPath; ///< quant-quantize's report=FILE, if any
  /// Calibrate (with Hessians) even for recipes that do not, so that the
  /// report has each layer's output error on the calibration data.
  bool layerErrors = false;
  /// Calibration draws a progress bar on stderr when it is a terminal.
  bool progress = false;
};

/// The recipe as a textual list of module passes, for parsePassPipeline
/// into a PassManager on builtin.module (qf-opt takes it as
/// --pass-pipeline='builtin.module(...)'). Fails when the recipe calibrates
/// and no data is given.
FailureOr<std::string> buildPipeline(const Recipe &recipe,
                                     const PipelineOptions &options,
                                     std::string &error);

} // namespace mlir::qf::recipes

#endif // QF_PIPELINES_RECIPE_H
