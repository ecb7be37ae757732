//===- ExternalData.h - Tensors stored outside the ONNX model ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// ONNX keeps large initializers outside the protobuf (which cannot exceed
// 2 GB): a TensorProto with data_location EXTERNAL names, in its
// external_data entries, a `location` (a file relative to the model's
// directory), an `offset` and a `length` in bytes. The files are memory
// mapped once each and every offset and length is checked against the
// file before a byte is read.
//
//===----------------------------------------------------------------------===//

#ifndef QF_IMPORTERS_ONNX_EXTERNALDATA_H
#define QF_IMPORTERS_ONNX_EXTERNALDATA_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <string>

namespace onnx {
class TensorProto;
} // namespace onnx

namespace mlir::qf::onnx_import {

class ExternalDataReader {
public:
  /// Reads files from `directory`, or, for a location present in `files`,
  /// from that map (tests and fuzzers give data without files).
  ExternalDataReader(std::string directory,
                     const std::map<std::string, std::string> &files);

  /// The `size` bytes of `tensor`'s data, which stays valid as long as this
  /// reader; failure with `error` naming the tensor and the file when the
  /// location is not a relative path inside the directory, the file cannot
  /// be read, an entry is malformed, the length differs from `size`, or the
  /// range runs past the end of the file.
  FailureOr<ArrayRef<char>> read(const onnx::TensorProto &tensor, size_t size,
                                 std::string &error);

  /// The mapped file `data` points into, which outlives this reader while
  /// the result is held; null for data given in `files`.
  std::shared_ptr<const void> owner(const char *data) const;

private:
  FailureOr<StringRef> file(StringRef location, std::string &error);

  std::string directory;
  const std::map<std::string, std::string> &files;
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> mapped;
};

} // namespace mlir::qf::onnx_import

#endif // QF_IMPORTERS_ONNX_EXTERNALDATA_H
