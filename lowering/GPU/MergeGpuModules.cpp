//===- MergeGpuModules.cpp - Every outlined kernel in one gpu.module ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFMERGEGPUMODULESPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

class MergeGpuModulesPass final
    : public qf::impl::QFMergeGpuModulesPassBase<MergeGpuModulesPass> {
public:
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.empty())
      return;
    // Outlined kernels are unique per module, not across modules: each
    // kernel takes its module's (unique) name.
    MLIRContext *ctx = &getContext();
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    gpu::GPUModuleOp target = gpuModules.front();
    for (gpu::GPUModuleOp gpuModule : gpuModules) {
      StringAttr moduleName = gpuModule.getNameAttr();
      SmallVector<Operation *> ops;
      for (Operation &op : gpuModule.getBody()->without_terminator())
        ops.push_back(&op);
      for (auto [i, op] : llvm::enumerate(ops)) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (symbol) {
          StringAttr newName =
              i == 0 ? moduleName
                     : StringAttr::get(ctx,
                                       moduleName.getValue() + "_" + Twine(i));
          renamed[{moduleName, symbol.getNameAttr()}] = newName;
          symbol.setName(newName);
        }
        if (gpuModule != target)
          op->moveBefore(target.getBody(), target.getBody()->end());
      }
    }
    for (gpu::GPUModuleOp other : llvm::drop_begin(gpuModules))
      other.erase();
    target.setName("qf_kernels");
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr newName = renamed.lookup(
          {launch.getKernelModuleName(), launch.getKernelName()});
      launch.setKernelAttr(
          SymbolRefAttr::get(StringAttr::get(ctx, "qf_kernels"),
                             {FlatSymbolRefAttr::get(newName)}));
    });
  }
};

} // namespace
