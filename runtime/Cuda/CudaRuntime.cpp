//===- CudaRuntime.cpp - Kernel launches on the CUDA driver ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Cuda/CudaRuntime.h"

#include "runtime/DeviceContext.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_set>

using namespace mlir::qf::runtime;
using namespace mlir::qf::runtime::cuda;

namespace {

// The few driver API types and constants used, declared here so that the
// build needs no CUDA headers.
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUdeviceptr = unsigned long long;
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;
constexpr unsigned kMemAttachGlobal = 1;

/// Called from compiled code, which cannot unwind: report and exit with a
/// status rather than abort (no crash dump for a device error).
[[noreturn]] void exitWith(const char *what, const char *why) {
  std::fprintf(stderr, "qf cuda runtime: %s: %s\n", what, why);
  std::fflush(nullptr);
  std::_Exit(1);
}

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuGetErrorString)(CUresult, const char **);
};

/// The driver, device 0 and its primary context.
class Context : public DeviceContext<Context, DeviceInfo> {
public:
  bool initialize();

  /// Aborts with the driver's message when `result` is an error: a kernel
  /// launch from compiled code has no way to return one.
  void check(CUresult result, const char *what) const {
    if (result == 0)
      return;
    const char *message = "unknown error";
    if (driver.cuGetErrorString)
      driver.cuGetErrorString(result, &message);
    exitWith(what, message);
  }
  void makeCurrent() const {
    check(driver.cuCtxSetCurrent(context), "context");
  }

  Driver driver{};
  std::mutex mutex;
  std::unordered_set<void *> managed;

private:
  CUcontext context = nullptr;
};

