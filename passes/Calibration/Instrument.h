//===- Instrument.h - Make observers report to C++ at run time --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The pieces of qf-calibrate a host can reuse (the calibration benchmark
// does): which statistics an observer gathers, a clone of a module whose
// qf.observe ops call the observer ABI, and the sink that feeds the values to
// per-observer statistics.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_CALIBRATION_INSTRUMENT_H
#define QF_PASSES_CALIBRATION_INSTRUMENT_H

#include "dialects/QF/QFOps.h"
#include "passes/Calibration/Statistics.h"
#include "runtime/Executor.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace mlir::qf::calibration {

/// `common`, plus input statistics (and the convolution window) when `op`
/// feeds the activation operand of a matmul, batch matmul or convolution.
StatisticsOptions statisticsOptionsFor(ObserveOp op,
                                       const StatisticsOptions &common);

/// A clone of `module` in which the i-th qf.observe in walk order is replaced
/// by a call reporting its value with slot i.
OwningOpRef<ModuleOp> instrumentObservers(ModuleOp module);

/// Feeds observed values to the statistics of their slot; keeps the first
/// problem (NaN, a changed shape) to report once the run returns.
class StatisticsSink final : public runtime::ObserverSink {
public:
  explicit StatisticsSink(
      std::vector<std::unique_ptr<ObserverStatistics>> &stats)
      : stats(stats) {}
  void observe(int64_t slot, const float *data,
               llvm::ArrayRef<int64_t> shape) override;

  std::optional<std::pair<int64_t, std::string>> problem;

private:
  std::vector<std::unique_ptr<ObserverStatistics>> &stats;
};

} // namespace mlir::qf::calibration

#endif // QF_PASSES_CALIBRATION_INSTRUMENT_H
