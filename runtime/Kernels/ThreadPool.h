//===- ThreadPool.h - Split kernel work over threads ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_KERNELS_THREADPOOL_H
#define QF_RUNTIME_KERNELS_THREADPOOL_H

#include <cstdint>
#include <functional>

namespace mlir::qf::kernels {

/// Runs body(begin, end) on `threads` contiguous chunks of [0, count), the
/// first on the calling thread, the others on a process-wide pool of
/// persistent workers; returns when all are done.
void parallelFor(int64_t count, unsigned threads,
                 const std::function<void(int64_t, int64_t)> &body);

} // namespace mlir::qf::kernels

#endif // QF_RUNTIME_KERNELS_THREADPOOL_H
