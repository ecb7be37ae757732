//===- VulkanBackend.h - Vulkan compute through SPIR-V ----------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_VULKAN_SPIRV_VULKANBACKEND_H
#define QF_PLUGINS_VULKAN_SPIRV_VULKANBACKEND_H

#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::vulkan_spirv {

/// Registers "vulkan-spirv" in the global backend registry. Idempotent.
void registerVulkanBackend();

/// What the kernels may use beyond the baseline (SPIR-V 1.3 with 8-bit
/// storage, Int8, Int64, Float64).
struct TargetFeatures {
  bool int16 = false;
  bool integerDotProduct = false;
};

/// The spirv.target_env of those features.
spirv::TargetEnvAttr targetEnv(MLIRContext *ctx, TargetFeatures features);

/// The backend's own passes (vulkan-spirv-prepare-kernels, ...) are in
/// plugins/vulkan-spirv/Passes.td.

/// The host global that holds the serialized SPIR-V module.
StringRef spirvGlobalName();

} // namespace mlir::qf::vulkan_spirv

#endif // QF_PLUGINS_VULKAN_SPIRV_VULKANBACKEND_H
