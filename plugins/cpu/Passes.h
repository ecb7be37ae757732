//===- Passes.h - The cpu backend's passes ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_CPU_PASSES_H
#define QF_PLUGINS_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::cpu {

#define GEN_PASS_DECL
#include "plugins/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "plugins/cpu/Passes.h.inc"

} // namespace mlir::qf::cpu

#endif // QF_PLUGINS_CPU_PASSES_H
