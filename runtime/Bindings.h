//===- Bindings.h - Match named host tensors to entry arguments -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Inputs arrive as named tensors (.npz members, `--input NAME=FILE.npy`). A
// key names an argument by its `qf.name`, or by position: "3" or NumPy's
// positional "arr_3". Every argument must be bound exactly once, with the
// dtype and the static dimensions of the signature.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_BINDINGS_H
#define QF_RUNTIME_BINDINGS_H

#include "runtime/Executor.h"

namespace mlir::qf::runtime {

/// A tensor with where it came from ("x.npy", "data.npz:x"), for messages.
struct SourcedTensor {
  std::string key;
  std::string origin;
  const HostTensor *tensor;
};

/// The argument `key` refers to, or an error listing the arguments.
llvm::Expected<unsigned> resolveArgument(const Signature &sig,
                                         llvm::StringRef key);

/// One tensor per argument of `sig`, in order.
llvm::Expected<std::vector<const HostTensor *>>
bindInputs(const Signature &sig, llvm::ArrayRef<SourcedTensor> tensors);

/// The key of result `index` in output archives: its name or "out<index>".
std::string outputKey(const Signature &sig, unsigned index);

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_BINDINGS_H
