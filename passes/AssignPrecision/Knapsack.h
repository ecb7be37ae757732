//===- Knapsack.h - Budgeted choice of one option per group -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Multiple-choice knapsack, solved exactly: every group takes one of its
// options (a cost and an error), the summed cost must stay within a budget,
// and the summed error is minimized. The solver builds the whole Pareto
// frontier (cost -> least error) group by group, dropping dominated partial
// choices, so one run answers every budget and gives the frontier the
// mixed-precision report plots.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_ASSIGNPRECISION_KNAPSACK_H
#define QF_PASSES_ASSIGNPRECISION_KNAPSACK_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::qf::knapsack {

struct Option {
  double cost;
  double error;
};

/// One point of the frontier: the least error at this cost, and the option
/// each group takes to reach it.
struct Point {
  double cost;
  double error;
  std::vector<unsigned> choice;
};

/// The Pareto frontier of choosing one option per group, by increasing cost
/// and strictly decreasing error. Costs must be non-negative and finite.
/// Returns std::nullopt when the partial frontier would exceed `maxStates`
/// (the instance is too large to solve exactly this way).
std::optional<std::vector<Point>>
paretoFrontier(llvm::ArrayRef<llvm::SmallVector<Option>> groups,
               size_t maxStates = 1u << 22);

/// The point of `frontier` with the least error whose cost is within
/// `budget`, or std::nullopt when even the cheapest choice exceeds it.
std::optional<Point> bestWithin(llvm::ArrayRef<Point> frontier, double budget);

} // namespace mlir::qf::knapsack

#endif // QF_PASSES_ASSIGNPRECISION_KNAPSACK_H
