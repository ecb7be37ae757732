//===- Progress.cpp - A progress bar on stderr for long passes ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Calibration/Progress.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::qf::calibration;

Progress::Progress(llvm::StringRef label, size_t totalFiles, bool enabled)
    : label(label.str()), totalFiles(totalFiles),
      active(enabled && llvm::sys::Process::StandardErrIsDisplayed()),
      start(std::chrono::steady_clock::now()), lastDraw(start) {}

void Progress::update(size_t filesDone, uint64_t samples) {
  if (!active)
    return;
  auto now = std::chrono::steady_clock::now();
  if (drawn && filesDone < totalFiles &&
      now - lastDraw < std::chrono::milliseconds(100))
    return;
  lastDraw = now;
  drawn = true;
  double seconds = std::chrono::duration<double>(now - start).count();
  double fraction = totalFiles ? (double)filesDone / totalFiles : 1.0;
  constexpr int kWidth = 24;
  int filled = (int)(fraction * kWidth);
  std::string bar =
      std::string(filled, '#') + std::string(kWidth - filled, '.');
  double rate = seconds > 0 ? samples / seconds : 0;
  std::string eta =
      fraction > 0 && fraction < 1
          ? llvm::formatv(", ETA {0:f0} s", seconds * (1 - fraction) / fraction)
                .str()
          : std::string();
  llvm::errs() << llvm::formatv("\r{0} [{1}] {2}/{3} files, {4} samples, "
                                "{5:f1} samples/s{6}   ",
                                label, bar, filesDone, totalFiles, samples,
                                rate, eta);
  llvm::errs().flush();
}

void Progress::finish() {
  if (active && drawn)
    llvm::errs() << "\n";
}
