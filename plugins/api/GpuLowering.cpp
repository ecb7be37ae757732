//===- GpuLowering.cpp - Tensor programs to GPU kernels -------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/api/GpuLowering.h"

#include "runtime/Jit/CpuJit.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::plugin;

namespace {

class MergeGpuModulesPass
    : public PassWrapper<MergeGpuModulesPass, OperationPass<ModuleOp>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MergeGpuModulesPass)
  StringRef getArgument() const override { return "qf-merge-gpu-modules"; }
  StringRef getDescription() const override {
    return "Put every outlined kernel into one gpu.module";
  }

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

std::unique_ptr<Pass> plugin::createMergeGpuModulesPass() {
  return std::make_unique<MergeGpuModulesPass>();
}

void plugin::buildLinalgToGpuPipeline(
    OpPassManager &pm, ArrayRef<int64_t> tileSizes,
    llvm::function_ref<void(OpPassManager &)> kernelPasses) {
  pm.addPass(createCanonicalizerPass());
  runtime::buildBufferizationPipeline(pm);
  if (kernelPasses)
    kernelPasses(pm);

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // Fixed inner bounds with in-bounds checks: convert-parallel-loops-to-gpu
  // cannot map loops whose bounds depend on the outer induction variables.
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass(tileSizes, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  // Constant launch sizes and loop bounds, then sunk into the kernels: what
  // stays a kernel argument is a buffer.
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMergeGpuModulesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
