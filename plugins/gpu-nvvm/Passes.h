//===- Passes.h - The gpu-nvvm backend's passes -----------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_GPU_NVVM_PASSES_H
#define QF_PLUGINS_GPU_NVVM_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::gpu_nvvm {

#define GEN_PASS_DECL
#include "plugins/gpu-nvvm/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "plugins/gpu-nvvm/Passes.h.inc"

} // namespace mlir::qf::gpu_nvvm

#endif // QF_PLUGINS_GPU_NVVM_PASSES_H
