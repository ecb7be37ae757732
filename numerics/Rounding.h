//===- Rounding.h - Rounding of real values to integers ---------*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// Every rounding mode of the `qf` dialect, defined once here. Backends are
// checked against these functions bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_ROUNDING_H
#define QF_NUMERICS_ROUNDING_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace mlir::qf::numerics {

enum class RoundingMode {
  HalfEven,   ///< to nearest, ties to even (IEEE default)
  HalfAway,   ///< to nearest, ties away from zero (std::round)
  Floor,      ///< toward -inf
  Ceil,       ///< toward +inf
  TowardZero, ///< truncation
  Stochastic, ///< up with probability frac(v), from a counter-based draw
};

/// The dialect's spelling: half_even, half_away, floor, ceil, toward_zero,
/// stochastic.
std::string_view toString(RoundingMode mode);
std::optional<RoundingMode> parseRoundingMode(std::string_view name);

/// The stochastic draw for element `index` under `seed`: a uniform value in
/// [0, 1) with 24 random bits, so it is exact in f32 on every backend.
/// u = (splitmix64(seed + (index + 1) * 0x9E3779B97F4A7C15) >> 40) * 2^-24,
/// where splitmix64 is the finaliser of Steele et al. (z ^= z >> 30;
/// z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
/// z ^= z >> 31), all arithmetic modulo 2^64.
double stochasticDraw(uint64_t seed, uint64_t index);

/// Rounds `v` to an integral value. `seed` and `index` matter only for
/// Stochastic, which returns floor(v) + (draw < v - floor(v)).
double roundToIntegral(double v, RoundingMode mode, uint64_t seed = 0,
                       uint64_t index = 0);

/// Exact round(num / 2^shift) under `mode` for 0 <= shift <= 62, without
/// going through floating point.
int64_t roundingShiftRight(int64_t num, unsigned shift, RoundingMode mode,
                           uint64_t seed = 0, uint64_t index = 0);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_ROUNDING_H
