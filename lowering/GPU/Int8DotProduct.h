//===- Int8DotProduct.h - 4-way int8 dot products in GPU kernels -*- C++ -*-=//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The rewrite behind each GPU backend's int8 dot-product pass
// (gpu-nvvm-int8-dot4, vulkan-spirv-int8-dot4): the i8 x i8 -> i32
// accumulation loops of the outlined kernels become K/4 steps of one 4-way
// dot product, which each backend emits with its own instruction.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_GPU_INT8DOTPRODUCT_H
#define QF_LOWERING_GPU_INT8DOTPRODUCT_H

#include "mlir/IR/Builders.h"

#include <functional>

namespace mlir::qf {

/// Emits acc + dot(a, b) for two vector<4xi8> values and an i32 accumulator,
/// with a backend's 4-way integer dot product instruction.
using Dot4Emitter =
    std::function<Value(OpBuilder &, Location, Value a, Value b, Value acc)>;

/// Rewrites the int8 accumulation loops (constant trip count, a multiple of
/// four) of every gpu.func under `root`; others are left as they are.
void rewriteInt8DotProducts(Operation *root, const Dot4Emitter &emit);

} // namespace mlir::qf

#endif // QF_LOWERING_GPU_INT8DOTPRODUCT_H
