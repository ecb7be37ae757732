//===- LowerPass.h - qf-lower: a backend's pipeline as one pass -*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// `qf-lower{backend=NAME emit=FILE options=k=v,...}` runs the named backend's
// lowering pipeline on the module and, with `emit`, writes the backend's
// artifact (for cpu, an object file) atomically.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_LOWERPASS_H
#define QF_PLUGINS_API_LOWERPASS_H

namespace mlir::qf::plugin {

void registerLowerPass();

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_API_LOWERPASS_H
