//===- GpuNvvmBackend.h - NVIDIA GPUs through NVVM --------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_GPU_NVVM_GPUNVVMBACKEND_H
#define QF_PLUGINS_GPU_NVVM_GPUNVVMBACKEND_H

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::gpu_nvvm {

/// Registers "gpu-nvvm" in the global backend registry. Idempotent.
void registerGpuNvvmBackend();

/// The NVVM target and LLVM IR translations the pipeline serializes with;
/// tools add them to their dialect registry.
void registerGpuNvvmDependencies(DialectRegistry &registry);

/// Copies entry arguments and kernel-read constant globals into buffers the
/// host code allocates (managed memory under the CUDA runtime).
std::unique_ptr<Pass> createStageBuffersPass();

} // namespace mlir::qf::gpu_nvvm

#endif // QF_PLUGINS_GPU_NVVM_GPUNVVMBACKEND_H
