//===- MlirBytecodeFuzzer.cpp - Fuzz reading qf IR as MLIR bytecode -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes after MLIR bytecode's magic number ("ML\xefR"), read as the
// tools read a model: see ModuleFuzzing.h. The seeds are the bytecode of
// modules of the `mlir` corpus (test/fuzz/seeds.py --bytecode).
//
//===----------------------------------------------------------------------===//

#include "ModuleFuzzing.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static constexpr char kMagic[] = "ML\xefR";
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  if (input.starts_with(kMagic)) {
    mlir::qf::fuzz::fuzzModule(data, size);
    return 0;
  }
  // Mutations that break the magic still exercise the reader behind it.
  std::vector<uint8_t> bytecode(kMagic, kMagic + 4);
  bytecode.insert(bytecode.end(), data, data + size);
  mlir::qf::fuzz::fuzzModule(bytecode.data(), bytecode.size());
  return 0;
}
