//===- CalibrationData.cpp - Stream calibration samples from .npz files ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Samples/CalibrationData.h"

#include "runtime/Bindings.h"
#include "runtime/IO/NumpyIO.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cstring>
#include <mutex>

using namespace mlir;
using namespace mlir::qf::calibration;
using namespace mlir::qf::runtime;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

namespace {
/// Samples registered by name: a process-wide table, since the name travels
/// through pass options.
struct Registry {
  std::mutex mutex;
  uint64_t next = 0;
  llvm::StringMap<std::shared_ptr<const SampleParts>> parts;

  static Registry &global() {
    static Registry registry;
    return registry;
  }
};
constexpr llvm::StringLiteral kMemoryPrefix = "memory:";
} // namespace

RegisteredSamples::RegisteredSamples(std::shared_ptr<const SampleParts> parts) {
  Registry &registry = Registry::global();
  std::lock_guard<std::mutex> lock(registry.mutex);
  key = (kMemoryPrefix + llvm::Twine(registry.next++)).str();
  registry.parts[key] = std::move(parts);
}

RegisteredSamples::~RegisteredSamples() {
  Registry &registry = Registry::global();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.parts.erase(key);
}

llvm::Expected<CalibrationData> CalibrationData::open(StringRef path) {
  CalibrationData data;
  if (path.starts_with(kMemoryPrefix)) {
    Registry &registry = Registry::global();
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.parts.find(path);
    if (it == registry.parts.end())
      return error("no calibration samples are registered as '" + path + "'");
    if (it->second->empty())
      return error("no calibration samples were given");
    data.memory = it->second;
    return data;
  }
  if (!llvm::sys::fs::is_directory(path)) {
    if (!llvm::sys::fs::exists(path))
      return error("calibration data '" + path + "' does not exist");
    data.paths.push_back(path.str());
    return data;
  }
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".npz")
      data.paths.push_back(it->path());
  if (ec)
    return error("cannot list '" + path + "': " + ec.message());
  if (data.paths.empty())
    return error("calibration data directory '" + path + "' has no .npz files");
  std::sort(data.paths.begin(), data.paths.end());
  return data;
}

namespace {
/// One argument's tensor in a file, stacked or not.
struct Member {
  const HostTensor *tensor = nullptr;
  bool stacked = false;
};
} // namespace

llvm::Expected<uint64_t>
CalibrationData::forEachSample(const Signature &sig, int64_t maxSamples,
                               SampleFn run, ProgressFn progress) const {
  uint64_t done = 0;
  for (size_t fileIndex = 0, e = numParts(); fileIndex < e; ++fileIndex) {
    if (maxSamples >= 0 && done >= (uint64_t)maxSamples)
      break;
    // A file is read now and dropped after its samples; a registered part
    // is used where it is.
    std::string path = memory
                           ? "calibration sample " + std::to_string(fileIndex)
                           : paths[fileIndex];
    llvm::Expected<NamedTensors> read =
        memory ? NamedTensors() : readNpz(paths[fileIndex]);
    if (!read)
      return read.takeError();
    const NamedTensors *file = memory ? &(*memory)[fileIndex] : &*read;

    std::vector<Member> members(sig.inputs.size());
    int64_t count = -1;
    for (const auto &[key, tensor] : *file) {
      std::string origin = path + ":" + key;
      llvm::Expected<unsigned> index = resolveArgument(sig, key);
      if (!index)
        return error(origin + ": " + llvm::toString(index.takeError()));
      const TensorPort &port = sig.inputs[*index];
      if (members[*index].tensor)
        return error(origin + ": input " + port.describe(*index) +
                     " is given twice");
      Member member{&tensor, false};
      int64_t samples = 1;
      if (!port.accepts(tensor)) {
        // [S, ...]: S samples of the argument's shape.
        bool stacked = tensor.rank() == (int64_t)port.shape.size() + 1;
        if (stacked) {
          HostTensor probe(tensor.dtype(), tensor.shape().drop_front());
          stacked = port.accepts(probe);
        }
        if (!stacked)
          return error(llvm::formatv(
              "{0}: input {1} cannot take {2}; a sample has the argument's "
              "shape, or a leading dimension counts samples",
              origin, port.describe(*index), tensor.describe()));
        member.stacked = true;
        samples = tensor.shape().front();
      }
      if (count >= 0 && samples != count)
        return error(llvm::formatv("{0}: holds {1} samples but other members "
                                   "of the file hold {2}",
                                   origin, samples, count));
      count = samples;
      members[*index] = member;
    }
    for (auto [i, member] : llvm::enumerate(members))
      if (!member.tensor)
        return error(path + ": missing input " + sig.inputs[i].describe(i));

    // Slices of stacked members are copied into aligned per-sample tensors.
    std::vector<HostTensor> slices(members.size());
    std::vector<const HostTensor *> inputs(members.size());
    for (auto [i, member] : llvm::enumerate(members)) {
      if (member.stacked)
        slices[i] = HostTensor(member.tensor->dtype(),
                               member.tensor->shape().drop_front());
      inputs[i] = member.stacked ? &slices[i] : member.tensor;
    }
    for (int64_t s = 0; s < count; ++s) {
      if (maxSamples >= 0 && done >= (uint64_t)maxSamples)
        break;
      for (auto [i, member] : llvm::enumerate(members))
        if (member.stacked) {
          size_t bytes = slices[i].byteSize();
          std::memcpy(slices[i].data(),
                      static_cast<const char *>(member.tensor->data()) +
                          s * bytes,
                      bytes);
        }
      if (llvm::Error e = run(inputs))
        return error(llvm::formatv("{0} (sample {1} of {2})",
                                   llvm::toString(std::move(e)), s, path));
      ++done;
      if (progress)
        progress(fileIndex, done);
    }
    if (progress)
      progress(fileIndex + 1, done);
  }
  return done;
}
