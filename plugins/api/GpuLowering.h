//===- GpuLowering.h - Tensor programs to GPU kernels -----------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The part of a GPU backend's lowering that does not depend on the GPU,
// shared by the GPU backends:
// tensors are bufferized (results become caller-owned out-parameters),
// linalg ops become parallel loops, tiled so that inner loops map to
// threads and outer ones to blocks, and each loop nest is outlined as a
// kernel. All kernels end up in one gpu.module, `qf_kernels`, so that a
// backend serializes one binary (one PTX file, one SPIR-V module).
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_API_GPULOWERING_H
#define QF_PLUGINS_API_GPULOWERING_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <functional>

namespace mlir::qf::plugin {

/// Linalg on tensors (no qf ops left) to host code launching kernels of one
/// gpu.module `qf_kernels`. `tileSizes` are the threads per block of the
/// innermost parallel dimensions (outermost first). `kernelPasses`, if
/// given, runs on the bufferized program before the generic mapping: a
/// backend's own kernels for ops it knows better (gpu.launch ops replacing
/// linalg ops), outlined with the rest.
void buildLinalgToGpuPipeline(
    OpPassManager &pm, ArrayRef<int64_t> tileSizes,
    llvm::function_ref<void(OpPassManager &)> kernelPasses = {});

/// Emits acc + dot(a, b) for two vector<4xi8> values and an i32 accumulator,
/// with a backend's 4-way integer dot product instruction.
using Dot4Emitter =
    std::function<Value(OpBuilder &, Location, Value a, Value b, Value acc)>;

/// Rewrites each kernel loop that accumulates sext(a[.., k]) * sext(b[k, ..])
/// over k into an i32 memref element (the int8 contraction of
/// convert-qf-to-linalg, once mapped to threads) into a loop over k in steps
/// of 4 that keeps the accumulator in a register and calls `emit` on the
/// four a's and four b's. Loops whose trip count is not a multiple of 4 are
/// left as they are.
std::unique_ptr<Pass> createInt8DotProductPass(Dot4Emitter emit);

/// Moves the functions of every gpu.module into the first one and renames
/// it `qf_kernels`, updating every gpu.launch_func.
std::unique_ptr<Pass> createMergeGpuModulesPass();

} // namespace mlir::qf::plugin

#endif // QF_PLUGINS_API_GPULOWERING_H
