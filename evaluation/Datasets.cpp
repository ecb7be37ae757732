//===- Datasets.cpp - Evaluation data served in batches -------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "evaluation/Datasets.h"

#include "runtime/IO/NumpyIO.h"

#include "llvm/Support/FormatVariadic.h"

#include <cstring>

using namespace mlir::qf;
using namespace mlir::qf::evaluation;
using runtime::DType;
using runtime::HostTensor;

Dataset::~Dataset() = default;

/// FNV-1a, continued from `hash`.
static uint64_t fnv1a(llvm::StringRef bytes,
                      uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes)
    hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

static uint64_t fnv1a(int64_t value, uint64_t hash) {
  return fnv1a(
      llvm::StringRef(reinterpret_cast<const char *>(&value), sizeof(value)),
      hash);
}

/// Stores integer `value` as element `index` of an integer tensor.
static void storeInteger(HostTensor &tensor, int64_t index, int64_t value) {
  if (tensor.dtype() == DType::I64)
    tensor.dataAs<int64_t>()[index] = value;
  else
    tensor.dataAs<int32_t>()[index] = int32_t(value);
}

namespace {
class TextWindows final : public Dataset {
public:
  TextWindows(std::unique_ptr<llvm::MemoryBuffer> file, int64_t window,
              int64_t count)
      : file(std::move(file)), window(window), count(count) {}

  int64_t size() const override { return count; }
  int64_t positions() const override { return window; }
  llvm::StringRef unitName() const override { return "windows"; }

  llvm::Expected<HostTensor> batch(int64_t begin, int64_t units, int64_t rows,
                                   DType dtype) const override {
    if (dtype != DType::I64 && dtype != DType::I32)
      return llvm::createStringError(
          llvm::formatv("text windows are byte tokens; the model's "
                        "input is {0}, not i64 or i32",
                        runtime::dtypeName(dtype)));
    HostTensor tensor(dtype, {rows, window});
    const unsigned char *bytes = this->bytes();
    for (int64_t r = 0; r < rows; ++r) {
      int64_t unit = begin + std::min(r, units - 1);
      for (int64_t t = 0; t < window; ++t)
        storeInteger(tensor, r * window + t, bytes[unit * window + t]);
    }
    return tensor;
  }

  void targets(int64_t unit,
               llvm::SmallVectorImpl<int64_t> &out) const override {
    out.clear();
    const unsigned char *bytes = this->bytes();
    for (int64_t t = 0; t < window; ++t)
      out.push_back(bytes[unit * window + t + 1]);
  }

  uint64_t fingerprint() const override {
    return fnv1a(window,
                 fnv1a(file->getBuffer().take_front(count * window + 1)));
  }

private:
  const unsigned char *bytes() const {
    return reinterpret_cast<const unsigned char *>(file->getBufferStart());
  }
  std::unique_ptr<llvm::MemoryBuffer> file;
  int64_t window, count;
};

class LabeledArrays final : public Dataset {
public:
  LabeledArrays(HostTensor inputs, std::vector<int64_t> labels)
      : inputs(std::move(inputs)), labels(std::move(labels)) {}

  int64_t size() const override { return labels.size(); }
  int64_t positions() const override { return 1; }
  llvm::StringRef unitName() const override { return "examples"; }

  llvm::Expected<HostTensor> batch(int64_t begin, int64_t units, int64_t rows,
                                   DType dtype) const override {
    if (dtype != inputs.dtype())
      return llvm::createStringError(llvm::formatv(
          "the inputs are {0}, the model takes {1}",
          runtime::dtypeName(inputs.dtype()), runtime::dtypeName(dtype)));
    llvm::SmallVector<int64_t> shape(inputs.shape());
    shape[0] = rows;
    HostTensor tensor(dtype, shape);
    size_t rowBytes = inputs.byteSize() / inputs.shape()[0];
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(static_cast<char *>(tensor.data()) + r * rowBytes,
                  static_cast<const char *>(inputs.data()) +
                      (begin + std::min(r, units - 1)) * rowBytes,
                  rowBytes);
    return tensor;
  }

  void targets(int64_t unit,
               llvm::SmallVectorImpl<int64_t> &out) const override {
    out.assign(1, labels[unit]);
  }

  uint64_t fingerprint() const override {
    size_t rowBytes = inputs.byteSize() / inputs.shape()[0];
    uint64_t hash = fnv1a(llvm::StringRef(
        static_cast<const char *>(inputs.data()), rowBytes * labels.size()));
    for (int64_t label : labels)
      hash = fnv1a(label, hash);
    return hash;
  }

private:
  HostTensor inputs;
  std::vector<int64_t> labels;
};
} // namespace

llvm::Expected<std::unique_ptr<Dataset>>
evaluation::openTextWindows(llvm::StringRef path, int64_t window,
                            int64_t limit) {
  if (window < 1)
    return llvm::createStringError(
        llvm::formatv("a window of {0} bytes", window));
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return llvm::createStringError("cannot read '" + path +
                                   "': " + file.getError().message());
  int64_t bytes = (*file)->getBufferSize();
  int64_t count = bytes > 0 ? (bytes - 1) / window : 0;
  if (limit > 0)
    count = std::min(count, limit);
  if (count == 0)
    return llvm::createStringError(
        llvm::formatv("'{0}' has {1} bytes: one window of {2} needs "
                      "{3}",
                      path, bytes, window, window + 1));
  return std::make_unique<TextWindows>(std::move(*file), window, count);
}

llvm::Expected<std::unique_ptr<Dataset>>
evaluation::openLabeledArrays(llvm::StringRef path, llvm::StringRef inputName,
                              llvm::StringRef labelsName, int64_t limit) {
  llvm::Expected<runtime::NamedTensors> members = runtime::readNpz(path);
  if (!members)
    return members.takeError();
  HostTensor *inputs = nullptr, *labels = nullptr;
  for (auto &[name, tensor] : *members) {
    if (name == inputName)
      inputs = &tensor;
    if (name == labelsName)
      labels = &tensor;
  }
  for (auto [array, name] :
       {std::pair(inputs, inputName), std::pair(labels, labelsName)})
    if (!array)
      return llvm::createStringError("'" + path + "' has no array '" + name +
                                     "'");
  if (inputs->rank() < 1 || labels->rank() != 1 ||
      inputs->shape()[0] != labels->shape()[0])
    return llvm::createStringError(llvm::formatv(
        "'{0}': {1} is {2} and {3} is {4}: labels "
        "need one dimension, as long as the inputs' "
        "first",
        path, inputName, inputs->describe(), labelsName, labels->describe()));
  int64_t count = labels->shape()[0];
  if (limit > 0)
    count = std::min(count, limit);
  if (count == 0)
    return llvm::createStringError("'" + path + "' has no examples");
  std::vector<int64_t> values(count);
  for (int64_t i = 0; i < count; ++i) {
    switch (labels->dtype()) {
    case DType::I64:
      values[i] = labels->dataAs<int64_t>()[i];
      break;
    case DType::I32:
      values[i] = labels->dataAs<int32_t>()[i];
      break;
    case DType::U8:
      values[i] = labels->dataAs<uint8_t>()[i];
      break;
    default:
      return llvm::createStringError(
          llvm::formatv("'{0}': labels '{1}' are {2}, not integers", path,
                        labelsName, runtime::dtypeName(labels->dtype())));
    }
  }
  return std::make_unique<LabeledArrays>(std::move(*inputs), std::move(values));
}
