//===- CpuJit.h - JIT-compile tensor functions for the host CPU -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// JIT executors: lower a `func.func` on tensors with the pipeline a backend
// gives (lowering/Pipelines builds the usual ones), compile it with MLIR's
// ExecutionEngine at -O3 and call it on host tensors; results are
// out-parameters the executor allocates. Compiled modules are cached per
// process, keyed by the module's text, the entry and the executor's name.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_JIT_CPUJIT_H
#define QF_RUNTIME_JIT_CPUJIT_H

#include "runtime/Executor.h"
#include "runtime/HostSymbol.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::qf::runtime {

/// Makes `func` callable from the host: a C interface wrapper
/// (`_mlir_ciface_NAME`), read-only inputs, no qf.name attributes.
void prepareEntryFunction(func::FuncOp func);

/// How a JIT executor lowers a module to the LLVM dialect: the pipeline, and
/// the dialects and interface models it needs loaded first.
struct JitLowering {
  std::function<void(OpPassManager &)> build;
  std::function<void(DialectRegistry &)> registerDependencies;
};

/// A CPU JIT executor called `name` that lowers with `lowering` and links
/// `symbols` (a device runtime's entry points) into the compiled code.
std::unique_ptr<Executor>
createCpuExecutor(std::string name, JitLowering lowering,
                  std::vector<HostSymbol> symbols = {});

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_JIT_CPUJIT_H
