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

#include <map>

namespace mlir::qf::runtime {

struct SafeTensorsFile {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
};

llvm::Expected<SafeTensorsFile> parseSafeTensors(llvm::StringRef bytes,
                                                 llvm::StringRef what);
llvm::Expected<SafeTensorsFile> readSafeTensors(llvm::StringRef path);
/// Written atomically.
llvm::Error writeSafeTensors(llvm::StringRef path, const SafeTensorsFile &file);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_IO_SAFETENSORS_H