bool Context::initialize() {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return fail("no CUDA driver (libcuda.so.1)");
  bool missing = false;
  auto load = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(library, name));
    missing |= fn == nullptr;
  };
  load(driver.cuInit, "cuInit");
  load(driver.cuDeviceGetCount, "cuDeviceGetCount");
  load(driver.cuDeviceGet, "cuDeviceGet");
  load(driver.cuDeviceGetName, "cuDeviceGetName");
  load(driver.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  load(driver.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  load(driver.cuCtxSetCurrent, "cuCtxSetCurrent");
  load(driver.cuModuleLoadData, "cuModuleLoadData");
  load(driver.cuModuleUnload, "cuModuleUnload");
  load(driver.cuModuleGetFunction, "cuModuleGetFunction");
  load(driver.cuLaunchKernel, "cuLaunchKernel");
  load(driver.cuStreamCreate, "cuStreamCreate");
  load(driver.cuStreamSynchronize, "cuStreamSynchronize");
  load(driver.cuStreamDestroy, "cuStreamDestroy_v2");
  load(driver.cuMemAllocManaged, "cuMemAllocManaged");
  load(driver.cuMemFree, "cuMemFree_v2");
  load(driver.cuGetErrorString, "cuGetErrorString");
  if (missing)
    return fail("the CUDA driver lacks a function QuantForge needs");
  int count = 0;
  if (driver.cuInit(0) != 0 || driver.cuDeviceGetCount(&count) != 0 ||
      count == 0)
    return fail("no CUDA device");
  CUdevice dev;
  char name[256] = {0};
  if (driver.cuDeviceGet(&dev, 0) != 0 ||
      driver.cuDeviceGetName(name, sizeof(name), dev) != 0 ||
      driver.cuDeviceGetAttribute(&deviceInfo.major, kComputeCapabilityMajor,
                                  dev) != 0 ||
      driver.cuDeviceGetAttribute(&deviceInfo.minor, kComputeCapabilityMinor,
                                  dev) != 0 ||
      driver.cuDevicePrimaryCtxRetain(&context, dev) != 0)
    return fail("cannot query CUDA device 0 or retain its context");
  deviceInfo.name = name;
  return true;
}

// The mgpu* ABI of MLIR's GPU-to-LLVM translation.

extern "C" void *qfMgpuModuleLoad(void *data, int64_t) {
  Context &c = Context::get();
  c.makeCurrent();
  CUmodule module = nullptr;
  c.check(c.driver.cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

extern "C" void *qfMgpuModuleLoadJIT(void *ptx, int32_t) {
  return qfMgpuModuleLoad(ptx, 0); // the driver JIT-compiles PTX text
}

extern "C" void qfMgpuModuleUnload(void *module) {
  Context &c = Context::get();
  c.check(c.driver.cuModuleUnload(static_cast<CUmodule>(module)),
          "cuModuleUnload");
}

extern "C" void *qfMgpuModuleGetFunction(void *module, const char *name) {
  Context &c = Context::get();
  CUfunction function = nullptr;
  c.check(c.driver.cuModuleGetFunction(&function, static_cast<CUmodule>(module),
                                       name),
          "cuModuleGetFunction");
  return function;
}

extern "C" void *qfMgpuStreamCreate() {
  Context &c = Context::get();
  c.makeCurrent();
  CUstream stream = nullptr;
  c.check(c.driver.cuStreamCreate(&stream, 0), "cuStreamCreate");
  return stream;
}

extern "C" void qfMgpuStreamSynchronize(void *stream) {
  Context &c = Context::get();
  c.check(c.driver.cuStreamSynchronize(static_cast<CUstream>(stream)),
          "cuStreamSynchronize (a kernel failed?)");
}

extern "C" void qfMgpuStreamDestroy(void *stream) {
  Context &c = Context::get();
  c.check(c.driver.cuStreamDestroy(static_cast<CUstream>(stream)),
          "cuStreamDestroy");
}

extern "C" void qfMgpuLaunchKernel(void *function, intptr_t gridX,
                                   intptr_t gridY, intptr_t gridZ,
                                   intptr_t blockX, intptr_t blockY,
                                   intptr_t blockZ, int32_t sharedBytes,
                                   void *stream, void **params, void **extra,
                                   size_t) {
  Context &c = Context::get();
  c.check(c.driver.cuLaunchKernel(static_cast<CUfunction>(function), gridX,
                                  gridY, gridZ, blockX, blockY, blockZ,
                                  sharedBytes, static_cast<CUstream>(stream),
                                  params, extra),
          "cuLaunchKernel");
}

/// Host allocations of compiled code are managed memory: the device reads
/// and writes them through the same pointer.
extern "C" void *qfCudaMalloc(size_t bytes) {
  Context &c = Context::get();
  c.makeCurrent();
  CUdeviceptr pointer = 0;
  c.check(
      c.driver.cuMemAllocManaged(&pointer, bytes ? bytes : 1, kMemAttachGlobal),
      "cuMemAllocManaged");
  std::lock_guard<std::mutex> lock(c.mutex);
  c.managed.insert(reinterpret_cast<void *>(pointer));
  return reinterpret_cast<void *>(pointer);
}

/// LLVM's optimizer turns malloc followed by a zero fill (a copy of an
/// all-zero constant) into calloc, so calloc must be managed too.
extern "C" void *qfCudaCalloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size)
    exitWith("calloc", "count * size overflows");
  void *pointer = qfCudaMalloc(count * size);
  std::memset(pointer, 0, count * size);
  return pointer;
}

extern "C" void qfCudaFree(void *pointer) {
  Context &c = Context::get();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (!c.managed.erase(pointer)) {
      std::free(pointer); // not ours
      return;
    }
  }
  c.check(c.driver.cuMemFree(reinterpret_cast<CUdeviceptr>(pointer)),
          "cuMemFree");
}

} // namespace

const DeviceInfo *mlir::qf::runtime::cuda::device(std::string *whyNot) {
  return Context::get().info(whyNot);
}

std::vector<HostSymbol> mlir::qf::runtime::cuda::hostSymbols() {
  auto address = [](auto *fn) { return reinterpret_cast<void *>(fn); };
  return {{"mgpuModuleLoad", address(&qfMgpuModuleLoad)},
          {"mgpuModuleLoadJIT", address(&qfMgpuModuleLoadJIT)},
          {"mgpuModuleUnload", address(&qfMgpuModuleUnload)},
          {"mgpuModuleGetFunction", address(&qfMgpuModuleGetFunction)},
          {"mgpuStreamCreate", address(&qfMgpuStreamCreate)},
          {"mgpuStreamSynchronize", address(&qfMgpuStreamSynchronize)},
          {"mgpuStreamDestroy", address(&qfMgpuStreamDestroy)},
          {"mgpuLaunchKernel", address(&qfMgpuLaunchKernel)},
          {"malloc", address(&qfCudaMalloc)},
          {"calloc", address(&qfCudaCalloc)},
          {"free", address(&qfCudaFree)}};
}
