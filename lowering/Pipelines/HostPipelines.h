//===- HostPipelines.h - Tensors to LLVM for host execution ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The compiler pipelines behind host execution: bufferization with function
// boundaries (results become out-parameters the caller allocates) and the
// lowering of buffers to the LLVM dialect. The cpu backend builds its
// pipeline from them; GPU backends reuse the first half for their host code.
// The JIT (runtime/Jit) runs whatever pipeline it is given.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_PIPELINES_HOSTPIPELINES_H
#define QF_LOWERING_PIPELINES_HOSTPIPELINES_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::qf {

/// The dialects and the bufferization and deallocation models these
/// pipelines need. Passes that JIT-compile from inside a
/// pass manager get them through their executor's getDependentDialects.
void registerHostPipelineDependencies(DialectRegistry &registry);

/// Tensors to buffers with function boundaries: statically shaped results
/// become caller-allocated out-parameters (public functions included),
/// dynamically shaped ones stay results that the caller frees, temporaries
/// are freed inside.
void buildBufferizationPipeline(OpPassManager &pm);

/// Buffers (after buildBufferizationPipeline) to the LLVM dialect, for
/// backends whose host code is already bufferized.
void buildBuffersToLLVMPipeline(OpPassManager &pm);

/// Tensors to the LLVM dialect: elementwise ops to linalg, then the two
/// pipelines above.
void buildHostToLLVMPipeline(OpPassManager &pm);

} // namespace mlir::qf

#endif // QF_LOWERING_PIPELINES_HOSTPIPELINES_H
