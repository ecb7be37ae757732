//===- BuiltinBackends.cpp - Backends compiled into QuantForge ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/BuiltinBackends.h"

#include "plugins/api/Passes.h"
#ifdef QF_HAVE_CPU_BACKEND
#include "plugins/cpu/CpuBackend.h"
#endif
#ifdef QF_HAVE_GPU_NVVM_BACKEND
#include "plugins/gpu-nvvm/GpuNvvmBackend.h"
#endif
#ifdef QF_HAVE_VULKAN_BACKEND
#include "plugins/vulkan-spirv/VulkanBackend.h"
#endif

#include <mutex>

void mlir::qf::plugin::registerBuiltinBackends() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerQFPluginAPIPasses();
#ifdef QF_HAVE_CPU_BACKEND
    cpu::registerCpuBackend();
#endif
#ifdef QF_HAVE_GPU_NVVM_BACKEND
    gpu_nvvm::registerGpuNvvmBackend();
#endif
#ifdef QF_HAVE_VULKAN_BACKEND
    vulkan_spirv::registerVulkanBackend();
#endif
  });
}

void mlir::qf::plugin::registerBuiltinBackendDependencies(
    DialectRegistry &registry) {
#ifdef QF_HAVE_GPU_NVVM_BACKEND
  gpu_nvvm::registerGpuNvvmDependencies(registry);
#endif
  (void)registry;
}
