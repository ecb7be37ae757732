//===- Instrument.cpp - Make observers report to C++ at run time ----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/Calibration/Instrument.h"

#include "runtime/ObserverABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::calibration;

StatisticsOptions
calibration::statisticsOptionsFor(ObserveOp op,
                                  const StatisticsOptions &common) {
  StatisticsOptions options = common;
  options.seed = common.seed + op.getIdAttr().getInt();
  // Channels are the last dimension. Where it is dynamic (attention
  // probabilities over the key length), samples of different lengths have
  // different channels: only per-tensor statistics are kept.
  auto type = cast<RankedTensorType>(op.getInput().getType());
  if (type.getRank() > 0 && type.isDynamicDim(type.getRank() - 1)) {
    options.perChannel = false;
    return options;
  }
  for (OpOperand &use : op->getUses()) {
    Operation *user = use.getOwner();
    if (use.getOperandNumber() != 0)
      continue;
    if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(user)) {
      auto filter = cast<ShapedType>(conv.getInputs()[1].getType());
      auto strides = conv.getStrides().getValues<int64_t>();
      auto dilations = conv.getDilations().getValues<int64_t>();
      options.inputStats = true;
      options.window =
          ConvWindow{filter.getDimSize(0), filter.getDimSize(1), strides[0],
                     strides[1],           dilations[0],         dilations[1]};
      return options;
    }
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(user)) {
      options.inputStats = true;
      return options;
    }
  }
  return options;
}

OwningOpRef<ModuleOp> calibration::instrumentObservers(ModuleOp module) {
  OwningOpRef<ModuleOp> clone = module.clone();
  SmallVector<ObserveOp> observers;
  clone->walk([&](ObserveOp op) { observers.push_back(op); });

  MLIRContext *ctx = module.getContext();
  OpBuilder builder(ctx);
  Type f32 = builder.getF32Type();
  auto unranked = UnrankedMemRefType::get(f32, /*memorySpace=*/0);
  builder.setInsertionPointToStart(clone->getBody());
  auto callee = func::FuncOp::create(
      builder, clone->getLoc(), runtime::kObserveFunction,
      builder.getFunctionType({unranked, builder.getI64Type()}, {}));
  callee.setPrivate();
  callee->setAttr("llvm.emit_c_interface", builder.getUnitAttr());

  for (auto [slot, op] : llvm::enumerate(observers)) {
    builder.setInsertionPoint(op);
    Location loc = op.getLoc();
    Value value = op.getInput();
    auto type = cast<RankedTensorType>(value.getType());
    if (!type.getElementType().isF32()) {
      auto f32Type = type.clone(f32);
      if (type.getElementType().getIntOrFloatBitWidth() < 32)
        value = arith::ExtFOp::create(builder, loc, f32Type, value);
      else
        value = arith::TruncFOp::create(builder, loc, f32Type, value);
    }
    // A read-only view of the tensor's buffer, whatever its layout.
    SmallVector<int64_t> dynamicStrides(type.getRank(), ShapedType::kDynamic);
    auto layout =
        StridedLayoutAttr::get(ctx, ShapedType::kDynamic, dynamicStrides);
    auto buffer = bufferization::ToBufferOp::create(
        builder, loc, MemRefType::get(type.getShape(), f32, layout), value,
        /*readOnly=*/true);
    Value erased = memref::CastOp::create(builder, loc, unranked, buffer);
    Value index = arith::ConstantIntOp::create(builder, loc, slot, 64);
    func::CallOp::create(builder, loc, callee, ValueRange{erased, index});
    op.replaceAllUsesWith(op.getInput());
    op.erase();
  }
  return clone;
}

void StatisticsSink::observe(int64_t slot, const float *data,
                             ArrayRef<int64_t> shape) {
  if (problem || slot < 0 || slot >= (int64_t)stats.size())
    return;
  if (std::optional<std::string> error = stats[slot]->add(data, shape))
    problem = {slot, *error};
}
