//===- SafeTensors.h - safetensors files ------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The safetensors format: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the raw little-endian data. Offsets must be in bounds, ordered,
// non-overlapping and match dtype x shape; anything else is an error.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_IO_SAFETENSORS_H
#define QF_RUNTIME_IO_SAFETENSORS_H

#include "runtime/IO/HostTensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <vector>

namespace mlir::qf::runtime {

struct SafeTensorsFile {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};

/// One tensor of a safetensors file whose bytes stay where they are (in a
/// mapping, or in memory the caller owns).
struct TensorView {
  std::string name;
  DType dtype;
  llvm::SmallVector<int64_t, 4> shape;
  llvm::ArrayRef<char> bytes;
};

/// A safetensors file mapped into memory: its tensors point into the
/// mapping, which lives as long as any copy of `mapping`.
struct MappedSafeTensors {
  std::shared_ptr<llvm::MemoryBuffer> mapping;
  std::vector<TensorView> tensors;
  std::map<std::string, std::string> metadata;

  /// The tensor called `name`, or null.
  const TensorView *lookup(llvm::StringRef name) const;
};

llvm::Expected<SafeTensorsFile> parseSafeTensors(llvm::StringRef bytes,
                                                 llvm::StringRef what);
llvm::Expected<SafeTensorsFile> readSafeTensors(llvm::StringRef path);
/// Maps `path` and validates its header; no tensor data is read.
llvm::Expected<MappedSafeTensors> mapSafeTensors(llvm::StringRef path);
/// Written atomically.
llvm::Error writeSafeTensors(llvm::StringRef path, const SafeTensorsFile &file);
/// Written atomically, the data copied from each view in order.
llvm::Error
writeSafeTensors(llvm::StringRef path, llvm::ArrayRef<TensorView> tensors,
                 const std::map<std::string, std::string> &metadata);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_IO_SAFETENSORS_H
