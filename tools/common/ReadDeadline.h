//===- ReadDeadline.h - A time limit on reading a model ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// MLIR 22's bytecode reader loops without end on some malformed files (300
// bytes found by the mlir-bytecode fuzz target: test/tools/Inputs/
// bytecode-reader-loops.mlirbc). A tool that reads such a file would hang.
// While a ReadDeadline is alive, a watchdog thread ends the process with an
// error and exit status 1 once reading has taken longer than 30 s plus 1 s
// per MiB of input (MLIR reads text at tens of MiB a second, bytecode
// faster); QF_READ_TIMEOUT_S sets another limit, for tests.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TOOLS_COMMON_READDEADLINE_H
#define QF_TOOLS_COMMON_READDEADLINE_H

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace mlir::qf::tools {

class ReadDeadline {
public:
  ReadDeadline(const char *tool, llvm::StringRef path) {
    uint64_t bytes = 0;
    (void)llvm::sys::fs::file_size(path, bytes);
    double seconds = 30.0 + double(bytes) / (1 << 20);
    if (const char *limit = std::getenv("QF_READ_TIMEOUT_S"))
      seconds = std::atof(limit);
    std::string message =
        (llvm::Twine(tool) + ": error: reading '" + path + "' took more than " +
         llvm::Twine(int64_t(seconds)) +
         " s; MLIR's bytecode reader loops on some malformed files, so the "
         "model is refused\n")
            .str();
    watchdog = std::thread([this, seconds, message] {
      std::unique_lock<std::mutex> lock(mutex);
      if (done.wait_for(lock, std::chrono::duration<double>(seconds),
                        [this] { return finished; }))
        return;
      llvm::errs() << message;
      llvm::errs().flush();
      llvm::sys::RunInterruptHandlers(); // temporary outputs go
      std::_Exit(1);
    });
  }

  ~ReadDeadline() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      finished = true;
    }
    done.notify_one();
    watchdog.join();
  }

private:
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  std::thread watchdog;
};

} // namespace mlir::qf::tools

#endif // QF_TOOLS_COMMON_READDEADLINE_H
