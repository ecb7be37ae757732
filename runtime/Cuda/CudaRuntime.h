//===- CudaRuntime.h - Kernel launches on the CUDA driver -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The host side of the gpu-nvvm backend. libcuda.so.1 is opened with dlopen,
// so QuantForge builds and runs without a driver; where there is no driver
// or no device, the runtime says which and the backend has no executor.
//
// Compiled host code calls the `mgpu*` functions that MLIR's GPU-to-LLVM
// translation emits (module load from the embedded PTX/cubin, function
// lookup, streams, launches); this runtime implements them on the driver
// API. It also replaces the host code's malloc, calloc and free by managed
// memory, so every buffer the host code allocates is visible to the device;
// entry arguments and constant globals are staged into such buffers by the
// backend's pipeline.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_CUDA_CUDARUNTIME_H
#define QF_RUNTIME_CUDA_CUDARUNTIME_H

#include "runtime/HostSymbol.h"

#include <string>
#include <vector>

namespace mlir::qf::runtime::cuda {

struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0; ///< compute capability
};

/// Device 0, or why there is none (no driver, no device). Initializes the
/// driver and a primary context on first use.
const DeviceInfo *device(std::string *whyNot = nullptr);

/// The symbols compiled host code links against: mgpuModuleLoad(JIT),
/// mgpuModuleUnload, mgpuModuleGetFunction, mgpuStreamCreate/Synchronize/
/// Destroy, mgpuLaunchKernel, and managed malloc/calloc/free.
std::vector<HostSymbol> hostSymbols();

} // namespace mlir::qf::runtime::cuda

#endif // QF_RUNTIME_CUDA_CUDARUNTIME_H
