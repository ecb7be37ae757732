//===- PrecisionReport.h - The report of quant-assign-precision -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// PREFIX.csv: one row per layer and candidate (sensitivity, costs, chosen);
// PREFIX.frontier.csv: the whole Pareto frontier (cost -> predicted and
// measured error, schemes); PREFIX.md: the assignment and the frontier
// (thinned to 40 points); PREFIX.svg: the frontier plotted.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_ASSIGNPRECISION_PRECISIONREPORT_H
#define QF_PASSES_ASSIGNPRECISION_PRECISIONREPORT_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::qf::precision {

struct ReportCell {
  bool offered = false; ///< false: the layer cannot take this candidate
  double sensitivity = 0;
  double bytes = 0;
  double seconds = 0;
};

struct ReportLayer {
  std::string name;
  std::string shape;
  unsigned group;
  std::vector<ReportCell> cells; ///< one per candidate
  unsigned chosen;
};

struct ReportPoint {
  double cost; ///< in the report's unit
  double predicted;
  std::optional<double> measured;
  std::string mix; ///< "w4a16g128 x10, w8a16 x2"
};

struct PrecisionReport {
  std::string backend, objective, budget;
  std::string unit; ///< "avg bits", "bytes" or "us"
  std::vector<std::string> candidates;
  std::vector<ReportLayer> layers;
  std::vector<ReportPoint> frontier;
  ReportPoint chosen;
};

/// Writes PREFIX.csv, PREFIX.frontier.csv, PREFIX.md and PREFIX.svg.
LogicalResult writePrecisionReport(StringRef prefix,
                                   const PrecisionReport &report, Location loc);

} // namespace mlir::qf::precision

#endif // QF_PASSES_ASSIGNPRECISION_PRECISIONREPORT_H
