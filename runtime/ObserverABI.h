//===- ObserverABI.h - How instrumented code reports observed tensors -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Calibration rewrites each `qf.observe` into a call of
//
//   func.func private @__qf_observe_f32(memref<*xf32>, i64)
//       attributes {llvm.emit_c_interface}
//
// with the observed value and the observer's slot number. Executors resolve
// `_mlir_ciface___qf_observe_f32` to a function that forwards the value to the
// ObserverSink of the running call.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_OBSERVERABI_H
#define QF_RUNTIME_OBSERVERABI_H

#include "runtime/Executor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace mlir::qf::runtime {

inline constexpr llvm::StringLiteral kObserveFunction = "__qf_observe_f32";

/// An unranked memref as the C interface passes it.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// The ranked descriptor behind an unranked memref ({allocated, aligned,
/// offset, sizes[rank], strides[rank]}, 8-byte words): the first element's
/// address, the sizes and the strides (in elements).
struct StridedView {
  char *data;
  llvm::ArrayRef<int64_t> sizes;
  llvm::ArrayRef<int64_t> strides;
};
StridedView viewOf(const UnrankedMemRef &memref, size_t elementSize);

/// The element offset of every index of `sizes` under `strides`, in
/// row-major order.
std::vector<int64_t> rowMajorOffsets(llvm::ArrayRef<int64_t> sizes,
                                     llvm::ArrayRef<int64_t> strides);

/// The implementation of `_mlir_ciface___qf_observe_f32`: copies a strided
/// f32 memref into C order when needed and calls the current sink.
extern "C" void qfObserveF32(UnrankedMemRef *value, int64_t slot);

/// Makes `sink` receive the observations of this thread until the scope ends.
class ScopedObserverSink {
public:
  explicit ScopedObserverSink(ObserverSink *sink);
  ~ScopedObserverSink();

private:
  ObserverSink *previous;
};

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_OBSERVERABI_H
