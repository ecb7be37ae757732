//===- GpuPipelines.cpp - Tensor programs to GPU kernels ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/Pipelines/GpuPipelines.h"

#include "lowering/Passes.h"
#include "lowering/Pipelines/HostPipelines.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qf;

void qf::buildLinalgToGpuPipeline(
    OpPassManager &pm, ArrayRef<int64_t> tileSizes,
    llvm::function_ref<void(OpPassManager &)> kernelPasses) {
  pm.addPass(createCanonicalizerPass());
  buildBufferizationPipeline(pm);
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
  pm.addPass(createQFMergeGpuModulesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
