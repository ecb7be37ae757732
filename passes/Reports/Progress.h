//===- Progress.h - A progress bar on stderr for long passes ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Draws "[####......] 3/10 files, 96 samples, 250.1 samples/s, ETA 2 s" on
// stderr, at most ten times a second, and only when stderr is a terminal:
// logs and test output stay clean. Calibration counts files and samples;
// GPTQ counts layers and weight columns.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_REPORTS_PROGRESS_H
#define QF_PASSES_REPORTS_PROGRESS_H

#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace mlir::qf {

class Progress {
public:
  /// Draws nothing unless `enabled` and stderr is a terminal. The work is
  /// `total` parts (files, layers) of items (samples, columns).
  Progress(llvm::StringRef label, size_t total, bool enabled,
           llvm::StringRef parts = "files", llvm::StringRef items = "samples");
  void update(size_t partsDone, uint64_t itemsDone);
  /// Ends the line the bar was drawn on.
  void finish();

private:
  std::string label, parts, items;
  size_t total;
  bool active;
  bool drawn = false;
  std::chrono::steady_clock::time_point start, lastDraw;
};

} // namespace mlir::qf

#endif // QF_PASSES_REPORTS_PROGRESS_H
