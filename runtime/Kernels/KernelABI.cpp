//===- KernelABI.cpp - The kernels as compiled code calls them ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/KernelABI.h"

#include "runtime/Kernels/Kernels.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstdlib>
#include <thread>

using namespace mlir::qf::kernels;

unsigned mlir::qf::kernels::kernelThreads() {
  static const unsigned threads = [] {
    if (const char *env = std::getenv("QF_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0)
        return unsigned(n);
    }
    return std::max(1u, std::thread::hardware_concurrency());
  }();
  return threads;
}

extern "C" void
_mlir_ciface_qf_kernel_gemm_f32(StridedMemRefType<float, 2> *a,
                                StridedMemRefType<float, 1> *packed,
                                StridedMemRefType<float, 2> *c) {
  // Identity layouts (the lowering asks for them): rows are contiguous.
  gemmF32(a->data + a->offset, a->strides[0], a->sizes[0],
          packed->data + packed->offset, a->sizes[1], c->sizes[1],
          c->data + c->offset, c->strides[0], kernelThreads(),
          /*accumulate=*/true);
}

extern "C" void _mlir_ciface_qf_kernel_gemm_s8(
    StridedMemRefType<int8_t, 2> *a, int32_t aZeroPoint, int32_t layout,
    StridedMemRefType<int8_t, 1> *packed,
    StridedMemRefType<int32_t, 1> *colSums,
    StridedMemRefType<int32_t, 1> *zeroPoints,
    StridedMemRefType<int32_t, 1> *bias, StridedMemRefType<int32_t, 2> *acc) {
  gemmS8(a->data + a->offset, a->strides[0], a->sizes[0], aZeroPoint,
         S8Layout(layout), packed->data + packed->offset,
         colSums->data + colSums->offset, zeroPoints->data + zeroPoints->offset,
         a->sizes[1], acc->sizes[1],
         bias->sizes[0] ? bias->data + bias->offset : nullptr,
         acc->data + acc->offset, acc->strides[0], kernelThreads());
}

/// gemmW4 or gemmW8 on the weight-only entries' arguments.
using WeightOnlyGemm = void (*)(const float *, int64_t, int64_t,
                                const uint8_t *, const float *, const float *,
                                int64_t, int64_t, int64_t, float *, int64_t,
                                unsigned, bool);
static void callWeightOnly(WeightOnlyGemm gemm, StridedMemRefType<float, 2> *a,
                           StridedMemRefType<int8_t, 1> *codes,
                           StridedMemRefType<float, 1> *scales,
                           StridedMemRefType<float, 1> *zeros, int64_t group,
                           StridedMemRefType<float, 2> *c) {
  gemm(a->data + a->offset, a->strides[0], a->sizes[0],
       reinterpret_cast<const uint8_t *>(codes->data + codes->offset),
       scales->data + scales->offset, zeros->data + zeros->offset, a->sizes[1],
       c->sizes[1], group, c->data + c->offset, c->strides[0], kernelThreads(),
       /*accumulate=*/true);
}

extern "C" void _mlir_ciface_qf_kernel_gemm_w4(
    StridedMemRefType<float, 2> *a, StridedMemRefType<int8_t, 1> *codes,
    StridedMemRefType<float, 1> *scales, StridedMemRefType<float, 1> *zeros,
    int64_t group, StridedMemRefType<float, 2> *c) {
  callWeightOnly(gemmW4, a, codes, scales, zeros, group, c);
}

extern "C" void _mlir_ciface_qf_kernel_gemm_w8(
    StridedMemRefType<float, 2> *a, StridedMemRefType<int8_t, 1> *codes,
    StridedMemRefType<float, 1> *scales, StridedMemRefType<float, 1> *zeros,
    int64_t group, StridedMemRefType<float, 2> *c) {
  callWeightOnly(gemmW8, a, codes, scales, zeros, group, c);
}

std::vector<std::pair<std::string, void *>> mlir::qf::kernels::kernelSymbols() {
  return {{std::string("_mlir_ciface_") + kGemmF32Function,
           reinterpret_cast<void *>(&_mlir_ciface_qf_kernel_gemm_f32)},
          {std::string("_mlir_ciface_") + kGemmS8Function,
           reinterpret_cast<void *>(&_mlir_ciface_qf_kernel_gemm_s8)},
          {std::string("_mlir_ciface_") + kGemmW4Function,
           reinterpret_cast<void *>(&_mlir_ciface_qf_kernel_gemm_w4)},
          {std::string("_mlir_ciface_") + kGemmW8Function,
           reinterpret_cast<void *>(&_mlir_ciface_qf_kernel_gemm_w8)}};
}
