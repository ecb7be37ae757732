//===- OnnxImportCheck.h - The property both ONNX fuzz targets check -*- C++
//-*-//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// importOnnxBytes either reports an error diagnostic and gives nothing, or
// gives a module that verifies.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_FUZZ_ONNXIMPORTCHECK_H
#define QF_TEST_FUZZ_ONNXIMPORTCHECK_H

#include "FuzzCheck.h"
#include "FuzzContext.h"

#include "importers/onnx/Importer.h"

#include "mlir/IR/Verifier.h"

namespace mlir::qf::fuzz {

inline void checkOnnxImport(llvm::StringRef bytes,
                            const onnx_import::ImportOptions &options) {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry;
    onnx_import::registerOnnxImportDialects(*r);
    return r;
  }();
  FuzzContext fuzz(*registry);
  OwningOpRef<ModuleOp> module =
      onnx_import::importOnnxBytes(bytes, "fuzz.onnx", &fuzz.context, options);
  if (!module) {
    QF_FUZZ_CHECK(fuzz.reportedError, "import failed without an error");
    return;
  }
  QF_FUZZ_CHECK(succeeded(verify(*module)), "imported IR does not verify");
}

} // namespace mlir::qf::fuzz

#endif // QF_TEST_FUZZ_ONNXIMPORTCHECK_H
