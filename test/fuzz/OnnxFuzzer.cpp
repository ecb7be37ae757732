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

#include "FuzzCheck.h"
#include "FuzzContext.h"

#include "importers/onnx/Importer.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    qf::onnx_import::registerOnnxImportDialects(*r);
    return r;
  }();
  qf::fuzz::FuzzContext fuzz(*registry);
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = qf::onnx_import::importOnnxBytes(
      bytes, "fuzz.onnx", &fuzz.context, qf::onnx_import::ImportOptions());
  if (!module) {
    QF_FUZZ_CHECK(fuzz.reportedError, "import failed without an error");
    return 0;
  }
  QF_FUZZ_CHECK(succeeded(verify(*module)), "imported IR does not verify");
  return 0;
}
