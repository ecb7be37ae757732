//===- Knapsack.cpp - Budgeted choice of one option per group -------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/Knapsack.h"

#include <algorithm>

using namespace mlir::qf::knapsack;

namespace {

/// A partial choice over the first groups: its totals and how it was made
/// (the state it extends in the previous layer and the option taken).
struct State {
  double cost;
  double error;
  uint32_t parent;
  uint32_t option;
};

} // namespace

std::optional<std::vector<Point>> mlir::qf::knapsack::paretoFrontier(
    llvm::ArrayRef<llvm::SmallVector<Option>> groups, size_t maxStates) {
  std::vector<std::vector<State>> layers;
  std::vector<State> current = {{0, 0, 0, 0}};
  for (const llvm::SmallVector<Option> &options : groups) {
    std::vector<State> next;
    next.reserve(current.size() * options.size());
    for (auto [parent, s] : llvm::enumerate(current))
      for (auto [index, o] : llvm::enumerate(options))
        next.push_back({s.cost + o.cost, s.error + o.error, uint32_t(parent),
                        uint32_t(index)});
    // Cheapest first; at equal cost, least error first. A state survives
    // only when it has strictly less error than every cheaper one.
    std::sort(next.begin(), next.end(), [](const State &a, const State &b) {
      return a.cost != b.cost ? a.cost < b.cost : a.error < b.error;
    });
    std::vector<State> kept;
    for (const State &s : next)
      if (kept.empty() || s.error < kept.back().error)
        kept.push_back(s);
    if (kept.size() > maxStates)
      return std::nullopt;
    layers.push_back(std::move(current));
    current = std::move(kept);
  }
  std::vector<Point> frontier;
  for (const State &end : current) {
    Point p{end.cost, end.error, std::vector<unsigned>(groups.size())};
    // Walk back: layers[g] holds the partial choices over groups [0, g),
    // which option `choice[g]` of group g extended.
    State s = end;
    for (size_t g = groups.size(); g-- > 0;) {
      p.choice[g] = s.option;
      s = layers[g][s.parent];
    }
    frontier.push_back(std::move(p));
  }
  return frontier;
}

std::optional<Point>
mlir::qf::knapsack::bestWithin(llvm::ArrayRef<Point> frontier, double budget) {
  // The frontier's error falls as its cost rises: the last affordable
  // point is the best.
  std::optional<Point> best;
  for (const Point &p : frontier)
    if (p.cost <= budget)
      best = p;
  return best;
}
