//===- HostTensor.h - A dense host array with a dtype and a shape -*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The unit of data exchanged between files (.npy, .npz, safetensors), the
// executors and calibration: a C-order array with a NumPy-like element type.
// Storage is 64-byte aligned so executors can hand it to generated code.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_IO_HOSTTENSOR_H
#define QF_RUNTIME_IO_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::qf::runtime {

enum class DType { F16, BF16, F32, F64, I8, U8, I16, I32, I64, Bool };

/// Bytes per element.
size_t dtypeSize(DType dtype);
/// Our short name: "f16", "bf16", "f32", "f64", "i8", "u8", "i16", "i32",
/// "i64", "bool" (the spelling used in diagnostics and in MLIR types).
llvm::StringRef dtypeName(DType dtype);

class HostTensor {
public:
  HostTensor() = default;
  /// A zero-filled tensor. Dimensions must be non-negative.
  HostTensor(DType dtype, llvm::ArrayRef<int64_t> shape);
  /// A tensor over memory it does not own: C-contiguous elements of
  /// `shape` at `data` (not null), aligned to the element size, which the
  /// caller keeps alive while the tensor or any move of it is used. Embedders
  /// pass their buffers this way without a copy.
  static HostTensor view(DType dtype, llvm::ArrayRef<int64_t> shape,
                         void *data);

  DType dtype() const { return type; }
  llvm::ArrayRef<int64_t> shape() const { return dims; }
  int64_t rank() const { return dims.size(); }
  int64_t numElements() const;
  size_t byteSize() const { return numElements() * dtypeSize(type); }

  void *data() { return storage.get(); }
  const void *data() const { return storage.get(); }
  template <typename T> T *dataAs() { return static_cast<T *>(data()); }
  template <typename T> const T *dataAs() const {
    return static_cast<const T *>(data());
  }
  /// "f32[4x16]": for diagnostics.
  std::string describe() const;

private:
  struct Free {
    /// True for a view(). No initializer: unique_ptr value-initializes its
    /// deleter (false), and one here would not compile in a nested class.
    bool borrowed;
    void operator()(void *p) const;
  };
  DType type = DType::F32;
  llvm::SmallVector<int64_t, 4> dims;
  std::unique_ptr<void, Free> storage;
};

/// Named tensors in file order (the order of an .npz archive or a
/// safetensors header).
using NamedTensors = std::vector<std::pair<std::string, HostTensor>>;

/// The tensor called `name`, or null.
const HostTensor *lookup(const NamedTensors &tensors, llvm::StringRef name);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_IO_HOSTTENSOR_H
