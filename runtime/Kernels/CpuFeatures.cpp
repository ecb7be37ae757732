//===- CpuFeatures.cpp - What the host CPU can run ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/CpuFeatures.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

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
    f.avx512Vnni = __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vnni");
#elif defined(__aarch64__) && defined(__linux__)
    f.i8mm = getauxval(AT_HWCAP2) & HWCAP2_I8MM;
#endif
    return f;
  }();
  return features;
}

static std::atomic<int> portableScopes{0};

ScopedPortableKernels::ScopedPortableKernels() { ++portableScopes; }
ScopedPortableKernels::~ScopedPortableKernels() { --portableScopes; }

static bool fastPathsAllowed() {
  return portableScopes.load(std::memory_order_relaxed) == 0;
}

bool mlir::qf::kernels::useAvx2() {
  return fastPathsAllowed() && hostFeatures().avx2 && hostFeatures().fma;
}

bool mlir::qf::kernels::useAvx512Vnni() {
  return fastPathsAllowed() && hostFeatures().avx512Vnni;
}

bool mlir::qf::kernels::useI8mm() {
  return fastPathsAllowed() && hostFeatures().i8mm;
}
