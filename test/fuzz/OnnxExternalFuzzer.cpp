//===- OnnxExternalFuzzer.cpp - Fuzz the ONNX external data reader --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A little-endian u32 length N, N bytes of ONNX model, and the rest the
// external data file 'data.bin' its tensors may refer to (any other location
// has no file): importOnnxBytes either reports an error diagnostic and gives
// nothing, or gives a module that verifies. Hostile offsets, lengths and
// locations must be refused before a byte outside the data is read.
//
//===----------------------------------------------------------------------===//

#include "OnnxImportCheck.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4)
    return 0;
  uint32_t modelSize = 0;
  std::memcpy(&modelSize, data, 4);
  llvm::StringRef rest(reinterpret_cast<const char *>(data) + 4, size - 4);
  if (modelSize > rest.size())
    return 0;
  mlir::qf::onnx_import::ImportOptions options;
  options.externalDataFiles["data.bin"] = rest.drop_front(modelSize).str();
  mlir::qf::fuzz::checkOnnxImport(rest.take_front(modelSize), options);
  return 0;
}
