//===- BuiltinBackends.h - Backends compiled into QuantForge ----*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_BUILTINBACKENDS_H
#define QF_PLUGINS_BUILTINBACKENDS_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::qf::plugin {

/// Adds what the built-in backends' pipelines need in a context (GPU targets,
/// LLVM IR translations) to a tool's dialect registry.
void registerBuiltinBackendDependencies(DialectRegistry &registry);

/// Registers every backend this build enables (CMake QF_ENABLE_*_BACKEND)
/// in the global registry, and the qf-lower pass. Idempotent.
void registerBuiltinBackends();

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_BUILTINBACKENDS_H
