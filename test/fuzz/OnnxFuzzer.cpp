//===- OnnxFuzzer.cpp - Fuzz the ONNX importer ----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes: importOnnxBytes either reports an error diagnostic and gives
// nothing, or gives a module that verifies.
//
//===----------------------------------------------------------------------===//

#include "OnnxImportCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::qf::fuzz::checkOnnxImport(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      mlir::qf::onnx_import::ImportOptions());
  return 0;
}
