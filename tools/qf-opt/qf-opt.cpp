//===- qf-opt.cpp - The QuantForge optimizer driver -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// MlirOptMain with every upstream dialect, extension and pass, plus ours.
// MLIR's own options work as in mlir-opt, pass and dialect plugins included
// (--load-pass-plugin, --load-dialect-plugin).
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#ifndef QF_VERSION
#define QF_VERSION "unknown"
#endif

int main(int argc, char **argv) {
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "QuantForge qf-opt " << QF_VERSION << "\n";
  });

  mlir::registerAllPasses();
  mlir::qf::registerQFPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qf::registerQFDialect(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "QuantForge optimizer driver\n", registry));
}
