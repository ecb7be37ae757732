//===- ObserverABI.cpp - Forward observed tensors to the current sink -----===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/ObserverABI.h"

#include <vector>

using namespace mlir::qf::runtime;

static thread_local ObserverSink *currentSink = nullptr;

ScopedObserverSink::ScopedObserverSink(ObserverSink *sink)
    : previous(currentSink) {
  currentSink = sink;
}

ScopedObserverSink::~ScopedObserverSink() { currentSink = previous; }

StridedView mlir::qf::runtime::viewOf(const UnrankedMemRef &memref,
                                      size_t elementSize) {
  const int64_t rank = memref.rank;
  const int64_t *words = static_cast<const int64_t *>(memref.descriptor);
  char *aligned = reinterpret_cast<char *>(static_cast<intptr_t>(words[1]));
  return {aligned + words[2] * elementSize,
          llvm::ArrayRef<int64_t>(words + 3, rank),
          llvm::ArrayRef<int64_t>(words + 3 + rank, rank)};
}

std::vector<int64_t>
mlir::qf::runtime::rowMajorOffsets(llvm::ArrayRef<int64_t> sizes,
                                   llvm::ArrayRef<int64_t> strides) {
  const int64_t rank = sizes.size();
  int64_t count = 1;
  for (int64_t size : sizes)
    count *= size;
  std::vector<int64_t> offsets;
  offsets.reserve(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    offsets.push_back(offset);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  return offsets;
}

extern "C" void mlir::qf::runtime::qfObserveF32(UnrankedMemRef *value,
                                                int64_t slot) {
  if (!currentSink || !value || !value->descriptor)
    return;
  StridedView view = viewOf(*value, sizeof(float));
  const float *base = reinterpret_cast<const float *>(view.data);
  int64_t expected = 1;
  bool contiguous = true;
  for (int64_t d = (int64_t)view.sizes.size() - 1; d >= 0; --d) {
    if (view.sizes[d] != 1 && view.strides[d] != expected)
      contiguous = false;
    expected *= view.sizes[d];
  }
  if (contiguous || expected == 0) {
    currentSink->observe(slot, base, view.sizes);
    return;
  }
  // Gather a strided view in C order.
  std::vector<float> packed;
  for (int64_t offset : rowMajorOffsets(view.sizes, view.strides))
    packed.push_back(base[offset]);
  currentSink->observe(slot, packed.data(), view.sizes);
}
