//===- ExternalData.cpp - Tensors stored outside the ONNX model -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/ExternalData.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::qf::onnx_import;

ExternalDataReader::ExternalDataReader(
    std::string directory, const std::map<std::string, std::string> &files)
    : directory(std::move(directory)), files(files) {}

/// A location must stay inside the model's directory: relative, and no
/// component is "..".
static bool isInsideDirectory(StringRef location) {
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::has_root_name(location))
    return false;
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                         llvm::sys::path::end(location)))
    if (part == "..")
      return false;
  return true;
}

FailureOr<StringRef> ExternalDataReader::file(StringRef location,
                                              std::string &error) {
  if (auto it = files.find(location.str()); it != files.end())
    return StringRef(it->second);
  if (auto it = mapped.find(location); it != mapped.end())
    return it->second->getBuffer();
  if (directory.empty()) {
    error = "external data file '" + location.str() +
            "': the model was not read from a file, so there is no directory "
            "to find it in";
    return failure();
  }
  SmallString<256> path(directory);
  llvm::sys::path::append(path, location);
  // Mapped, not read: a file of weights may be larger than memory allows.
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/false);
  if (!buffer) {
    error = "cannot read external data file '" + std::string(path) +
            "': " + buffer.getError().message();
    return failure();
  }
  StringRef bytes = (*buffer)->getBuffer();
  mapped[location] = std::move(*buffer);
  return bytes;
}

std::shared_ptr<const void> ExternalDataReader::owner(const char *data) const {
  for (const auto &entry : mapped) {
    StringRef bytes = entry.second->getBuffer();
    if (data >= bytes.begin() && data < bytes.end())
      return entry.second;
  }
  return nullptr;
}

FailureOr<ArrayRef<char>>
ExternalDataReader::read(const onnx::TensorProto &tensor, size_t size,
                         std::string &error) {
  auto fail = [&](const Twine &message) {
    error = "tensor '" + tensor.name() + "': " + message.str();
    return failure();
  };
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    const std::string &key = entry.key();
    if (key == "location") {
      location = entry.value();
      continue;
    }
    if (key != "offset" && key != "length")
      continue; // checksum and others: not needed to read the bytes
    uint64_t value = 0;
    if (StringRef(entry.value()).getAsInteger(10, value))
      return fail("external data " + key + " '" + entry.value() +
                  "' is not a non-negative integer");
    (key == "offset" ? offset : length) = value;
  }
  if (location.empty())
    return fail("external data has no location");
  if (!isInsideDirectory(location))
    return fail("external data location '" + location +
                "' is not a relative path inside the model's directory");
  if (length && *length != size)
    return fail("external data length " + Twine(*length) +
                " differs from the " + Twine(size) + " bytes its shape needs");
  FailureOr<StringRef> bytes = file(location, error);
  if (failed(bytes))
    return fail(error);
  uint64_t start = offset.value_or(0);
  // Checked without overflow: start + size could wrap.
  if (start > bytes->size() || size > bytes->size() - start)
    return fail("external data [" + Twine(start) + ", " + Twine(start) + " + " +
                Twine(size) + ") runs past the end of '" + location + "' (" +
                Twine(bytes->size()) + " bytes)");
  return ArrayRef<char>(bytes->data() + start, size);
}
