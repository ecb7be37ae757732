//===- CalibrationData.h - Stream calibration samples from .npz files -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A calibration set is one .npz file or a directory of them, read one file at
// a time in name order, so only one file is in memory. Members bind to the
// entry's arguments like qf-run's inputs (by qf.name or position). A member
// shaped like its argument is one sample; one with an extra leading dimension
// S holds S samples, and all members of a file must then agree on S.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SAMPLES_CALIBRATIONDATA_H
#define QF_PASSES_SAMPLES_CALIBRATIONDATA_H

#include "runtime/Executor.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::qf::calibration {

class CalibrationData {
public:
  static llvm::Expected<CalibrationData> open(llvm::StringRef path);

  llvm::ArrayRef<std::string> files() const { return paths; }

  using SampleFn = llvm::function_ref<llvm::Error(
      llvm::ArrayRef<const runtime::HostTensor *>)>;
  using ProgressFn =
      llvm::function_ref<void(size_t filesDone, uint64_t samples)>;

  /// Calls `run` on each sample in order, stopping after `maxSamples` samples
  /// when it is not negative. Returns the number of samples run.
  llvm::Expected<uint64_t> forEachSample(const runtime::Signature &sig,
                                         int64_t maxSamples, SampleFn run,
                                         ProgressFn progress) const;

private:
  std::vector<std::string> paths;
};

} // namespace mlir::qf::calibration

#endif // QF_PASSES_SAMPLES_CALIBRATIONDATA_H
