//===- WeightQuantizer.h - Constant weights to packed integers --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Quantizes a constant float weight under a #qf.scheme and puts it back into
// the IR as integer storage (bytes, or packed sub-byte codes) followed by
// qf.dequantize, so that the float op still type-checks and qf-fuse-qdq or
// the lowering can take the integers. GPTQ and AWQ reuse the emission with
// codes they chose themselves.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SCHEMES_WEIGHTQUANTIZER_H
#define QF_PASSES_SCHEMES_WEIGHTQUANTIZER_H

#include "dialects/QF/QFAttrs.h"

#include "numerics/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"

#include <vector>

namespace mlir::qf {

/// Which dimensions of a weight hold its output channels and the reduction
/// that groups run along.
struct WeightAxes {
  unsigned channel;
  unsigned reduction;
};

/// ||approximation - data|| / ||data|| (0 for all-zero data), in double.
double relativeError(ArrayRef<float> data, ArrayRef<float> approximation);

/// The blocks `scheme` gives a weight of `shape`: the whole tensor, one per
/// output channel, or groups along the reduction (which the group size must
/// divide: otherwise an error through `emitError`).
FailureOr<numerics::BlockLayout>
weightLayout(ArrayRef<int64_t> shape, SchemeAttr scheme, WeightAxes axes,
             function_ref<InFlightDiagnostic()> emitError);

/// A weight's integer codes (row-major, one per element) and their type,
/// with what the quantization cost: ||w - dequantize(q)|| / ||w|| and the
/// bytes of codes (packed) plus f32 scales and, asymmetric, i8 zero points.
struct QuantizedWeight {
  quant::QuantizedType type;
  std::vector<int64_t> codes;
  double relativeError = 0;
  int64_t storageBytes = 0;
  /// dequantize(codes), row-major: what the quantized model computes with.
  std::vector<float> dequantized;
};

/// The storage range of `bits`-bit weights: signed, and narrow (symmetric
/// around 0) when `symmetric`.
quant::QuantizedType makeUniformType(MLIRContext *ctx, unsigned bits,
                                     bool symmetric, FloatType expressed,
                                     ArrayRef<double> scales,
                                     ArrayRef<int64_t> zeroPoints,
                                     ArrayRef<int64_t> gridShape,
                                     ArrayRef<int64_t> blockShape);

/// The per-tensor type of a static activation calibrated to [min, max]:
/// signed `bits`-bit storage, asymmetric unless `symmetric` (then narrow
/// with zero point 0). Null where no parameters exist (NaN bounds).
quant::UniformQuantizedType activationType(unsigned bits, FloatType expressed,
                                           double min, double max,
                                           bool symmetric);

/// Quantizes `data` (of `shape`) with the weight part of `scheme`: per
/// tensor, per output channel, or in groups of the scheme's group size along
/// the reduction axis. Fails with a diagnostic from `emitError` for
/// non-finite weights or a group size that does not divide the reduction.
FailureOr<QuantizedWeight>
quantizeWeight(ArrayRef<float> data, ArrayRef<int64_t> shape, SchemeAttr scheme,
               WeightAxes axes, FloatType expressed,
               function_ref<InFlightDiagnostic()> emitError);

/// Emits `weight` as a constant: 8-bit codes as an i8 constant cast to the
/// quantized type, narrower codes packed (qf.pack's bit order) and unpacked
/// by qf.unpack; then qf.dequantize to `floatType`. Returns the float value.
Value materializeWeight(OpBuilder &b, Location loc, RankedTensorType floatType,
                        const QuantizedWeight &weight);

} // namespace mlir::qf

#endif // QF_PASSES_SCHEMES_WEIGHTQUANTIZER_H
