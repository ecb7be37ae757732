//===- Rounding.cpp - Rounding of real values to integers -----------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "passes/Numerics/Rounding.h"

#include <cassert>
#include <cmath>

namespace mlir::qf::numerics {

namespace {
struct ModeName {
  RoundingMode mode;
  std::string_view name;
};
constexpr ModeName kModeNames[] = {
    {RoundingMode::HalfEven, "half_even"},
    {RoundingMode::HalfAway, "half_away"},
    {RoundingMode::Floor, "floor"},
    {RoundingMode::Ceil, "ceil"},
    {RoundingMode::TowardZero, "toward_zero"},
    {RoundingMode::Stochastic, "stochastic"},
};
} // namespace

std::string_view toString(RoundingMode mode) {
  for (const ModeName &entry : kModeNames)
    if (entry.mode == mode)
      return entry.name;
  return "unknown";
}

std::optional<RoundingMode> parseRoundingMode(std::string_view name) {
  for (const ModeName &entry : kModeNames)
    if (entry.name == name)
      return entry.mode;
  return std::nullopt;
}

double stochasticDraw(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 40) * 0x1p-24;
}

double roundToIntegral(double v, RoundingMode mode, uint64_t seed,
                       uint64_t index) {
  switch (mode) {
  case RoundingMode::HalfEven:
    return std::nearbyint(v); // the default FP environment rounds to even
  case RoundingMode::HalfAway:
    return std::round(v);
  case RoundingMode::Floor:
    return std::floor(v);
  case RoundingMode::Ceil:
    return std::ceil(v);
  case RoundingMode::TowardZero:
    return std::trunc(v);
  case RoundingMode::Stochastic: {
    double lower = std::floor(v);
    return lower + (stochasticDraw(seed, index) < v - lower ? 1.0 : 0.0);
  }
  }
  return v;
}

int64_t roundingShiftRight(int64_t num, unsigned shift, RoundingMode mode,
                           uint64_t seed, uint64_t index) {
  assert(shift <= 62 && "shift out of range");
  if (shift == 0)
    return num;
  // Arithmetic shift is floor division; the remainder is in [0, 2^shift).
  int64_t quotient = num >> shift;
  int64_t remainder = num - quotient * (int64_t(1) << shift);
  if (remainder == 0)
    return quotient;
  int64_t half = int64_t(1) << (shift - 1);
  switch (mode) {
  case RoundingMode::Floor:
    return quotient;
  case RoundingMode::Ceil:
    return quotient + 1;
  case RoundingMode::TowardZero:
    return num < 0 ? quotient + 1 : quotient;
  case RoundingMode::HalfAway:
    if (remainder == half)
      return num < 0 ? quotient : quotient + 1;
    return remainder > half ? quotient + 1 : quotient;
  case RoundingMode::HalfEven:
    if (remainder == half)
      return (quotient & 1) ? quotient + 1 : quotient;
    return remainder > half ? quotient + 1 : quotient;
  case RoundingMode::Stochastic: {
    // Up with probability remainder / 2^shift, compared on 24 bits so that
    // the draw is the same one roundToIntegral uses.
    double fraction = std::ldexp(static_cast<double>(remainder), -int(shift));
    return quotient + (stochasticDraw(seed, index) < fraction ? 1 : 0);
  }
  }
  return quotient;
}

} // namespace mlir::qf::numerics
