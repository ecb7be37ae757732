//===- NpyFuzzer.cpp - Fuzz the .npy reader
//--------------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes: parseNpy either fails with a message or gives a tensor that
// writes back and reads again to the same dtype, shape and bytes.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "runtime/IO/NumpyIO.h"

using namespace mlir::qf::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<HostTensor> tensor = parseNpy(bytes, "fuzz.npy");
  if (mlir::qf::fuzz::refused(tensor))
    return 0;
  std::string image = serializeNpy(*tensor);
  llvm::Expected<HostTensor> again = parseNpy(image, "round-trip.npy");
  QF_FUZZ_CHECK(static_cast<bool>(again), "a written tensor does not read");
  QF_FUZZ_CHECK(mlir::qf::fuzz::sameTensor(*again, *tensor),
                "the tensor changed");
  return 0;
}
