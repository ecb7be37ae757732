//===- Contraction.cpp - The ops quantization passes take -----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Layers/Contraction.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qf;

std::optional<Contraction> mlir::qf::contractionOf(Operation *op) {
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op))
    return matmul.hasUserDefinedMaps()
               ? std::nullopt
               : std::optional(Contraction{0, 1, {1, 0}, false});
  if (auto batch = dyn_cast<linalg::BatchMatmulOp>(op))
    return batch.hasUserDefinedMaps()
               ? std::nullopt
               : std::optional(Contraction{0, 1, {2, 1}, false});
  if (isa<linalg::Conv2DNhwcHwcfOp>(op))
    return Contraction{0, 1, {3, 2}, true};
  return std::nullopt;
}

std::optional<std::vector<float>> mlir::qf::constantWeight(Value value) {
  ConstantData data;
  if (!matchConstantData(value, data) || !isa<FloatType>(data.getElementType()))
    return std::nullopt;
  return data.floats();
}
