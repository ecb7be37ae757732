//===- SafeTensorsFuzzer.cpp - Fuzz the safetensors reader
//-----------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes: parseSafeTensors either fails with a message or gives tensors
// whose data, which may not overlap, fits in the file.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "runtime/IO/SafeTensors.h"

using namespace mlir::qf::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<SafeTensorsFile> file =
      parseSafeTensors(bytes, "fuzz.safetensors");
  if (mlir::qf::fuzz::refused(file))
    return 0;
  size_t total = 0;
  for (const auto &[name, tensor] : file->tensors)
    total += tensor.byteSize();
  QF_FUZZ_CHECK(total <= size, "more tensor bytes than file bytes");
  return 0;
}
