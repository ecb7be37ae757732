//===- Rounding.cpp - Rounding of real values to integers -----------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/Rounding.h"

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

/// The 24 random bits of the draw, as an integer in [0, 2^24).
static uint64_t drawBits(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return z >> 40;
}

double stochasticDraw(uint64_t seed, uint64_t index) {
  return static_cast<double>(drawBits(seed, index)) * 0x1p-24;
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
    // Up when draw < remainder / 2^shift, the draw being d / 2^24. Compared
    // in integers, exactly: a double cannot hold every 62-bit remainder.
    uint64_t d = drawBits(seed, index);
    uint64_t r = static_cast<uint64_t>(remainder);
    bool up =
        shift <= 24
            ? d < (r << (24 - shift))
            : d < ((r + (uint64_t(1) << (shift - 24)) - 1) >> (shift - 24));
    return quotient + (up ? 1 : 0);
  }
  }
  return quotient;
}

} // namespace mlir::qf::numerics
