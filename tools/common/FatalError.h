//===- FatalError.h - Fatal errors as an error exit -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Some upstream readers stop the process with report_fatal_error on input
// they cannot handle (MLIR 22's bytecode reader, given a section that claims
// billions of entries, fails to grow a SmallVector). By default that aborts
// with a stack dump, as for a bug in the tool. The tools install this
// handler instead: the reason as an error naming the tool, and exit status
// 1, as for any other bad input.
//
// Upstream parsers also crash on some malformed text (a null dereference in
// linalg.broadcast's). The tools enable crash recovery, so that the reading
// of a model (parameters/ReadModel.h), which runs under it, turns such a
// crash into a located error; a crash anywhere else still stops the tool
// with LLVM's stack dump, as the bug it is.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TOOLS_COMMON_FATALERROR_H
#define QF_TOOLS_COMMON_FATALERROR_H

#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace mlir::qf::tools {

inline void exitOnFatalError(const char *toolName) {
  llvm::install_fatal_error_handler(
      [](void *tool, const char *reason, bool) {
        llvm::errs()
            << static_cast<const char *>(tool) << ": error: " << reason
            << " (a malformed input, or a bug in an upstream reader)\n";
        llvm::errs().flush();
        // Temporary outputs go; nothing else is safe to run from here.
        llvm::sys::RunInterruptHandlers();
        std::_Exit(1);
      },
      const_cast<char *>(toolName));
  llvm::CrashRecoveryContext::Enable();
}

} // namespace mlir::qf::tools

#endif // QF_TOOLS_COMMON_FATALERROR_H
