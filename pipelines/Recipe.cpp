//===- Recipe.cpp - Named quantization pipelines --------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "pipelines/Recipe.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/YAMLTraits.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::recipes;

template <> struct llvm::yaml::MappingTraits<Recipe> {
  static void mapping(IO &io, Recipe &r) {
    io.mapRequired("name", r.name);
    io.mapOptional("description", r.description);
    io.mapOptional("calibrate", r.calibrate);
    io.mapOptional("calibrate-options", r.calibrateOptions);
    io.mapOptional("prepare", r.prepare);
    io.mapOptional("recalibrate", r.recalibrate);
    io.mapRequired("quantize", r.quantize);
    io.mapOptional("fuse", r.fuse);
  }
};

/// The mixed-precision recipes' search at `bits` average bits, with one JIT
/// run per layer group on the first calibration sample for the gain.
static std::string assignPrecision(StringRef bits) {
  return ("quant-assign-precision{budget-bits=" + bits +
          " symmetric=false gain=true data=$CALIB max-samples=1 "
          "measure-points=0 candidates=w8a16,w4a16,w4a16g32,w4a16g64,"
          "w4a16g128,w3a16,w3a16g32,w3a16g64,w3a16g128,w2a16g32,w2a16g64}")
      .str();
}

const std::vector<Recipe> &recipes::builtinRecipes() {
  static const std::vector<Recipe> all = {
      {"w8a8-static",
       "int8 weights per channel, int8 activations with ranges calibrated "
       "(min/max) on --calib; integer matmuls and convolutions",
       true, "", "", false, "scheme=w8a8", true},
      {"w8a8-smoothquant",
       "SmoothQuant (alpha 0.5) moves activation outliers into the weights, "
       "then w8a8-static calibrated on the smoothed model",
       true, "", "quant-smoothquant{alpha=0.5}", true, "scheme=w8a8", true},
      {"w8a8-dynamic",
       "int8 weights per channel, int8 activations quantized per token at "
       "run time (no calibration); integer matmuls",
       false, "", "", false, "scheme=w8a8 dynamic-activations=per-token", true},
      {"w8a16-rtn",
       "int8 weights per channel, rounded to nearest; float "
       "activations",
       false, "", "", false, "scheme=w8a16", false},
      {"w4a16-rtn",
       "int4 weights, asymmetric, in groups of 128 along the reduction (per "
       "channel where 128 does not divide it), rounded to nearest",
       false, "", "", false,
       "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-rtn",
       "int3 weights, asymmetric, in groups of 64 (per channel where 64 does "
       "not divide the reduction), rounded to nearest",
       false, "", "", false,
       "scheme=w3a16g64 symmetric=false group-fallback=channel", false},
      {"w4a16-gptq",
       "int4 weights, asymmetric, in groups of 128 (per channel where 128 "
       "does not divide the reduction), rounded by GPTQ (act-order, "
       "true-sequential) on --calib",
       true, "hessian=true",
       "quant-gptq{bits=4 group-size=128 group-fallback=channel "
       "data=$CALIB progress=$PROGRESS}",
       false, "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-gptq",
       "int3 weights, asymmetric, in groups of 128 (per channel where 128 "
       "does not divide the reduction), rounded by GPTQ (act-order, "
       "true-sequential) on --calib",
       true, "hessian=true",
       "quant-gptq{bits=3 group-size=128 group-fallback=channel "
       "data=$CALIB progress=$PROGRESS}",
       false, "scheme=w3a16g128 symmetric=false group-fallback=channel", false},
      {"w4a16-qat",
       "int4 weights, asymmetric, in groups of 128 (per channel where 128 "
       "does not divide the reduction), fine-tuned layer by layer through "
       "the straight-through estimator (weights and LSQ scales, 200 Adam "
       "steps) against the float outputs on --calib",
       true, "hessian=true",
       "quant-qat-finetune{bits=4 group-size=128 group-fallback=channel}",
       false, "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-qat", "w4a16-qat at int3 (groups of 128)", true, "hessian=true",
       "quant-qat-finetune{bits=3 group-size=128 group-fallback=channel}",
       false, "scheme=w3a16g128 symmetric=false group-fallback=channel", false},
      {"w4a16-qat-block",
       "w4a16-qat, with each MLP's two matmuls (and the elementwise ops "
       "between them) fine-tuned together against the block's float output "
       "on 2048 sampled rows of --calib (BRECQ); other layers alone",
       true, "hessian=true sample-rows=2048",
       "quant-qat-finetune{bits=4 group-size=128 group-fallback=channel "
       "per=block}",
       false, "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-qat-block", "w4a16-qat-block at int3 (groups of 128)", true,
       "hessian=true sample-rows=2048",
       "quant-qat-finetune{bits=3 group-size=128 group-fallback=channel "
       "per=block}",
       false, "scheme=w3a16g128 symmetric=false group-fallback=channel", false},
      {"w4a16-awq",
       "int4 weights, asymmetric, in groups of 128 (per channel where 128 "
       "does not divide the reduction), scaled and clipped by AWQ (duo "
       "scaling) on 1024 sampled rows of --calib, rounded to nearest",
       true, "sample-rows=1024",
       "quant-awq{bits=4 group-size=128 duo-scaling=true}", false,
       "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-awq",
       "int3 weights, asymmetric, in groups of 128 (per channel where 128 "
       "does not divide the reduction), scaled and clipped by AWQ (duo "
       "scaling) on 1024 sampled rows of --calib, rounded to nearest",
       true, "sample-rows=1024",
       "quant-awq{bits=3 group-size=128 duo-scaling=true}", false,
       "scheme=w3a16g128 symmetric=false group-fallback=channel", false},
      {"w4a16-awq-gptq",
       "w4a16-awq's scaling and clipping, then rounded by GPTQ "
       "(true-sequential) instead of to nearest",
       true, "sample-rows=1024",
       "quant-awq{bits=4 group-size=128 duo-scaling=true then-gptq=true "
       "data=$CALIB}",
       false, "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"w3a16-awq-gptq",
       "w3a16-awq's scaling and clipping, then rounded by GPTQ "
       "(true-sequential) instead of to nearest",
       true, "sample-rows=1024",
       "quant-awq{bits=3 group-size=128 duo-scaling=true then-gptq=true "
       "data=$CALIB}",
       false, "scheme=w3a16g128 symmetric=false group-fallback=channel", false},
      {"mixed-4.5bit",
       "weights mixed per layer at 4.5 average bits (int8 per channel; "
       "int4/int3/int2 per channel or in groups of 32-128; asymmetric): each "
       "layer's output error on 1024 sampled rows of --calib, scaled by its "
       "measured effect on the model's outputs, minimized exactly under the "
       "cpu backend's cost model; rounded to nearest",
       true, "sample-rows=1024", assignPrecision("4.5"), false,
       "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"mixed-3.5bit", "mixed-4.5bit's assignment at 3.5 average bits", true,
       "sample-rows=1024", assignPrecision("3.5"), false,
       "scheme=w4a16g128 symmetric=false group-fallback=channel", false},
      {"f16", "weights rounded to fp16", false, "", "", false, "scheme=f16",
       false},
      {"w8a16-fp8",
       "FP8 E4M3 weights, a float32 scale per output channel (amax / 448), "
       "rounded to nearest; float activations",
       false, "", "", false, "scheme=fp8", false},
      {"w8a8-fp8",
       "FP8 E4M3 weights (a float32 scale per output channel, amax / 448) "
       "and FP8 E4M3 activations under one static scale per tensor from "
       "their range calibrated (min/max) on --calib; emulated exactly in f32",
       true, "", "", false, "scheme=fp8a8", false},
      {"w8a8-mxfp8",
       "OCP MXFP8 weights and activations: E4M3 in blocks of 32 along the "
       "reduction (the whole reduction where 32 does not divide it) with "
       "E8M0 scales, the activations' computed at run time; emulated "
       "exactly in f32",
       false, "", "", false, "scheme=mxfp8a8 group-fallback=channel", false},
      {"w4a16-mxfp4",
       "OCP MXFP4 weights: E2M1 codes, a power-of-two scale per block of 32 "
       "along the reduction (per channel where 32 does not divide it)",
       false, "", "", false, "scheme=mxfp4 group-fallback=channel", false},
      {"w4a16-nvfp4",
       "NVIDIA NVFP4 weights: E2M1 codes, an E4M3 scale per block of 16 "
       "along the reduction (per channel where 16 does not divide it) and a "
       "float32 scale for the tensor",
       false, "", "", false, "scheme=nvfp4 group-fallback=channel", false},
      {"w4a16-nvfp4-gptq",
       "w4a16-nvfp4's grid, rounded by GPTQ (act-order, true-sequential) on "
       "--calib",
       true, "hessian=true",
       "quant-gptq{format=nvfp4 group-size=16 group-fallback=channel "
       "data=$CALIB progress=$PROGRESS}",
       false, "scheme=nvfp4 group-fallback=channel", false},
      {"w4a16-nf4",
       "NF4 weights (QLoRA's normal-quantile levels) times the absmax of "
       "each block of 64 along the reduction (per channel where 64 does not "
       "divide it)",
       false, "", "", false, "scheme=nf4 group-fallback=channel", false},
  };
  return all;
}

