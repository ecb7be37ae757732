//===- CpuFeatures.cpp - What the host CPU can run ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/CpuFeatures.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

using namespace mlir::qf::kernels;

const CpuFeatures &mlir::qf::kernels::hostFeatures() {
  static const CpuFeatures features = [] {
    CpuFeatures f;
    const char *force = std::getenv("QF_KERNELS");
    if (force && std::strcmp(force, "portable") == 0)
      return f;
#if defined(__x86_64__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
#endif
    return f;
  }();
  return features;
}

static std::atomic<int> portableScopes{0};

ScopedPortableKernels::ScopedPortableKernels() { ++portableScopes; }
ScopedPortableKernels::~ScopedPortableKernels() { --portableScopes; }

bool mlir::qf::kernels::useAvx2() {
  return portableScopes.load(std::memory_order_relaxed) == 0 &&
         hostFeatures().avx2 && hostFeatures().fma;
}
