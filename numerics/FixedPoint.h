//===- FixedPoint.h - Fixed-point requantization ----------------*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// A real multiplier M (e.g. scale_a * scale_w / scale_out) as an int32
// multiplier m in [2^30, 2^31) and a shift s with M ~ m * 2^(s - 31),
// computed exactly as TFLite's QuantizeMultiplier (gemmlowp's convention).
//
// Applying it is one exact rounding of the 64-bit product:
//   apply(x) = round(x * m / 2^(31 - s))
// under the op's rounding mode. (gemmlowp rounds twice, in the doubling
// high multiply and again in the shift; the single rounding here is exact
// and identical for every mode on every backend.)
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_FIXEDPOINT_H
#define QF_NUMERICS_FIXEDPOINT_H

#include "numerics/QuantParams.h"
#include "numerics/Rounding.h"

#include <cstdint>
#include <optional>

namespace mlir::qf::numerics {

struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int shift = 0;

  /// The real value multiplier * 2^(shift - 31).
  double value() const;
};

/// TFLite's QuantizeMultiplier: frexp, round half away from zero to 31
/// bits, renormalise a fraction that rounded up to 2^31, flush multipliers
/// whose exponent is below -31 (M < 2^-32) to (0, 0) and saturate exponents
/// above 30 (M >= 2^30) to (2^31 - 1, 30). Returns nullopt for negative or
/// non-finite multipliers.
std::optional<FixedPointMultiplier> quantizeMultiplier(double realMultiplier);

/// round(x * m / 2^(31 - shift)) under `mode`, exact for |x| < 2^32.
int64_t applyMultiplier(int64_t x, FixedPointMultiplier m, RoundingMode mode,
                        uint64_t seed = 0, uint64_t index = 0);

/// clamp(apply(q - zpIn) + zpOut) into `out`.
int64_t requantize(int64_t q, int64_t zpIn, FixedPointMultiplier m,
                   int64_t zpOut, IntRange out, RoundingMode mode,
                   uint64_t seed = 0, uint64_t index = 0);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_FIXEDPOINT_H
