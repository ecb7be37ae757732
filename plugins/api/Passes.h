//===- Passes.h - The backend plugin interface's passes ---------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_PASSES_H
#define QF_PLUGINS_API_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::plugin {

#define GEN_PASS_DECL
#include "plugins/api/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "plugins/api/Passes.h.inc"

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_API_PASSES_H
