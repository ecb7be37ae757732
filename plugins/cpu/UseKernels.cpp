//===- UseKernels.cpp - Contractions on constant weights as kernel calls --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// For the JIT: a linalg.matmul of a static f32 activation [M, K] by a
// constant f32 weight [K, N] becomes a call of runtime/Kernels' packed f32
// GEMM (KernelABI.h). The weight is packed here, at compile time, into a
// private constant memref.global; the call computes C += A B on buffers,
// C a fresh buffer holding the matmul's init, so the op's semantics (the
// init accumulates) are kept. Other contractions keep the backend's own
// loops.
//
//===----------------------------------------------------------------------===//

#include "plugins/cpu/CpuBackend.h"
#include "runtime/Kernels/KernelABI.h"
#include "runtime/Kernels/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

using namespace mlir;
using namespace mlir::qf;

namespace {

struct UseKernelsPass final
    : PassWrapper<UseKernelsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(UseKernelsPass)

  StringRef getArgument() const override { return "qf-cpu-use-kernels"; }
  StringRef getDescription() const override {
    return "Call the packed CPU kernels for matmuls with constant weights";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<bufferization::BufferizationDialect, func::FuncDialect,
                    memref::MemRefDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::MatmulOp> matmuls;
    module.walk([&](linalg::MatmulOp op) {
      if (!op.hasUserDefinedMaps() && op.hasPureTensorSemantics())
        matmuls.push_back(op);
    });
    SymbolTable symbols(module);
    func::FuncOp kernel;
    for (linalg::MatmulOp op : matmuls) {
      auto aType = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
      auto cType = dyn_cast<RankedTensorType>(op.getResultTypes()[0]);
      DenseFPElementsAttr weight;
      if (!aType || !cType || !aType.hasStaticShape() ||
          !cType.hasStaticShape() || !aType.getElementType().isF32() ||
          !cType.getElementType().isF32() ||
          !matchPattern(op.getInputs()[1], m_Constant(&weight)) ||
          !weight.getElementType().isF32())
        continue;
      if (!kernel)
        kernel = declareKernel(module, symbols);
      rewrite(op, weight, kernel, symbols);
    }
  }

  func::FuncOp declareKernel(ModuleOp module, SymbolTable &symbols) {
    if (auto existing = symbols.lookup<func::FuncOp>(kernels::kGemmF32Function))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    MLIRContext *ctx = module.getContext();
    auto f32 = Float32Type::get(ctx);
    auto matrix =
        MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32);
    auto vector = MemRefType::get({ShapedType::kDynamic}, f32);
    auto fn =
        func::FuncOp::create(b, module.getLoc(), kernels::kGemmF32Function,
                             b.getFunctionType({matrix, vector, matrix}, {}));
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    symbols.insert(fn);
    return fn;
  }

  void rewrite(linalg::MatmulOp op, DenseFPElementsAttr weight,
               func::FuncOp kernel, SymbolTable &symbols) {
    auto wType = cast<RankedTensorType>(weight.getType());
    const int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    std::vector<float> values;
    values.reserve(weight.getNumElements());
    for (float v : weight.getValues<float>())
      values.push_back(v);
    kernels::PackedF32 packed = kernels::packF32(values.data(), k, n);

    ModuleOp module = getOperation();
    OpBuilder gb = OpBuilder::atBlockEnd(module.getBody());
    auto packedType =
        MemRefType::get({int64_t(packed.data.size())}, gb.getF32Type());
    auto global = memref::GlobalOp::create(
        gb, op.getLoc(), "__qf_packed_weight", gb.getStringAttr("private"),
        packedType,
        DenseElementsAttr::get(
            RankedTensorType::get(packedType.getShape(), gb.getF32Type()),
            ArrayRef<float>(packed.data)),
        /*constant=*/true, gb.getI64IntegerAttr(64));
    symbols.insert(global); // renames on a clash

    OpBuilder b(op);
    Location loc = op.getLoc();
    auto bufferOf = [&](Value tensor) {
      auto type = cast<RankedTensorType>(tensor.getType());
      auto buffer = bufferization::ToBufferOp::create(
          b, loc, MemRefType::get(type.getShape(), type.getElementType()),
          tensor);
      buffer.setReadOnly(true);
      return buffer.getResult();
    };
    auto cType = cast<RankedTensorType>(op.getResultTypes()[0]);
    auto cBuffer = memref::AllocOp::create(
        b, loc, MemRefType::get(cType.getShape(), cType.getElementType()),
        b.getI64IntegerAttr(64));
    memref::CopyOp::create(b, loc, bufferOf(op.getOutputs()[0]), cBuffer);
    Value weights =
        memref::GetGlobalOp::create(b, loc, packedType, global.getSymName());
    auto dynamic = [&](Value v, Type to) {
      return memref::CastOp::create(b, loc, to, v).getResult();
    };
    FunctionType fnType = kernel.getFunctionType();
    func::CallOp::create(
        b, loc, kernel,
        ValueRange{dynamic(bufferOf(op.getInputs()[0]), fnType.getInput(0)),
                   dynamic(weights, fnType.getInput(1)),
                   dynamic(cBuffer, fnType.getInput(2))});
    Value result = bufferization::ToTensorOp::create(
        b, loc, cType, cBuffer, /*restrict=*/true, /*writable=*/true);
    op.getResult(0).replaceAllUsesWith(result);
    op.erase();
  }
};

} // namespace

std::unique_ptr<Pass> mlir::qf::cpu::createUseKernelsPass() {
  return std::make_unique<UseKernelsPass>();
}
