//===- HessianLayers.cpp - Layers with a calibrated Hessian ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Layers/HessianLayers.h"
#include "parameters/ConstantData.h"

#include "passes/Layers/Contraction.h"
#include "passes/Schemes/TableWeights.h"
#include "passes/Schemes/WeightQuantizer.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf;

std::optional<HessianLayer> qf::hessianLayerOf(Operation *op) {
  bool isConv = isa<linalg::Conv2DNhwcHwcfOp>(op);
  auto matmul = dyn_cast<linalg::MatmulOp>(op);
  if (!isConv && (!matmul || matmul.hasUserDefinedMaps()))
    return std::nullopt;
  ConstantData w;
  if (!matchConstantData(op->getOperand(1), w) || !w.getElementType().isF32())
    return std::nullopt;
  return HessianLayer{op, isConv, op->getOperand(0).getDefiningOp<ObserveOp>()};
}

std::vector<double> HessianLayer::solverWeight() const {
  ConstantData attr;
  matchConstantData(op->getOperand(1), attr);
  const int64_t rows = attr.getType().getShape().back(),
                cols = attr.size() / rows;
  // IR [cols, rows] -> solver [rows, cols].
  std::vector<double> w(rows * cols);
  int64_t i = 0;
  for (float v : attr.floats()) {
    w[(i % rows) * cols + i / rows] = v;
    ++i;
  }
  return w;
}

/// An f32 array qf-calibrate stored on an observer under `key`, if any.
static std::vector<double> statsArray(ObserveOp observer, StringRef key) {
  DictionaryAttr stats = observer ? observer.getStatsAttr() : DictionaryAttr();
  Attribute attr = stats ? stats.get(key) : Attribute();
  std::vector<double> values;
  if (auto blob = dyn_cast_or_null<DenseF32ResourceElementsAttr>(attr)) {
    if (std::optional<ArrayRef<float>> data = blob.tryGetAsArrayRef())
      values.assign(data->begin(), data->end());
  } else if (auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
             dense && dense.getElementType().isF32()) {
    for (float v : dense.getValues<float>())
      values.push_back(v);
  }
  return values;
}

std::optional<std::vector<double>> qf::hessianOf(ObserveOp observer,
                                                 int64_t k) {
  std::vector<double> h = statsArray(observer, "hessian");
  if (int64_t(h.size()) != k * k)
    return std::nullopt;
  return h;
}

std::optional<std::vector<double>> qf::rowSampleOf(ObserveOp observer,
                                                   int64_t k) {
  std::vector<double> rows = statsArray(observer, "row_sample");
  if (rows.empty() || k <= 0 || int64_t(rows.size()) % k)
    return std::nullopt;
  return rows;
}

/// The blocks of a solver's `groups` per output channel in the IR's layout:
/// groups along the reduction, a convolution's within each window position.
static numerics::BlockLayout solverBlocks(const HessianLayer &layer,
                                          int64_t groups) {
  auto type = cast<RankedTensorType>(layer.op->getOperand(1).getType());
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  std::vector<int64_t> block(shape);
  block.back() = 1;
  if (groups > 1) {
    int64_t windows = layer.isConv ? shape[0] * shape[1] : 1;
    unsigned axis = layer.isConv ? 2 : 0;
    if (layer.isConv)
      block[0] = block[1] = 1;
    block[axis] = shape[axis] * windows / groups;
  }
  return numerics::BlockLayout{shape, block};
}

/// Makes `quantized` the layer's weight, tagged `qf.quantized_by` with the
/// scheme, bytes, and the relative weight and output errors of `result`
/// against `weight` and `hessian`; the float weight goes once unused.
static Value installWeight(const HessianLayer &layer, Value quantized,
                           const std::string &scheme, int64_t bytes,
                           const std::vector<double> &weight,
                           const std::vector<double> &hessian,
                           const gptq::Result &result) {
  Operation *op = layer.op;
  Value floatWeight = op->getOperand(1);
  std::vector<double> values = result.dequantized();
  double errorSquared = 0, normSquared = 0;
  for (size_t i = 0; i < weight.size(); ++i) {
    errorSquared += (values[i] - weight[i]) * (values[i] - weight[i]);
    normSquared += weight[i] * weight[i];
  }
  double weightError =
      normSquared > 0 ? std::sqrt(errorSquared / normSquared) : 0.0;
  double outputError =
      gptq::outputError(weight, values, result.rows, result.cols, hessian);
  OpBuilder b(op);
  quantized.getDefiningOp()->setAttr(
      "qf.quantized_by",
      b.getDictionaryAttr({
          b.getNamedAttr("scheme", b.getStringAttr(scheme)),
          b.getNamedAttr("bytes", b.getI64IntegerAttr(bytes)),
          b.getNamedAttr("weight_error", b.getF64FloatAttr(weightError)),
          b.getNamedAttr("output_error",
                         b.getF64FloatAttr(std::sqrt(outputError))),
      }));
  op->setOperand(1, quantized);
  if (floatWeight.use_empty())
    floatWeight.getDefiningOp()->erase();
  return quantized;
}

