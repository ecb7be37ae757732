//===- HessianLayers.h - Layers with a calibrated Hessian -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// What the second-order weight passes (quant-gptq, quant-qat-finetune)
// share: finding the layers (a linalg.matmul or linalg.conv_2d_nhwc_hwcf
// with a constant f32 weight), reading the Hessian qf-calibrate stored on
// the observer of their input, moving the weight between the IR's layout
// ([K, N], the convolution's [kh, kw, C, F]) and the solvers' [rows = N or
// F, cols = K or kh*kw*C], and writing a solver's codes back as the integer
// storage + qf.dequantize that quant-quantize emits.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_LAYERS_HESSIANLAYERS_H
#define QF_PASSES_LAYERS_HESSIANLAYERS_H

#include "dialects/QF/QFOps.h"
#include "passes/Solvers/GptqSolver.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qf {

/// A layer: a matmul or convolution with a constant f32 weight (operand 1),
/// and the observer of its input (operand 0), if any.
struct HessianLayer {
  Operation *op;
  bool isConv;
  ObserveOp observer;

  /// The weight in the solvers' layout, [rows, cols] row-major (rows: the
  /// weight's last dimension).
  std::vector<double> solverWeight() const;
};

std::optional<HessianLayer> hessianLayerOf(Operation *op);

/// The calibrated Hessian [k, k] of a layer's activation, if there is one.
std::optional<std::vector<double>> hessianOf(ObserveOp observer, int64_t k);

/// The calibration rows [r, k] (row-major) qf-calibrate sampled on a
/// layer's activation (`sample-rows=N`), if there are any.
std::optional<std::vector<double>> rowSampleOf(ObserveOp observer, int64_t k);

/// How a solver quantized a weight, for the qf.quantized_by attribute.
struct SolverProvenance {
  std::string scheme;
  unsigned bits;
  /// The group size the solver used (0: per output channel).
  int64_t groupSize;
  bool symmetric;
};

/// Replaces the layer's weight by `result` (solver layout and convention)
/// as integer storage + qf.dequantize, tagged `qf.quantized_by` with the
/// scheme, bytes and the relative weight and output errors against
/// `weight` and `hessian`. Returns the new weight; the float one is erased
/// once unused.
Value replaceWeight(const HessianLayer &layer,
                    const std::vector<double> &weight,
                    const std::vector<double> &hessian,
                    const gptq::Result &result,
                    const SolverProvenance &provenance);

/// The same for a solver that rounded onto a float-code format's grid
/// (`result.values`, with the format's block parameters in `result.scales`,
/// as TableFormat gives them for a weight of largest magnitude
/// `weightAmax`): codes, scales and a qf.dequantize_table of `scheme`.
/// Returns null after an error at the op.
Value replaceTableWeight(const HessianLayer &layer,
                         const std::vector<double> &weight,
                         const std::vector<double> &hessian,
                         const gptq::Result &result, SchemeAttr scheme,
                         float weightAmax, const std::string &provenance);

} // namespace mlir::qf

#endif // QF_PASSES_LAYERS_HESSIANLAYERS_H
