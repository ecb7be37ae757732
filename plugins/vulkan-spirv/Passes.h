//===- Passes.h - The vulkan-spirv backend's passes -------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_VULKAN_SPIRV_PASSES_H
#define QF_PLUGINS_VULKAN_SPIRV_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::vulkan_spirv {

#define GEN_PASS_DECL
#include "plugins/vulkan-spirv/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "plugins/vulkan-spirv/Passes.h.inc"

} // namespace mlir::qf::vulkan_spirv

#endif // QF_PLUGINS_VULKAN_SPIRV_PASSES_H
