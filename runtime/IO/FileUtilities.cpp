//===- FileUtilities.cpp - Reading and atomically writing files -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/FileUtilities.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

namespace mlir::qf::runtime {

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFileBytes(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   path + ": " + buffer.getError().message());
  return std::move(*buffer);
}

llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<void(llvm::raw_ostream &)> write) {
  if (path == "-") {
    write(llvm::outs());
    llvm::outs().flush();
    return llvm::Error::success();
  }
  // Same directory as `path`, so the rename cannot cross file systems.
  int fd = -1;
  llvm::SmallString<128> tempPath;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tempPath))
    return llvm::createStringError(
        ec, path + ": cannot create a temporary file: " + ec.message());

  std::error_code ec;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    os.close();
    if (os.has_error()) {
      ec = os.error();
      os.clear_error(); // or the destructor aborts
    }
  }
  if (!ec)
    ec = llvm::sys::fs::rename(tempPath, path);
  if (ec) {
    llvm::sys::fs::remove(tempPath);
    return llvm::createStringError(ec, path + ": " + ec.message());
  }
  return llvm::Error::success();
}

} // namespace mlir::qf::runtime
