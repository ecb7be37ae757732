//===- ReplayMain.cpp - Run a fuzz target over saved inputs ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The driver fuzz targets link in ordinary builds, where libFuzzer is not
// linked: every file named on the command line, or found under a directory
// named there, is passed once to LLVMFuzzerTestOneInput, in sorted order.
// Arguments starting with '-' are libFuzzer's flags (-runs=0) and ignored,
// so the same command line replays with either build.
// `make test` replays the committed corpora this way; a crash or a failed
// check in a target aborts, and lit reports it.
//
//===----------------------------------------------------------------------===//

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool collect(const std::string &path, std::vector<std::string> &files) {
  if (!llvm::sys::fs::is_directory(path)) {
    if (!llvm::sys::fs::exists(path))
      return false;
    files.push_back(path);
    return true;
  }
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(path, ec), end;
       it != end && !ec; it.increment(ec))
    if (llvm::sys::fs::is_regular_file(it->path()))
      files.push_back(it->path());
  return !ec;
}

int main(int argc, char **argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-')
      continue;
    if (!collect(argv[i], files)) {
      llvm::errs() << argv[0] << ": cannot read '" << argv[i] << "'\n";
      return 1;
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string &file : files) {
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      llvm::errs() << argv[0] << ": cannot read '" << file
                   << "': " << buffer.getError().message() << "\n";
      return 1;
    }
    // A copy the size of the input, as libFuzzer gives, so that reading past
    // the end is caught under AddressSanitizer.
    std::vector<uint8_t> bytes((*buffer)->getBufferStart(),
                               (*buffer)->getBufferEnd());
    uint8_t *data = bytes.empty() ? nullptr : bytes.data();
    LLVMFuzzerTestOneInput(data, bytes.size());
  }
  llvm::outs() << "replayed " << files.size() << " inputs\n";
  return 0;
}
