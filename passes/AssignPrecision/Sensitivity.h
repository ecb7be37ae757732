//===- Sensitivity.h - What a scheme costs a layer in accuracy --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The error a layer's output takes when its weight (and, for int8-activation
// schemes, its input) is quantized under a scheme, measured on the
// calibration statistics of its input observer: the sampled rows
// (output-mse) or the Hessian (hessian). Both give the mean over rows of the
// squared output error, so they are comparable across layers and add up.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_ASSIGNPRECISION_SENSITIVITY_H
#define QF_PASSES_ASSIGNPRECISION_SENSITIVITY_H

#include "dialects/QF/QFOps.h"
#include "passes/Layers/Contraction.h"
#include "passes/PassOptions.h"

#include <string>
#include <vector>

namespace mlir::qf::precision {

/// A matmul or convolution with a constant f32 weight, seen as rows x of
/// length k (im2col patches for a convolution) times a [k, n] weight.
struct Layer {
  Operation *op;
  Contraction contraction;
  RankedTensorType weightType;
  std::vector<float> weight; ///< row-major, as stored: [k, n] flattened
  int64_t k, n;
  ObserveOp observer; ///< of the activation operand, or null
  std::string name;
};

struct SensitivityOptions {
  /// How int8 activations are quantized (quant-quantize's option).
  DynamicActivations actQuant = DynamicActivations::None;
  bool actSymmetric = false;
};

/// The weight as the layer computes with it under `scheme`: dequantized
/// integer codes (quant-quantize's weight quantizer) or the value rounded to
/// f16/bf16. Fails with a diagnostic at the layer.
FailureOr<std::vector<float>> simulateWeight(const Layer &layer,
                                             SchemeAttr scheme);

/// mean_rows ||x W - q(x) Q(W)||^2 over the observer's `row_sample`.
FailureOr<double> outputMse(const Layer &layer, SchemeAttr scheme,
                            ArrayRef<float> quantizedWeight,
                            const SensitivityOptions &options);

/// 1/2 sum_f dw_f^T H dw_f over the observer's Hessian (H = 2/N X^T X),
/// plus d^2/12 ||Q(W)||^2 for int8 activations of step d.
FailureOr<double> hessianError(const Layer &layer, SchemeAttr scheme,
                               ArrayRef<float> quantizedWeight,
                               const SensitivityOptions &options);

/// The data-free baseline: elements * 4^-bits, times 1000 at the ends of
/// the model (`isEnd`), a little more with int8 activations.
double positionPrior(const Layer &layer, SchemeAttr scheme, bool isEnd);

} // namespace mlir::qf::precision

#endif // QF_PASSES_ASSIGNPRECISION_SENSITIVITY_H
