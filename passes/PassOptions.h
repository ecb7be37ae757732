//===- PassOptions.h - Enumerated values of the passes' options -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The C++ types of the enumerated pass options that the dialect has no enum
// for (rounding, gradient and granularity reuse the dialect's). Their
// spellings are in PassOptions.td, one option class per concept, so every
// pass spells a concept the same way.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_PASSOPTIONS_H
#define QF_PASSES_PASSOPTIONS_H

#include "llvm/ADT/StringRef.h"

namespace mlir::qf {

/// Where a group size does not divide a weight's reduction.
enum class GroupFallback { Error, Channel };

/// How int8 activations are quantized: statically from calibration, or at
/// run time per token (row) or per tensor.
enum class DynamicActivations { None, PerToken, PerTensor };

/// Activation bits of quant-quantize's individual options.
enum class ActivationBits { Eight, None };

/// What quant-assign-precision measures a scheme's harm by.
enum class SensitivityObjective { OutputMse, Hessian, EndToEnd, Position };

/// What quant-qat-finetune reconstructs at once.
enum class ReconstructionUnit { Layer, Block };

/// The options' spellings (as the .td files write them), for reports and
/// for the pipelines a pass builds.
inline llvm::StringRef stringify(DynamicActivations value) {
  switch (value) {
  case DynamicActivations::None:
    return "none";
  case DynamicActivations::PerToken:
    return "per-token";
  case DynamicActivations::PerTensor:
    return "per-tensor";
  }
  return "";
}

inline llvm::StringRef stringify(SensitivityObjective value) {
  switch (value) {
  case SensitivityObjective::OutputMse:
    return "output-mse";
  case SensitivityObjective::Hessian:
    return "hessian";
  case SensitivityObjective::EndToEnd:
    return "e2e";
  case SensitivityObjective::Position:
    return "position";
  }
  return "";
}

namespace calibration {
/// How qf-calibrate turns observed values into a range.
enum class Method { MinMax, EMA, Percentile, MSE, Entropy };
} // namespace calibration

} // namespace mlir::qf

#endif // QF_PASSES_PASSOPTIONS_H
