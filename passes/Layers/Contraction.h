//===- Contraction.h - The ops quantization passes take ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The contractions whose weights and activations the quantization passes
// rewrite (linalg.matmul, linalg.batch_matmul, linalg.conv_2d_nhwc_hwcf),
// which operand is which, and a constant weight's values.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_LAYERS_CONTRACTION_H
#define QF_PASSES_LAYERS_CONTRACTION_H

#include "parameters/ConstantData.h"
#include "passes/Schemes/WeightQuantizer.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <optional>
#include <vector>

namespace mlir::qf {

/// The operands of a contraction: which is the activation, which may be a
/// constant weight, and the weight's axes.
struct Contraction {
  unsigned activation;
  unsigned weight;
  WeightAxes axes;
  bool isConv;
};

/// The contraction `op` is, if it is one the passes know.
std::optional<Contraction> contractionOf(Operation *op);

/// Float values of a constant weight, row-major, if it is one.
std::optional<std::vector<float>> constantWeight(Value value);

} // namespace mlir::qf

#endif // QF_PASSES_LAYERS_CONTRACTION_H
