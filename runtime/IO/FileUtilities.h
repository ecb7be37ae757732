//===- FileUtilities.h - Reading and atomically writing files ---*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The file access shared by the .npy/.npz and safetensors readers and
// writers. Internal to QFRuntimeIO.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_IO_FILEUTILITIES_H
#define QF_RUNTIME_IO_FILEUTILITIES_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace mlir::qf::runtime {

/// The whole file (memory-mapped when large); errors read "PATH: reason".
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readFileBytes(llvm::StringRef path);

/// Runs `write` on a temporary file beside `path` and renames it over `path`
/// once it is complete and closed, so readers never see a partial file and a
/// failure leaves any existing `path` untouched (and no temporary behind).
/// "-" is standard output.
llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<void(llvm::raw_ostream &)> write);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_IO_FILEUTILITIES_H
