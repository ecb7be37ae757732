//===- VulkanRuntime.h - Compute dispatch on a Vulkan device ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The host side of the vulkan-spirv backend. The Vulkan loader is opened
// with dlopen, so QuantForge builds and runs everywhere; where there is no
// loader, no device, or no device with the features the kernels need, the
// runtime says which and the backend has no executor.
//
// Compiled host code calls qfVulkanLaunch for each kernel launch: the
// runtime copies every buffer argument into a device buffer, dispatches the
// SPIR-V entry point, waits, and copies back the buffers the kernel writes.
// Shader modules and pipelines are cached per (SPIR-V blob, entry point).
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_VULKAN_VULKANRUNTIME_H
#define QF_RUNTIME_VULKAN_VULKANRUNTIME_H

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::qf::runtime::vulkan {

/// What the chosen device offers to kernels.
struct DeviceInfo {
  std::string name;
  uint32_t apiVersion = 0;
  bool int8 = false, int16 = false, int64 = false, float64 = false;
  bool storage8 = false, storage16 = false;
  bool integerDotProduct = false;
};

/// The device, or why there is none usable (no loader, no device, a
/// required feature missing: 8-bit storage and int8/int64 arithmetic).
/// Initializes Vulkan on first use.
const DeviceInfo *device(std::string *whyNot = nullptr);

} // namespace mlir::qf::runtime::vulkan

/// The launch ABI of compiled host code: `args` holds, per kernel argument in
/// binding order, {address, bytes, written (0/1)}. Memref arguments arrive
/// expanded (allocated, aligned, offset, size, stride). Errors abort with a
/// message: a launch cannot fail silently.
extern "C" void qfVulkanLaunch(const uint8_t *spirvAlloc, const uint8_t *spirv,
                               int64_t spirvOffset, int64_t spirvBytes,
                               int64_t spirvStride, const char *entryAlloc,
                               const char *entry, int64_t entryOffset,
                               int64_t entryBytes, int64_t entryStride,
                               int64_t gridX, int64_t gridY, int64_t gridZ,
                               const int64_t *argsAlloc, const int64_t *args,
                               int64_t argsOffset, int64_t argsCount,
                               int64_t argsStride);

#endif // QF_RUNTIME_VULKAN_VULKANRUNTIME_H
