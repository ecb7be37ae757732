//===- MlirFuzzer.cpp - Fuzz reading, verifying and lowering qf IR text ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Any bytes as MLIR text: see ModuleFuzzing.h. Bytecode is the
// `mlir-bytecode` target's.
//
//===----------------------------------------------------------------------===//

#include "ModuleFuzzing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (llvm::StringRef(reinterpret_cast<const char *>(data), size)
          .starts_with("ML\xefR"))
    return -1; // -1 keeps it out of the corpus
  mlir::qf::fuzz::fuzzModule(data, size);
  return 0;
}
