//===- Progress.cpp - A progress bar on stderr for long passes ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Reports/Progress.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::qf;

Progress::Progress(llvm::StringRef label, size_t total, bool enabled,
                   llvm::StringRef parts, llvm::StringRef items)
    : label(label.str()), parts(parts.str()), items(items.str()), total(total),
      active(enabled && llvm::sys::Process::StandardErrIsDisplayed()),
      start(std::chrono::steady_clock::now()), lastDraw(start) {}

void Progress::update(size_t partsDone, uint64_t itemsDone) {
  if (!active)
    return;
  auto now = std::chrono::steady_clock::now();
  if (drawn && partsDone < total &&
      now - lastDraw < std::chrono::milliseconds(100))
    return;
  lastDraw = now;
  drawn = true;
  double seconds = std::chrono::duration<double>(now - start).count();
  double fraction = total ? (double)partsDone / total : 1.0;
  constexpr int kWidth = 24;
  int filled = (int)(fraction * kWidth);
  std::string bar =
      std::string(filled, '#') + std::string(kWidth - filled, '.');
  double rate = seconds > 0 ? itemsDone / seconds : 0;
  std::string eta =
      fraction > 0 && fraction < 1
          ? llvm::formatv(", ETA {0:f0} s", seconds * (1 - fraction) / fraction)
                .str()
          : std::string();
  llvm::errs() << llvm::formatv("\r{0} [{1}] {2}/{3} {4}, {5} {6}, "
                                "{7:f1} {6}/s{8}   ",
                                label, bar, partsDone, total, parts, itemsDone,
                                items, rate, eta);
  llvm::errs().flush();
}

void Progress::finish() {
  if (active && drawn)
    llvm::errs() << "\n";
}
