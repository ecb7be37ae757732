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

#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

#define QF_FUZZ_CHECK(cond, what)                                              \
  do {                                                                         \
    if (!(cond)) {                                                             \
      llvm::errs() << "fuzz check failed: " << (what) << " (" #cond ")\n";     \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

#endif // QF_TEST_FUZZ_FUZZCHECK_H
