//===- Progress.h - A progress bar on stderr for long passes ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Draws "[####......] 3/10 files, 96 samples, 250.1 samples/s, ETA 2 s" on
// stderr, at most ten times a second, and only when stderr is a terminal:
// logs and test output stay clean.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_CALIBRATION_PROGRESS_H
#define QF_PASSES_CALIBRATION_PROGRESS_H

#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace mlir::qf::calibration {

class Progress {
public:
  /// Draws nothing unless `enabled` and stderr is a terminal.
  Progress(llvm::StringRef label, size_t totalFiles, bool enabled);
  void update(size_t filesDone, uint64_t samples);
  /// Ends the line the bar was drawn on.
  void finish();

private:
  std::string label;
  size_t totalFiles;
  bool active;
  bool drawn = false;
  std::chrono::steady_clock::time_point start, lastDraw;
};

} // namespace mlir::qf::calibration

#endif // QF_PASSES_CALIBRATION_PROGRESS_H
