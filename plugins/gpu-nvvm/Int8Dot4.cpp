//===- Int8Dot4.cpp - int8 accumulation loops to dp4a ---------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/gpu-nvvm/Passes.h"

#include "lowering/GPU/Int8DotProduct.h"

namespace mlir::qf::gpu_nvvm {
#define GEN_PASS_DEF_GPUNVVMINT8DOT4PASS
#include "plugins/gpu-nvvm/Passes.h.inc"
} // namespace mlir::qf::gpu_nvvm

using namespace mlir;
using namespace mlir::qf;

namespace {

class Int8Dot4Pass final
    : public gpu_nvvm::impl::GpuNvvmInt8Dot4PassBase<Int8Dot4Pass> {
public:
  using Base::Base;

  void runOnOperation() override {
    rewriteInt8DotProducts(getOperation(), [](OpBuilder &b, Location loc,
                                              Value a, Value bv, Value acc) {
      return NVVM::DotAccumulate4WayOp::create(
          b, loc, b.getI32Type(), a, NVVM::DotAccumulateType::SIGNED, bv,
          NVVM::DotAccumulateType::SIGNED, acc);
    });
  }
};

} // namespace
