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
// An embedder (the C API) passes samples it holds in memory instead: it
// registers them (RegisteredSamples) and gives the name it gets,
// "memory:N", wherever a path to calibration data goes (the `data` option
// of the passes). Each registered part plays the role of one file.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_SAMPLES_CALIBRATIONDATA_H
#define QF_PASSES_SAMPLES_CALIBRATIONDATA_H

#include "runtime/Executor.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <memory>

namespace mlir::qf::calibration {

/// Parts of a calibration set held in memory; each part is like one file.
using SampleParts = std::vector<runtime::NamedTensors>;

/// Registers `parts` under a fresh name for as long as it lives. The
/// tensors may be views (HostTensor::view) of memory the caller keeps.
class RegisteredSamples {
public:
  explicit RegisteredSamples(std::shared_ptr<const SampleParts> parts);
  ~RegisteredSamples();
  RegisteredSamples(const RegisteredSamples &) = delete;
  RegisteredSamples &operator=(const RegisteredSamples &) = delete;
  /// "memory:N": what the passes' `data` option takes.
  const std::string &name() const { return key; }

private:
  std::string key;
};

class CalibrationData {
public:
  /// A path, or the name of registered samples.
  static llvm::Expected<CalibrationData> open(llvm::StringRef path);

  /// Files, or registered parts.
  size_t numParts() const { return memory ? memory->size() : paths.size(); }

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
  std::shared_ptr<const SampleParts> memory;
};

} // namespace mlir::qf::calibration

#endif // QF_PASSES_SAMPLES_CALIBRATIONDATA_H
