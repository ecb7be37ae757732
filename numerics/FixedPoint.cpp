//===- FixedPoint.cpp - Fixed-point requantization ------------------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/FixedPoint.h"

#include <cassert>
#include <cmath>
#include <limits>

namespace mlir::qf::numerics {

double FixedPointMultiplier::value() const {
  return std::ldexp(static_cast<double>(multiplier), shift - 31);
}

std::optional<FixedPointMultiplier> quantizeMultiplier(double realMultiplier) {
  if (!std::isfinite(realMultiplier) || realMultiplier < 0.0)
    return std::nullopt;
  FixedPointMultiplier result;
  if (realMultiplier == 0.0)
    return result;
  int shift = 0;
  double fraction = std::frexp(realMultiplier, &shift); // in [0.5, 1)
  int64_t fixed = static_cast<int64_t>(std::round(fraction * 0x1p31));
  if (fixed == (int64_t(1) << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  if (shift > 30) {
    shift = 30;
    fixed = std::numeric_limits<int32_t>::max();
  }
  result.multiplier = static_cast<int32_t>(fixed);
  result.shift = shift;
  return result;
}

int64_t applyMultiplier(int64_t x, FixedPointMultiplier m, RoundingMode mode,
                        uint64_t seed, uint64_t index) {
  assert(x > -(int64_t(1) << 32) && x < (int64_t(1) << 32) &&
         "accumulator out of range");
  assert(m.shift <= 30 && "shift above 30");
  if (m.multiplier == 0)
    return 0;
  // |x| < 2^32 and m < 2^31: the product fits in 63 bits.
  int64_t product = x * static_cast<int64_t>(m.multiplier);
  return roundingShiftRight(product, static_cast<unsigned>(31 - m.shift), mode,
                            seed, index);
}

int64_t requantize(int64_t q, int64_t zpIn, FixedPointMultiplier m,
                   int64_t zpOut, IntRange out, RoundingMode mode,
                   uint64_t seed, uint64_t index) {
  return out.clamp(applyMultiplier(q - zpIn, m, mode, seed, index) + zpOut);
}

} // namespace mlir::qf::numerics