FailureOr<Recipe> recipes::loadRecipe(StringRef nameOrPath,
                                      std::string &error) {
  for (const Recipe &r : builtinRecipes())
    if (r.name == nameOrPath)
      return r;
  bool isFile = llvm::sys::fs::exists(nameOrPath) ||
                nameOrPath.ends_with(".yaml") || nameOrPath.ends_with(".yml");
  if (!isFile) {
    error = "unknown recipe '" + nameOrPath.str() + "'; built-in recipes:";
    for (const Recipe &r : builtinRecipes())
      error += " " + r.name;
    error += " (or a YAML file)";
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFile(nameOrPath);
  if (!buffer) {
    error = "cannot read '" + nameOrPath.str() +
            "': " + buffer.getError().message();
    return failure();
  }
  return parseRecipe((*buffer)->getBuffer(), nameOrPath, error);
}

FailureOr<Recipe> recipes::parseRecipe(StringRef text, StringRef what,
                                       std::string &error) {
  Recipe recipe;
  std::string diagnostics;
  llvm::yaml::Input in(
      text, /*Ctxt=*/nullptr,
      [](const llvm::SMDiagnostic &d, void *out) {
        llvm::raw_string_ostream os(*static_cast<std::string *>(out));
        d.print(nullptr, os, /*ShowColors=*/false);
      },
      &diagnostics);
  in >> recipe;
  if (in.error()) {
    error = "'" + what.str() + "' is not a valid recipe: " +
            (diagnostics.empty() ? in.error().message() : diagnostics);
    return failure();
  }
  return recipe;
}

FailureOr<std::string> recipes::buildPipeline(const Recipe &recipe,
                                              const PipelineOptions &options,
                                              std::string &error) {
  std::vector<std::string> passes;
  std::string calibrate;
  if (recipe.recalibrate && !recipe.calibrate) {
    error = "recipe '" + recipe.name + "' recalibrates but does not calibrate";
    return failure();
  }
  if (recipe.calibrate || options.layerErrors) {
    if (options.calibData.empty()) {
      error = "recipe '" + recipe.name +
              "' calibrates activation ranges: give calibration data "
              "(--calib FILE.npz or a directory of them)";
      return failure();
    }
    passes.push_back("qf-insert-observers");
    calibrate = "qf-calibrate{data=" + options.calibData +
                " backend=" + options.backend +
                " progress=" + (options.progress ? "true" : "false");
    // Hessians for layer errors, unless the recipe says (GPTQ needs them).
    if (!StringRef(recipe.calibrateOptions).contains("hessian="))
      calibrate += options.layerErrors ? " hessian=true" : " hessian=false";
    if (!recipe.calibrateOptions.empty())
      calibrate += " " + recipe.calibrateOptions;
    calibrate += "}";
    passes.push_back(calibrate);
  }
  if (!recipe.prepare.empty()) {
    // $CALIB: passes that run the model again (GPTQ's true-sequential).
    std::string prepare = recipe.prepare;
    // Search on after each replacement: the path may itself say $CALIB.
    for (size_t at = 0; (at = prepare.find("$CALIB", at)) != std::string::npos;
         at += options.calibData.size())
      prepare.replace(at, 6, options.calibData);
    for (size_t at = 0;
         (at = prepare.find("$PROGRESS", at)) != std::string::npos;)
      prepare.replace(at, 9, options.progress ? "true" : "false");
    passes.push_back(prepare);
    if (recipe.recalibrate)
      passes.push_back(calibrate); // the same, on the prepared model
  }
  std::string quantize = "quant-quantize{" + recipe.quantize;
  if (!options.reportPath.empty())
    quantize += " report=" + options.reportPath;
  passes.push_back(quantize + "}");
  if (recipe.fuse)
    passes.push_back("qf-fuse-qdq");
  std::string pipeline;
  for (size_t i = 0; i < passes.size(); ++i)
    pipeline += (i ? "," : "") + passes[i];
  return pipeline;
}
