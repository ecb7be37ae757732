//===- StageBuffers.cpp - Device-visible copies of host buffers -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// On a CUDA device, kernels can only touch memory the driver knows about.
// The CUDA runtime turns the host code's own allocations into managed
// memory; this pass makes everything else such an allocation: each memref
// argument of a public function (the caller's inputs and result buffers) and
// each constant global a kernel reads is copied into a fresh buffer on entry,
// and argument buffers are copied back before returning. On the CPU the
// program computes the same; only copies are added.
//
//===----------------------------------------------------------------------===//

#include "plugins/gpu-nvvm/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::gpu_nvvm {
#define GEN_PASS_DEF_GPUNVVMSTAGEBUFFERSPASS
#include "plugins/gpu-nvvm/Passes.h.inc"
} // namespace mlir::qf::gpu_nvvm

using namespace mlir;
using namespace mlir::qf;

namespace {

class StageBuffersPass final
    : public gpu_nvvm::impl::GpuNvvmStageBuffersPassBase<StageBuffersPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      bool launches = false;
      func.walk([&](gpu::LaunchFuncOp) { launches = true; });
      if (!launches)
        continue;
      if (failed(stage(func)))
        return signalPassFailure();
    }
  }

private:
  LogicalResult stage(func::FuncOp func) {
    Block &entry = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    SmallVector<std::pair<Value, Value>> copies; // argument, staged buffer
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type)
        continue;
      if (!type.hasStaticShape() || !type.getLayout().isIdentity())
        return func.emitError("gpu-nvvm stages only statically shaped, "
                              "contiguous arguments; got ")
               << type;
      Value staged = memref::AllocOp::create(b, arg.getLoc(), type);
      arg.replaceAllUsesWith(staged);
      memref::CopyOp::create(b, arg.getLoc(), arg, staged);
      copies.push_back({arg, staged});
    }
    // Constant globals (weights) read by kernels.
    SmallVector<memref::GetGlobalOp> globals;
    func.walk([&](memref::GetGlobalOp get) {
      if (llvm::any_of(get->getUsers(), [](Operation *user) {
            return isa<gpu::LaunchFuncOp>(user);
          }))
        globals.push_back(get);
    });
    for (memref::GetGlobalOp get : globals) {
      b.setInsertionPointAfter(get);
      auto type = cast<MemRefType>(get.getType());
      Value staged = memref::AllocOp::create(b, get.getLoc(), type);
      get.getResult().replaceAllUsesExcept(staged, {});
      memref::CopyOp::create(b, get.getLoc(), get.getResult(), staged);
      copies.push_back({Value(), staged});
    }
    func.walk([&](func::ReturnOp ret) {
      OpBuilder rb(ret);
      for (auto [arg, staged] : copies) {
        if (arg)
          memref::CopyOp::create(rb, ret.getLoc(), staged, arg);
        memref::DeallocOp::create(rb, ret.getLoc(), staged);
      }
    });
    return success();
  }
};

} // namespace
