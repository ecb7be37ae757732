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

/// Replaces int8 matmul contractions (linalg.generic on buffers) whose
/// reduction is a multiple of 32 with kernels of one warp per 16 x 8 tile
/// that use mma.sync m16n8k32 (tensor cores, sm_80 and later).
std::unique_ptr<Pass> createMmaSyncPass();

} // namespace mlir::qf::gpu_nvvm

#endif // QF_PLUGINS_GPU_NVVM_GPUNVVMBACKEND_H
