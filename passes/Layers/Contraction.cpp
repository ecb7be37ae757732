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

std::vector<double> mlir::qf::doubleValues(DenseFPElementsAttr attr) {
  std::vector<double> values;
  values.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToDouble());
  }
  return values;
}

std::optional<std::vector<float>> mlir::qf::constantWeight(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  std::vector<float> data;
  data.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
    data.push_back(v.convertToFloat());
  }
  return data;
}
