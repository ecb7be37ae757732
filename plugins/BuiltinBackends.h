//===- BuiltinBackends.h - Backends compiled into QuantForge ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_BUILTINBACKENDS_H
#define QF_PLUGINS_BUILTINBACKENDS_H

namespace mlir::qf::plugin {

/// Registers every backend this build enables (CMake QF_ENABLE_*_BACKEND)
/// in the global registry, and the qf-lower pass. Idempotent.
void registerBuiltinBackends();

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_BUILTINBACKENDS_H