Value qf::replaceWeight(const HessianLayer &layer,
                        const std::vector<double> &weight,
                        const std::vector<double> &hessian,
                        const gptq::Result &result,
                        const SolverProvenance &provenance) {
  Operation *op = layer.op;
  Value floatWeight = op->getOperand(1);
  auto type = cast<RankedTensorType>(floatWeight.getType());
  const int64_t rows = result.rows, cols = result.cols;
  const unsigned bits = provenance.bits;

  // Codes and parameters in the IR's layout, signed storage.
  const int64_t half = int64_t(1) << (bits - 1);
  const int64_t groups = result.scales.size() / rows;
  QuantizedWeight q;
  q.codes.resize(rows * cols);
  for (int64_t k = 0; k < cols; ++k)
    for (int64_t f = 0; f < rows; ++f)
      q.codes[k * rows + f] = result.codes[f * cols + k] - half;
  SmallVector<double> scales(groups * rows);
  SmallVector<int64_t> zeros(groups * rows);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t f = 0; f < rows; ++f) {
      scales[g * rows + f] = result.scales[f * groups + g];
      zeros[g * rows + f] = int64_t(result.zeros[f * groups + g]) - half;
    }
  numerics::BlockLayout blocks = solverBlocks(layer, groups);
  auto expressed = cast<FloatType>(type.getElementType());
  q.type =
      makeUniformType(op->getContext(), bits, /*symmetric=*/false, expressed,
                      scales, zeros, blocks.gridShape(), blocks.blockShape);

  int64_t bytes = (rows * cols * bits + 7) / 8 +
                  groups * rows * (provenance.symmetric ? 4 : 5);
  OpBuilder b(op);
  Value quantized = materializeWeight(b, floatWeight.getLoc(), type, q);
  return installWeight(layer, quantized, provenance.scheme, bytes, weight,
                       hessian, result);
}

Value qf::replaceTableWeight(const HessianLayer &layer,
                             const std::vector<double> &weight,
                             const std::vector<double> &hessian,
                             const gptq::Result &result, SchemeAttr scheme,
                             float weightAmax, const std::string &provenance) {
  Operation *op = layer.op;
  Value floatWeight = op->getOperand(1);
  auto type = cast<RankedTensorType>(floatWeight.getType());
  const int64_t rows = result.rows, cols = result.cols;
  const int64_t groups = result.scales.size() / rows;
  // The rounded values and the block parameters in the IR's layout (blocks
  // row-major over [..., groups, channels]).
  std::vector<float> values(rows * cols);
  for (int64_t k = 0; k < cols; ++k)
    for (int64_t f = 0; f < rows; ++f)
      values[k * rows + f] = float(result.values[f * cols + k]);
  SolvedBlocks solved{solverBlocks(layer, groups), {}, weightAmax};
  solved.params.resize(groups * rows);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t f = 0; f < rows; ++f)
      solved.params[g * rows + f] = result.scales[f * groups + g];
  std::optional<Contraction> contraction = contractionOf(op);
  FailureOr<TableWeight> table = quantizeTableWeight(
      values, type.getShape(), scheme, contraction->axes,
      [&] { return op->emitOpError("weight operand: "); }, &solved);
  if (failed(table))
    return {};
  OpBuilder b(op);
  Value quantized =
      materializeTableWeight(b, floatWeight.getLoc(), type, *table);
  return installWeight(layer, quantized, provenance, table->storageBytes,
                       weight, hessian, result);
}
