//===- FakeQuantGrad.h - Fake quantization and its gradients ----*- C++ -*-===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//
//
// The forward value of `qf.fake_quant` and the gradients quantization-aware
// training takes through it. With v = x / scale:
//
//   y = (clamp(round(v) + z, qmin, qmax) - z) * scale
//
// Rounding has no useful derivative, so training uses the straight-through
// estimator (STE, Bengio et al. 2013) and, for the scale and zero point,
// LSQ (Esser et al. 2020) and LSQ+ (Bhalgat et al. 2020). With
// "inside" meaning qmin <= v + z <= qmax (borders included):
//
//   dy/dx     = 1 inside; outside 0 (Clipped) or 1 (Identity)
//   dy/dscale = round(v) - v inside; qmin - z below; qmax - z above
//   dy/dz     = 0 inside; -scale outside
//
// These are the exact derivatives of the surrogate
//   s * (clamp(x / s + z, qmin, qmax) - z + delta)
// with delta = round(v) - v inside (0 outside) held constant, which is how
// the unit tests check them against finite differences.
//
//===----------------------------------------------------------------------===//

#ifndef QF_NUMERICS_FAKEQUANTGRAD_H
#define QF_NUMERICS_FAKEQUANTGRAD_H

#include "numerics/QuantParams.h"
#include "numerics/Rounding.h"

namespace mlir::qf::numerics {

/// How the input gradient passes outside the clamp range (qf's
/// StraightThrough attribute).
enum class StraightThrough { Clipped, Identity };

struct FakeQuantGrad {
  double dx = 0;
  double dscale = 0;
  double dzeroPoint = 0;
};

/// The forward value, in double. `zeroPoint` may be fractional (LSQ+ learns
/// it); the rounding itself is `roundToIntegral(x / scale, mode)`.
double fakeQuant(double x, double scale, double zeroPoint, IntRange range,
                 RoundingMode mode, uint64_t seed = 0, uint64_t index = 0);

/// dy/dx, dy/dscale and dy/dzeroPoint at (x, scale, zeroPoint), to be
/// multiplied by the incoming gradient. `scale` must be positive.
FakeQuantGrad fakeQuantGrad(double x, double scale, double zeroPoint,
                            IntRange range, RoundingMode mode,
                            StraightThrough ste = StraightThrough::Clipped,
                            uint64_t seed = 0, uint64_t index = 0);

} // namespace mlir::qf::numerics

#endif // QF_NUMERICS_FAKEQUANTGRAD_H
