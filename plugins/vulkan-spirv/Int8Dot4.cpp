//===- Int8Dot4.cpp - int8 accumulation loops to SDot steps ---------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "plugins/vulkan-spirv/Passes.h"

#include "lowering/GPU/Int8DotProduct.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"

namespace mlir::qf::vulkan_spirv {
#define GEN_PASS_DEF_VULKANSPIRVINT8DOT4PASS
#include "plugins/vulkan-spirv/Passes.h.inc"
} // namespace mlir::qf::vulkan_spirv

using namespace mlir;
using namespace mlir::qf;

namespace {

class Int8Dot4Pass final
    : public vulkan_spirv::impl::VulkanSpirvInt8Dot4PassBase<Int8Dot4Pass> {
public:
  using Base::Base;

  void runOnOperation() override {
    bool sdot = integerDotProduct;
    rewriteInt8DotProducts(
        getOperation(),
        [sdot](OpBuilder &b, Location loc, Value a, Value bv,
               Value acc) -> Value {
          if (sdot)
            return arith::AddIOp::create(
                b, loc, acc,
                spirv::SDotOp::create(b, loc, b.getI32Type(), a, bv,
                                      spirv::PackedVectorFormatAttr()));
          // The sum of four i8 products is exact in i32 lanes.
          auto wide = VectorType::get({4}, b.getI32Type());
          Value products = arith::MulIOp::create(
              b, loc, arith::ExtSIOp::create(b, loc, wide, a),
              arith::ExtSIOp::create(b, loc, wide, bv));
          return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                             products, acc);
        });
  }
};

} // namespace
