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

extern "C" void mlir::qf::runtime::qfObserveF32(UnrankedMemRef *value,
                                                int64_t slot) {
  if (!currentSink || !value || !value->descriptor)
    return;
  // A ranked descriptor: {allocated, aligned, offset, sizes[rank],
  // strides[rank]}, all 8-byte words.
  const int64_t rank = value->rank;
  const int64_t *words = static_cast<const int64_t *>(value->descriptor);
  const float *base =
      reinterpret_cast<const float *>(static_cast<intptr_t>(words[1])) +
      words[2];
  llvm::ArrayRef<int64_t> sizes(words + 3, rank);
  llvm::ArrayRef<int64_t> strides(words + 3 + rank, rank);

  int64_t count = 1, expected = 1;
  bool contiguous = true;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (sizes[d] != 1 && strides[d] != expected)
      contiguous = false;
    expected *= sizes[d];
    count *= sizes[d];
  }
  if (contiguous || count == 0) {
    currentSink->observe(slot, base, sizes);
    return;
  }
  // Gather a strided view in C order.
  std::vector<float> packed(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    packed[i] = base[offset];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  currentSink->observe(slot, packed.data(), sizes);
}
