//===- KnapsackTest.cpp - The exact multiple-choice knapsack -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Checks the Pareto-frontier solver against brute force (every combination)
// on random small instances, for every budget between the cheapest and the
// dearest choice.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/Knapsack.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::qf::knapsack;

namespace {

/// The least error within `budget` over all combinations, or infinity.
double bruteForce(llvm::ArrayRef<llvm::SmallVector<Option>> groups,
                  double budget) {
  double best = std::numeric_limits<double>::infinity();
  std::vector<unsigned> pick(groups.size(), 0);
  while (true) {
    double cost = 0, error = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
      cost += groups[g][pick[g]].cost;
      error += groups[g][pick[g]].error;
    }
    if (cost <= budget)
      best = std::min(best, error);
    size_t g = 0;
    while (g < groups.size() && ++pick[g] == groups[g].size())
      pick[g++] = 0;
    if (g == groups.size())
      return best;
  }
}

TEST(KnapsackTest, MatchesBruteForceOnRandomInstances) {
  std::mt19937 rng(1234);
  for (int instance = 0; instance < 200; ++instance) {
    size_t numGroups = 1 + rng() % 6;
    std::vector<llvm::SmallVector<Option>> groups(numGroups);
    double maxCost = 0, minCost = 0;
    for (auto &options : groups) {
      size_t n = 1 + rng() % 5;
      double lo = 1e300, hi = 0;
      for (size_t i = 0; i < n; ++i) {
        // Integer costs give exact ties between combinations; errors are
        // random with some repeats.
        Option o{double(rng() % 9), double(rng() % 20) / 4};
        options.push_back(o);
        lo = std::min(lo, o.cost);
        hi = std::max(hi, o.cost);
      }
      minCost += lo;
      maxCost += hi;
    }
    std::optional<std::vector<Point>> frontier = paretoFrontier(groups);
    ASSERT_TRUE(frontier);
    for (double budget = minCost - 1; budget <= maxCost + 1; budget += 0.5) {
      double expected = bruteForce(groups, budget);
      std::optional<Point> got = bestWithin(*frontier, budget);
      if (std::isinf(expected)) {
        EXPECT_FALSE(got) << "instance " << instance << " budget " << budget;
        continue;
      }
      ASSERT_TRUE(got) << "instance " << instance << " budget " << budget;
      EXPECT_EQ(got->error, expected);
      EXPECT_LE(got->cost, budget);
      // The choice is real: its options sum to the point's totals.
      double cost = 0, error = 0;
      for (size_t g = 0; g < numGroups; ++g) {
        ASSERT_LT(got->choice[g], groups[g].size());
        cost += groups[g][got->choice[g]].cost;
        error += groups[g][got->choice[g]].error;
      }
      EXPECT_EQ(cost, got->cost);
      EXPECT_EQ(error, got->error);
    }
  }
}

TEST(KnapsackTest, FrontierIsStrictlyImproving) {
  std::vector<llvm::SmallVector<Option>> groups = {
      {{8, 0.0}, {4, 1.0}, {3, 3.0}}, {{8, 0.0}, {4, 2.0}, {3, 2.5}}};
  std::optional<std::vector<Point>> frontier = paretoFrontier(groups);
  ASSERT_TRUE(frontier);
  // All sums: (6, 5.5) (7, 3.5) (7, 5 dominated) (8, 3) (11, 2.5)
  // (11, 3 dominated) (12, 1) (12, 2 dominated) (16, 0).
  std::vector<std::pair<double, double>> expected = {
      {6, 5.5}, {7, 3.5}, {8, 3.0}, {11, 2.5}, {12, 1.0}, {16, 0.0}};
  ASSERT_EQ(frontier->size(), expected.size());
  for (auto [p, e] : llvm::zip(*frontier, expected)) {
    EXPECT_EQ(p.cost, e.first);
    EXPECT_EQ(p.error, e.second);
  }
  EXPECT_FALSE(bestWithin(*frontier, 5.9));
  EXPECT_EQ(bestWithin(*frontier, 11.9)->choice, (std::vector<unsigned>{0, 2}));
}

TEST(KnapsackTest, RefusesInstancesBeyondTheStateLimit) {
  std::vector<llvm::SmallVector<Option>> groups(
      12, llvm::SmallVector<Option>{{1, 8}, {2, 4}, {4, 2}, {8, 1}});
  // Powers of two make many sums distinct: the frontier outgrows 4 states.
  EXPECT_FALSE(paretoFrontier(groups, 4));
  EXPECT_TRUE(paretoFrontier(groups));
}

} // namespace
