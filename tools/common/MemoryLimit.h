//===- MemoryLimit.h - The tools' --max-memory ------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// qf-run and qf-eval refuse a model whose estimated needs
// (runtime/MemoryEstimate.h) exceed --max-memory, by default the memory
// available, before anything is allocated.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TOOLS_COMMON_MEMORYLIMIT_H
#define QF_TOOLS_COMMON_MEMORYLIMIT_H

#include "runtime/MemoryEstimate.h"

#include "llvm/Support/Error.h"

#include <string>

namespace mlir::qf::tools {

struct MemoryLimit {
  uint64_t bytes;
  std::string source; ///< where it comes from, for messages

  /// An error naming the limit when `estimate` (of running `entry`)
  /// exceeds it.
  llvm::Error check(const runtime::MemoryEstimate &estimate,
                    llvm::StringRef entry) const {
    return runtime::checkMemory(estimate, bytes, entry, source);
  }
};

/// The limit --max-memory's `option` sets ("" for the memory available).
inline llvm::Expected<MemoryLimit> memoryLimit(llvm::StringRef option) {
  if (option.empty())
    return MemoryLimit{runtime::availableMemory(), "available"};
  llvm::Expected<uint64_t> bytes = runtime::parseByteSize(option);
  if (!bytes)
    return llvm::createStringError("--max-memory: " +
                                   llvm::toString(bytes.takeError()));
  return MemoryLimit{*bytes, "that --max-memory allows"};
}

} // namespace mlir::qf::tools

#endif // QF_TOOLS_COMMON_MEMORYLIMIT_H
