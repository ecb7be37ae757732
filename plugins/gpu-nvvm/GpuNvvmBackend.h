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

/// The backend's own passes (gpu-nvvm-mma-sync, ...) are in
/// plugins/gpu-nvvm/Passes.td.

} // namespace mlir::qf::gpu_nvvm

#endif // QF_PLUGINS_GPU_NVVM_GPUNVVMBACKEND_H
