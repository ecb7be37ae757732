//===- QuantParams.h - Scales, zero points and uniform quantization -*- C++
//-*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// q = clamp(round(x / scale) + zero_point, qmin, qmax)
// x ~ (q - zero_point) * scale
//
// For f32 data the division and the multiplication are single IEEE f32
// operations (x / float(scale), float(q - zp) * float(scale)), so a backend
// that computes in f32 reproduces these bits exactly.
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_QUANTPARAMS_H
#define QF_NUMERICS_QUANTPARAMS_H

#include "numerics/Rounding.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::qf::numerics {

/// The integer range of a storage type.
struct IntRange {
  int64_t min;
  int64_t max;

  /// [-2^(b-1), 2^(b-1)-1] or [0, 2^b-1]; narrow drops the lowest value
  /// (-127..127 for int8), as symmetric kernels want. Bits must be 1..32
  /// (2..32 when narrow and signed).
  static IntRange forBits(unsigned bits, bool isSigned, bool narrow = false);

  int64_t clamp(int64_t v) const { return v < min ? min : (v > max ? max : v); }
  bool contains(int64_t v) const { return v >= min && v <= max; }
};

struct QuantParams {
  double scale;
  int64_t zeroPoint;
};

/// Parameters that map the real range [min, max], first widened to contain
/// 0 so that zero is exact, onto `range`.
///  - symmetric: zp = range.min + (range.max - range.min + 1) / 2, the
///    middle of the range (0 for signed, 2^(b-1) for unsigned), and
///    scale = max(|min|, |max|) / (range.max - zp);
///  - asymmetric: scale = (max - min) / (range.max - range.min) and
///    zp = clamp(round_half_even(range.min - min / scale)).
/// A range of width 0 gets scale 1 (and, asymmetric, zp = range.min). Returns
/// nullopt when min or max is not finite or min > max, or when a symmetric
/// range has no positive step (1-bit ranges).
std::optional<QuantParams> chooseQuantParams(double min, double max,
                                             IntRange range, bool symmetric);

/// Quantizes one f32 value: clamp(round(x / float(scale)) + zp). NaN
/// quantizes to the zero point; +-inf saturate.
int64_t quantize(float x, float scale, int64_t zeroPoint, IntRange range,
                 RoundingMode mode, uint64_t seed = 0, uint64_t index = 0);

/// float(q - zp) * float(scale).
float dequantize(int64_t q, float scale, int64_t zeroPoint);

/// Block-wise quantization of a dense row-major tensor, covering per-tensor
/// (block = whole shape), per-channel (block 1 on the channel axis, whole
/// elsewhere) and per-group (block G on the reduction axis, 1 on the channel
/// axis). Each block dimension must divide its tensor dimension.
struct BlockLayout {
  std::vector<int64_t> shape;
  std::vector<int64_t> blockShape;

  /// A well-formed layout: same rank, positive sizes, blocks divide dims.
  bool isValid() const;
  /// Shape of the parameter grid: shape[i] / blockShape[i].
  std::vector<int64_t> gridShape() const;
  int64_t numElements() const;
  int64_t numBlocks() const;
  /// Row-major index of the block holding row-major element `flatIndex`.
  int64_t blockOf(int64_t flatIndex) const;

  static BlockLayout perTensor(std::vector<int64_t> shape);
  static BlockLayout perChannel(std::vector<int64_t> shape, unsigned axis);
  /// Groups of `groupSize` along `groupAxis`, one per index of
  /// `channelAxis`; any other axis is covered whole.
  static BlockLayout perGroup(std::vector<int64_t> shape, unsigned channelAxis,
                              unsigned groupAxis, int64_t groupSize);
};

/// One QuantParams per block, row-major over gridShape(). Returns nullopt
/// when the layout is invalid or the data holds a NaN or an infinity.
std::optional<std::vector<QuantParams>>
chooseBlockParams(const float *data, const BlockLayout &layout, IntRange range,
                  bool symmetric);

/// Quantizes every element with the parameters of its block. The element's
/// row-major index is the stochastic draw index.
std::vector<int64_t> quantizeBlocks(const float *data,
                                    const BlockLayout &layout,
                                    const std::vector<QuantParams> &params,
                                    IntRange range, RoundingMode mode,
                                    uint64_t seed = 0);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_QUANTPARAMS_H
