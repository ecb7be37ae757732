//===- CpuFeatures.h - What the host CPU can run ----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_CPUFEATURES_H
#define QF_RUNTIME_KERNELS_CPUFEATURES_H

namespace mlir::qf::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  /// AVX-512 F, BW and VNNI (vpdpbusd on zmm).
  bool avx512Vnni = false;
  /// Arm's int8 matrix multiply extension (usdot).
  bool i8mm = false;
};

/// Read once from the host (cpuid); QF_KERNELS=portable forces the
/// portable paths (for testing them on an AVX2 host).
const CpuFeatures &hostFeatures();

/// While one exists, kernels take their portable paths (tests compare the
/// two in one process).
class ScopedPortableKernels {
public:
  ScopedPortableKernels();
  ~ScopedPortableKernels();
};

/// The AVX2 + FMA microkernels may run.
bool useAvx2();
/// The AVX-512 VNNI microkernels may run.
bool useAvx512Vnni();
/// The Arm i8mm microkernels may run.
bool useI8mm();

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_CPUFEATURES_H
