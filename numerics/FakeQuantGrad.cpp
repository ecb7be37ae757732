//===- FakeQuantGrad.cpp - Fake quantization and its gradients ------------===//
//
// Part of QuantForge. The numerics core: plain C++, no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#include "numerics/FakeQuantGrad.h"

#include <algorithm>

namespace mlir::qf::numerics {

double fakeQuant(double x, double scale, double zeroPoint, IntRange range,
                 RoundingMode mode, uint64_t seed, uint64_t index) {
  double q = roundToIntegral(x / scale, mode, seed, index) + zeroPoint;
  q = std::clamp(q, double(range.min), double(range.max));
  return (q - zeroPoint) * scale;
}

FakeQuantGrad fakeQuantGrad(double x, double scale, double zeroPoint,
                            IntRange range, RoundingMode mode,
                            StraightThrough ste, uint64_t seed,
                            uint64_t index) {
  double v = x / scale;
  FakeQuantGrad g;
  if (v + zeroPoint < double(range.min)) {
    g.dx = ste == StraightThrough::Identity ? 1 : 0;
    g.dscale = double(range.min) - zeroPoint;
    g.dzeroPoint = -scale;
  } else if (v + zeroPoint > double(range.max)) {
    g.dx = ste == StraightThrough::Identity ? 1 : 0;
    g.dscale = double(range.max) - zeroPoint;
    g.dzeroPoint = -scale;
  } else {
    g.dx = 1;
    g.dscale = roundToIntegral(v, mode, seed, index) - v;
    g.dzeroPoint = 0;
  }
  return g;
}

} // namespace mlir::qf::numerics
