//===- FakeQuantGradTest.cpp - Gradients of fake quantization ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Checks numerics::fakeQuantGrad against central (or, on the clamp borders,
// one-sided from the inside) finite differences of the surrogate its header
// defines, inside the range, below and above it, and exactly on the borders,
// for every input of the gradient; and the forward value against
// dequantize(quantize()).
//
//===----------------------------------------------------------------------===//

#include "numerics/FakeQuantGrad.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir::qf::numerics;

namespace {

struct Point {
  double x, scale, zeroPoint;
};

/// The surrogate s * (clamp(x / s + z) - z + delta), delta frozen at `at`.
double surrogate(Point p, Point at, IntRange range, RoundingMode mode) {
  double v = at.x / at.scale, u = v + at.zeroPoint;
  bool inside = u >= double(range.min) && u <= double(range.max);
  double delta = inside ? roundToIntegral(v, mode) - v : 0.0;
  double c = std::clamp(p.x / p.scale + p.zeroPoint, double(range.min),
                        double(range.max));
  return p.scale * (c - p.zeroPoint + delta);
}

bool inside(Point p, IntRange range) {
  double u = p.x / p.scale + p.zeroPoint;
  return u >= double(range.min) && u <= double(range.max);
}

/// d surrogate / d coordinate `which` (0: x, 1: scale, 2: zero point) at
/// `p`: central where the neighbourhood stays on one side of the borders,
/// else one-sided towards the side `p` belongs to.
double finiteDifference(Point p, int which, IntRange range, RoundingMode mode) {
  const double h = 1e-6;
  auto moved = [&](double by) {
    Point q = p;
    (which == 0 ? q.x : which == 1 ? q.scale : q.zeroPoint) += by;
    return q;
  };
  auto f = [&](Point q) { return surrogate(q, p, range, mode); };
  bool here = inside(p, range);
  bool up = inside(moved(h), range) == here;
  bool down = inside(moved(-h), range) == here;
  if (up && down)
    return (f(moved(h)) - f(moved(-h))) / (2 * h);
  if (up)
    return (f(moved(h)) - f(p)) / h;
  return (f(p) - f(moved(-h))) / h;
}

void expectMatchesFiniteDifferences(Point p, IntRange range,
                                    RoundingMode mode) {
  FakeQuantGrad g = fakeQuantGrad(p.x, p.scale, p.zeroPoint, range, mode);
  SCOPED_TRACE(testing::Message()
               << "x=" << p.x << " scale=" << p.scale << " z=" << p.zeroPoint);
  EXPECT_NEAR(g.dx, finiteDifference(p, 0, range, mode), 1e-5);
  EXPECT_NEAR(g.dscale, finiteDifference(p, 1, range, mode), 1e-4);
  EXPECT_NEAR(g.dzeroPoint, finiteDifference(p, 2, range, mode), 1e-5);
}

TEST(FakeQuantGrad, HandComputedValues) {
  IntRange int4 = IntRange::forBits(4, /*isSigned=*/true);
  // v = 2.6 rounds to 3: inside.
  FakeQuantGrad in = fakeQuantGrad(0.26, 0.1, 0, int4, RoundingMode::HalfEven);
  EXPECT_DOUBLE_EQ(in.dx, 1);
  EXPECT_NEAR(in.dscale, 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(in.dzeroPoint, 0);
  // v = 10 > 7: clamped to the top.
  FakeQuantGrad above =
      fakeQuantGrad(1.0, 0.1, 0, int4, RoundingMode::HalfEven);
  EXPECT_DOUBLE_EQ(above.dx, 0);
  EXPECT_DOUBLE_EQ(above.dscale, 7);
  EXPECT_DOUBLE_EQ(above.dzeroPoint, -0.1);
  // v = -12 + 2 < -8: clamped to the bottom, 8 - 2 steps below zero.
  FakeQuantGrad below = fakeQuantGrad(-1.2, 0.1, 2, int4, RoundingMode::Floor);
  EXPECT_DOUBLE_EQ(below.dscale, -10);
  EXPECT_DOUBLE_EQ(below.dzeroPoint, -0.1);
  // Identity passes the input gradient outside as well.
  EXPECT_DOUBLE_EQ(fakeQuantGrad(1.0, 0.1, 0, int4, RoundingMode::HalfEven,
                                 StraightThrough::Identity)
                       .dx,
                   1);
}

TEST(FakeQuantGrad, MatchesFiniteDifferencesInsideAndOutside) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> scaleDist(0.01, 0.5);
  for (unsigned bits : {2u, 3u, 4u, 8u}) {
    for (bool isSigned : {true, false}) {
      IntRange range = IntRange::forBits(bits, isSigned);
      for (RoundingMode mode :
           {RoundingMode::HalfEven, RoundingMode::HalfAway, RoundingMode::Floor,
            RoundingMode::Ceil, RoundingMode::TowardZero}) {
        for (int i = 0; i < 50; ++i) {
          double scale = scaleDist(rng);
          double z = isSigned ? 0.0 : double((range.max + 1) / 2);
          // v + z from 3 steps below the range to 3 above it.
          std::uniform_real_distribution<double> u(double(range.min) - 3,
                                                   double(range.max) + 3);
          double x = (u(rng) - z) * scale;
          expectMatchesFiniteDifferences({x, scale, z}, range, mode);
        }
      }
    }
  }
}

TEST(FakeQuantGrad, MatchesOneSidedDifferencesOnTheBorders) {
  IntRange int3 = IntRange::forBits(3, /*isSigned=*/true);
  for (double scale : {0.25, 0.5, 2.0})
    for (double z : {0.0, 1.0})
      for (int64_t border : {int3.min, int3.max}) {
        Point p{(double(border) - z) * scale, scale, z};
        ASSERT_TRUE(inside(p, int3));
        expectMatchesFiniteDifferences(p, int3, RoundingMode::HalfEven);
        // The borders belong to the inside: the input gradient passes.
        EXPECT_EQ(fakeQuantGrad(p.x, scale, z, int3, RoundingMode::HalfEven).dx,
                  1);
      }
}

TEST(FakeQuantGrad, ForwardIsDequantizeOfQuantize) {
  std::mt19937_64 rng(11);
  std::normal_distribution<float> x(0, 1);
  IntRange uint8 = IntRange::forBits(8, /*isSigned=*/false);
  for (RoundingMode mode :
       {RoundingMode::HalfEven, RoundingMode::HalfAway, RoundingMode::Floor,
        RoundingMode::Ceil, RoundingMode::TowardZero}) {
    for (int i = 0; i < 1000; ++i) {
      float v = x(rng) * 3;
      // A power-of-two scale: x / scale is exact in float and double.
      float expected =
          dequantize(quantize(v, 0.0625f, 128, uint8, mode), 0.0625f, 128);
      EXPECT_EQ(fakeQuant(v, 0.0625f, 128, uint8, mode), expected) << v;
    }
  }
}

} // namespace
