//===- HostSymbol.h - A C function compiled host code may call --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_RUNTIME_HOSTSYMBOL_H
#define QF_RUNTIME_HOSTSYMBOL_H

#include <string>

namespace mlir::qf::runtime {

/// A C function the compiled host code may call (a device runtime's entry),
/// linked into the JIT under `name`.
struct HostSymbol {
  std::string name;
  void *address;
};

} // namespace mlir::qf::runtime

#endif // QF_RUNTIME_HOSTSYMBOL_H
