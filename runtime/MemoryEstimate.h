//===- MemoryEstimate.h - What running an entry needs in memory --*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A model too large for the machine should be refused with a number before
// anything is allocated, not killed by the kernel halfway. The estimate is
// made on the entry function's tensors, before lowering:
// - weights: the bytes of every constant tensor of the module (inline data,
//   or a parameter's blob);
// - activations: the most bytes of tensors alive at once, walking the
//   entry's top-level ops in order, a tensor alive from its definition to
//   its last use (results to the return), constants' values excepted (they
//   are the weights). Arguments have the run's shapes.
//
// It is a lower bound: bufferization may copy more, and a dynamic dimension
// of an intermediate tensor counts as 1. So a refusal is certain (the run
// needs at least that much), and a model that might fit is never refused.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_MEMORYESTIMATE_H
#define QF_RUNTIME_MEMORYESTIMATE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mlir::qf::runtime {

struct MemoryEstimate {
  uint64_t weightBytes = 0;
  uint64_t activationBytes = 0; ///< at their peak
  uint64_t total() const { return weightBytes + activationBytes; }
};

/// The estimate for running `entry` (of its module) on arguments of
/// `argumentShapes` (one per argument; an empty list takes the signature's
/// static shapes, a dynamic dimension as 1).
MemoryEstimate estimateMemory(
    func::FuncOp entry,
    llvm::ArrayRef<llvm::SmallVector<int64_t, 4>> argumentShapes = {});

/// The memory this process may still use: Linux's MemAvailable (RAM free or
/// reclaimable without swapping), else the physical memory.
uint64_t availableMemory();

/// "512M", "8G", "1.5GiB", "4096": bytes, with binary K/M/G/T suffixes.
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef text);

/// "1.5 GiB".
std::string formatBytes(uint64_t bytes);

/// An error when `estimate` exceeds `limit`: what running `entry` needs,
/// split in weights and activations, and the limit (`limitSource` says
/// where it comes from). Success otherwise.
llvm::Error checkMemory(const MemoryEstimate &estimate, uint64_t limit,
                        llvm::StringRef entry, llvm::StringRef limitSource);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_MEMORYESTIMATE_H
