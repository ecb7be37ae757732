//===- FuzzCheck.h - Properties fuzz targets assert ------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A fuzz target reports a broken property by aborting, which libFuzzer and
// the replay driver both treat as a crash of that input.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_FUZZ_FUZZCHECK_H
#define QF_TEST_FUZZ_FUZZCHECK_H

#include "runtime/IO/HostTensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>

#define QF_FUZZ_CHECK(cond, what)                                              \
  do {                                                                         \
    if (!(cond)) {                                                             \
      llvm::errs() << "fuzz check failed: " << (what) << " (" #cond ")\n";     \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

namespace mlir::qf::fuzz {

/// True when a reader refused the input; a refusal must say why.
template <typename T> bool refused(llvm::Expected<T> &result) {
  if (result)
    return false;
  std::string message = llvm::toString(result.takeError());
  QF_FUZZ_CHECK(!message.empty(), "an error without a message");
  return true;
}

/// Same dtype, shape and bytes.
inline bool sameTensor(const runtime::HostTensor &a,
                       const runtime::HostTensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.byteSize() == 0 ||
          std::memcmp(a.data(), b.data(), a.byteSize()) == 0);
}

} // namespace mlir::qf::fuzz

#endif // QF_TEST_FUZZ_FUZZCHECK_H
