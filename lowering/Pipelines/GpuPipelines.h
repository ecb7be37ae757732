//===- GpuPipelines.h - Tensor programs to GPU kernels ----------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The part of a GPU backend's lowering that does not depend on the GPU,
// shared by the GPU backends:
// tensors are bufferized (results become caller-owned out-parameters),
// linalg ops become parallel loops, tiled so that inner loops map to
// threads and outer ones to blocks, and each loop nest is outlined as a
// kernel. All kernels end up in one gpu.module, `qf_kernels`, so that a
// backend serializes one binary (one PTX file, one SPIR-V module).
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_PIPELINES_GPUPIPELINES_H
#define QF_LOWERING_PIPELINES_GPUPIPELINES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::qf {

/// Linalg on tensors (no qf ops left) to host code launching kernels of one
/// gpu.module `qf_kernels`. `tileSizes` are the threads per block of the
/// innermost parallel dimensions (outermost first). `kernelPasses`, if
/// given, runs on the bufferized program before the generic mapping: a
/// backend's own kernels for ops it knows better (gpu.launch ops replacing
/// linalg ops), outlined with the rest.
void buildLinalgToGpuPipeline(
    OpPassManager &pm, ArrayRef<int64_t> tileSizes,
    llvm::function_ref<void(OpPassManager &)> kernelPasses = {});

} // namespace mlir::qf

#endif // QF_LOWERING_PIPELINES_GPUPIPELINES_H
