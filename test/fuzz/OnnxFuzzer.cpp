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

#include "importers/onnx/Importer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    qf::onnx_import::registerOnnxImportDialects(*r);
    return r;
  }();
  // A context per input: attributes interned from one model do not pile up
  // over millions of runs.
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  bool reported = false;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    reported |= d.getSeverity() == DiagnosticSeverity::Error;
    return success();
  });
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = qf::onnx_import::importOnnxBytes(
      bytes, "fuzz.onnx", &context, qf::onnx_import::ImportOptions());
  if (!module) {
    QF_FUZZ_CHECK(reported, "import failed without an error");
    return 0;
  }
  QF_FUZZ_CHECK(succeeded(verify(*module)), "imported IR does not verify");
  return 0;
}
