//===- CpuJit.h - JIT-compile tensor functions for the host CPU -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The "cpu" executor: bufferizes a `func.func` on tensors (results become
// out-parameters the caller allocates), lowers it to the LLVM dialect and
// compiles it with MLIR's ExecutionEngine at -O3. Compiled modules are cached
// per process, keyed by the module's text and the entry name.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_JIT_CPUJIT_H
#define QF_RUNTIME_JIT_CPUJIT_H

#include "runtime/Executor.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::qf::runtime {

/// The dialects, bufferization and deallocation models and LLVM IR
/// translations the CPU pipeline needs. Passes that JIT-compile from inside a
/// pass manager call this from getDependentDialects.
void registerCpuJitDependencies(DialectRegistry &registry);

/// Tensors to the LLVM dialect, on a module whose entry functions carry
/// `llvm.emit_c_interface`.
void buildCpuJitPipeline(OpPassManager &pm);

/// Registers the "cpu" executor in ExecutorRegistry::global(). Idempotent.
void registerCpuExecutor();

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_JIT_CPUJIT_H
