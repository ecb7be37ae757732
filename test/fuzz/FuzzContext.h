//===- FuzzContext.h - A quiet MLIR context per fuzz input -----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The targets that build IR take a fresh context for each input, so that
// attributes interned from one input do not pile up over millions of runs.
// Diagnostics are swallowed (printing them would dominate the run time);
// what is kept is whether any was an error, since a refusal without one is
// a bug.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_FUZZ_FUZZCONTEXT_H
#define QF_TEST_FUZZ_FUZZCONTEXT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

namespace mlir::qf::fuzz {

class FuzzContext {
public:
  explicit FuzzContext(const DialectRegistry &registry)
      : context(registry, MLIRContext::Threading::DISABLED),
        handler(&context, [this](Diagnostic &d) {
          reportedError |= d.getSeverity() == DiagnosticSeverity::Error;
          return success();
        }) {}

  MLIRContext context;
  bool reportedError = false;

private:
  ScopedDiagnosticHandler handler;
};

} // namespace mlir::qf::fuzz

#endif // QF_TEST_FUZZ_FUZZCONTEXT_H
