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

/// Tensors to buffers with function boundaries: results become caller-owned
/// out-parameters (public functions included), temporaries are freed inside.
/// The first half of buildCpuJitPipeline, shared with GPU backends.
void buildBufferizationPipeline(OpPassManager &pm);

/// Buffers (after buildBufferizationPipeline) to the LLVM dialect: the
/// second half of buildCpuJitPipeline, for backends whose host code is
/// already bufferized.
void buildBuffersToLLVMPipeline(OpPassManager &pm);

/// Tensors to the LLVM dialect, on a module whose entry functions carry
/// `llvm.emit_c_interface`.
void buildCpuJitPipeline(OpPassManager &pm);

/// Makes `func` callable from the host: a C interface wrapper
/// (`_mlir_ciface_NAME`), read-only inputs, no qf.name attributes.
void prepareEntryFunction(func::FuncOp func);

/// Registers the plain "cpu" executor in ExecutorRegistry::global() unless
/// one (e.g. the cpu backend plugin's) is already there. Idempotent.
void registerCpuExecutor();

/// A backend's whole lowering from tensors to the LLVM dialect, run instead
/// of buildCpuJitPipeline (which it normally ends with).
using LoweringPipeline = std::function<void(OpPassManager &)>;

/// A C function the compiled host code may call (a device runtime's entry).
struct HostSymbol {
  std::string name;
  void *address;
};

/// A CPU JIT executor called `name` that lowers with `pipeline` and links
/// `symbols`; the "cpu" executor of the runtime is the one that uses
/// buildCpuJitPipeline.
std::unique_ptr<Executor>
createCpuExecutor(std::string name, LoweringPipeline pipeline,
                  std::vector<HostSymbol> symbols = {});

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_JIT_CPUJIT_H
