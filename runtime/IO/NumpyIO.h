//===- NumpyIO.h - .npy and .npz files --------------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// NumPy's formats, read and written without NumPy: `.npy` versions 1.0, 2.0
// and 3.0 (C order; little- or big-endian data is converted on read; bf16 is
// stored as the two-byte void type `<V2`, as ml_dtypes' bfloat16 is, see the
// .cpp) and `.npz` archives (stored or deflated zip members, as np.savez and
// np.savez_compressed write them; we write stored members).
//
// Every header field is validated against the file size before anything is
// allocated: a truncated, lying or hostile file is an llvm::Error naming the
// file and the problem, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_IO_NUMPYIO_H
#define QF_RUNTIME_IO_NUMPYIO_H

#include "runtime/IO/HostTensor.h"

#include "llvm/Support/Error.h"

namespace mlir::qf::runtime {

/// Parses an .npy image; `what` names it in errors (a path, or
/// "archive.npz:member").
llvm::Expected<HostTensor> parseNpy(llvm::StringRef bytes,
                                    llvm::StringRef what);
/// The .npy image of a tensor (version 1.0, little-endian, C order).
std::string serializeNpy(const HostTensor &tensor);

llvm::Expected<HostTensor> readNpy(llvm::StringRef path);
/// Written atomically: a temporary file renamed over `path`.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

/// Members keep their archive order; the ".npy" suffix is dropped from names.
/// Parses an in-memory .npz archive; `what` names it in errors.
llvm::Expected<NamedTensors> parseNpz(llvm::StringRef bytes,
                                      llvm::StringRef what);
llvm::Expected<NamedTensors> readNpz(llvm::StringRef path);
/// Written atomically, stored (uncompressed) members named NAME.npy.
llvm::Error writeNpz(llvm::StringRef path, const NamedTensors &tensors);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_IO_NUMPYIO_H
