//===- TableWeights.h - Weights in the float-code formats -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Quantizing a weight to a float-code format of #qf.scheme with the
// numerics core (numerics/FloatFormats.h), and the IR that holds it: codes,
// a scale per block and the format's table of values, read by
// qf.dequantize_table. Per block of the scheme's layout (channel or group
// along the reduction axis), with amax the block's largest |w|:
// - fp8: a float32 scale amax / 448 (1 where that is 0), codes E4M3FN of
//   w / scale (float32 quotient) under the scheme's rounding, saturating;
// - mxfp4, mxfp6, mxfp8, mxint8: the MX scale 2^X by the OCP floor rule
//   for the element (E2M1, E2M3, E4M3, INT8), stored as its E8M0 byte;
//   codes of w / 2^X under the scheme's rounding, saturating;
// - nvfp4: a float32 scale for the whole weight, an E4M3FN byte per block,
//   E2M1 codes (numerics' nvfp4 functions);
// - nf4: a float32 scale amax, codes the nearest NF4 level of w / amax
//   (ties to the lower level); only half_even rounding.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SCHEMES_TABLEWEIGHTS_H
#define QF_PASSES_SCHEMES_TABLEWEIGHTS_H

#include "dialects/QF/QFAttrs.h"
#include "numerics/FloatFormats.h"
#include "passes/Schemes/WeightQuantizer.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <vector>

namespace mlir::qf {

/// A weight's codes (row-major, one per element), its scales (row-major over
/// the block grid `gridShape`) and the table of its format, with what the
/// quantization cost: ||w - dequantized|| / ||w|| and the bytes of codes
/// (packed) plus scales as stored.
struct TableWeight {
  unsigned bits = 0; ///< 4, 6 or 8
  std::vector<uint8_t> codes;
  std::vector<float> scales;        ///< float32 scales (fp8, nf4), or
  std::vector<uint8_t> scaleCodes;  ///< byte scales (MX, NVFP4) and
  std::vector<float> scaleTable;    ///< their 256 values
  std::optional<float> tensorScale; ///< NVFP4's scale of the whole weight
  std::vector<int64_t> gridShape;
  std::vector<float> table;
  std::vector<float> dequantized;
  double relativeError = 0;
  int64_t storageBytes = 0;
};

/// One float-code format's rules, for a weight whose largest magnitude is
/// `weightAmax` (NVFP4's tensor scale follows from it): a block's parameter
/// from the block's largest magnitude (a float32 scale for fp8 and nf4, the
/// scale's E8M0 or E4M3 code for MX and NVFP4, as a double), an element's
/// code under it, and a code's value (as the IR decodes it).
class TableFormat {
public:
  TableFormat(SchemeAttr scheme, float weightAmax,
              numerics::MXScaleRule mxRule = numerics::MXScaleRule::Floor);

  double blockParam(float amax) const;
  /// The parameter of the block v[0], v[stride], ... (count values, as
  /// float32): what the weight-rounding solvers fit.
  double blockParamOf(const double *v, int64_t count, int64_t stride = 1) const;
  /// nullopt only for NaN.
  std::optional<uint8_t> encode(float v, double param, uint64_t index) const;
  float decode(uint8_t code, double param) const;
  /// A finite v rounded onto the grid under `param` (half_even schemes).
  float round(double v, double param) const {
    return decode(*encode(float(v), param, 0), param);
  }

  WeightFormat format() const { return kind; }
  /// The values of the codes and, for byte scales, of the scales.
  const std::vector<float> &table() const { return values; }
  const std::vector<float> &scaleTable() const { return scaleValues; }
  std::optional<float> tensorScale() const { return weightScale; }

private:
  WeightFormat kind;
  numerics::RoundingMode mode;
  uint64_t seed;
  std::optional<numerics::MXElement> mx;
  numerics::MXScaleRule mxRule;
  std::optional<float> weightScale;
  std::vector<float> values, scaleValues;
};

/// What a solver (GPTQ) fixed for a weight: its blocks, their parameters
/// (row-major over the block grid, as TableFormat::blockParam gives them)
/// and the largest magnitude of the weight before it was solved.
struct SolvedBlocks {
  numerics::BlockLayout layout;
  std::vector<double> params;
  float weightAmax;
};

/// Quantizes `data` (row-major, `shape`) to `scheme`'s format, in the
/// scheme's blocks with parameters from the data (MX scales by `mxRule`),
/// or in `solved`'s. Fails
/// (after `emitError`) on NaN or infinite data, a group that does not
/// divide the reduction dimension, or a rounding the format does not take.
FailureOr<TableWeight> quantizeTableWeight(
    ArrayRef<float> data, ArrayRef<int64_t> shape, SchemeAttr scheme,
    WeightAxes axes, function_ref<InFlightDiagnostic()> emitError,
    const SolvedBlocks *solved = nullptr,
    numerics::MXScaleRule mxRule = numerics::MXScaleRule::Floor);

/// The scale of activations rounded to float format `format` (FP8) from
/// their calibrated range: f32(max(|min|, |max|) / the format's largest
/// finite value), 1 for a range of zeros. Callers refuse a scale that is not
/// a normal float32 (a range too small for the format's scaled values).
float floatActivationScale(double min, double max, FloatType format);

/// The constants and the qf.dequantize_table of `weight`, of `floatType`.
Value materializeTableWeight(OpBuilder &b, Location loc,
                             RankedTensorType floatType,
                             const TableWeight &weight);

} // namespace mlir::qf

#endif // QF_PASSES_SCHEMES_TABLEWEIGHTS_H
