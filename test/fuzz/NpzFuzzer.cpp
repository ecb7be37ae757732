//===- NpzFuzzer.cpp - Fuzz the .npz (zip) reader
//--------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes: parseNpz either fails with a message or gives named tensors
// that, archived again, read back the same.
//
//===----------------------------------------------------------------------===//

#include "FuzzCheck.h"

#include "runtime/IO/NumpyIO.h"
#include "runtime/IO/Zip.h"

using namespace mlir::qf::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<NamedTensors> tensors = parseNpz(bytes, "fuzz.npz");
  if (mlir::qf::fuzz::refused(tensors))
    return 0;
  std::string archive;
  {
    llvm::raw_string_ostream os(archive);
    zip::Writer writer(os, /*forceZip64=*/size % 2);
    for (const auto &[name, tensor] : *tensors) {
      std::string image = serializeNpy(tensor);
      writer.addStored(name + ".npy", {image});
    }
    writer.finish();
  }
  llvm::Expected<NamedTensors> again = parseNpz(archive, "round-trip.npz");
  QF_FUZZ_CHECK(static_cast<bool>(again), "a written archive does not read");
  QF_FUZZ_CHECK(again->size() == tensors->size(), "member count changed");
  for (size_t i = 0; i < tensors->size(); ++i) {
    QF_FUZZ_CHECK((*again)[i].first == (*tensors)[i].first, "name changed");
    QF_FUZZ_CHECK(
        mlir::qf::fuzz::sameTensor((*again)[i].second, (*tensors)[i].second),
        "tensor changed");
  }
  return 0;
}
