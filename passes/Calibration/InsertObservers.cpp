//===- InsertObservers.cpp - Put qf.observe where quantization needs it ---===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFINSERTOBSERVERSPASS
#include "passes/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;
using namespace mlir::qf;

namespace {

class InsertObserversPass final
    : public qf::impl::QFInsertObserversPassBase<InsertObserversPass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    for (const std::string &w : where) {
      if (w == "inputs")
        observeInputs = true;
      else if (w == "outputs")
        observeOutputs = true;
      else if (w == "weights")
        observeWeights = true;
      else
        return emitError(UnknownLoc::get(ctx))
               << "qf-insert-observers: unknown where='" << w
               << "'; expected inputs, outputs or weights";
    }
    if (where.empty())
      observeInputs = observeOutputs = true;
    if (ops.empty())
      for (StringRef name : {"linalg.matmul", "linalg.batch_matmul",
                             "linalg.matvec", "linalg.conv_2d_nhwc_hwcf"})
        selected.insert(name);
    for (const std::string &name : ops)
      selected.insert(name);
    return success();
  }

  void runOnOperation() override;

private:
  static bool isObservable(Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    return type && isa<FloatType>(type.getElementType());
  }

  /// The observer of `value`, reusing one that already exists.
  ObserveOp observe(Value value);

  bool observeInputs = false, observeOutputs = false, observeWeights = false;
  llvm::StringSet<> selected;
  int64_t nextId = 0;
};

} // namespace

ObserveOp InsertObserversPass::observe(Value value) {
  if (auto existing = value.getDefiningOp<ObserveOp>())
    return existing;
  for (Operation *user : value.getUsers())
    if (auto existing = dyn_cast<ObserveOp>(user))
      return existing;
  OpBuilder builder(value.getContext());
  builder.setInsertionPointAfterValue(value);
  return ObserveOp::create(builder, value.getLoc(), value.getType(), value,
                           builder.getI64IntegerAttr(nextId++),
                           /*stats=*/DictionaryAttr());
}

void InsertObserversPass::runOnOperation() {
  ModuleOp module = getOperation();
  module.walk([&](ObserveOp op) {
    nextId = std::max(nextId, op.getIdAttr().getInt() + 1);
  });

  SmallVector<Operation *> targets;
  module.walk([&](Operation *op) {
    if (selected.contains(op->getName().getStringRef()))
      targets.push_back(op);
  });

  for (Operation *op : targets) {
    // Inputs are the non-init operands of destination-style ops.
    auto dps = dyn_cast<DestinationStyleOpInterface>(op);
    for (OpOperand &operand : op->getOpOperands()) {
      if (dps && dps.isDpsInit(&operand))
        continue;
      Value value = operand.get();
      if (!isObservable(value) || value.getDefiningOp<ObserveOp>())
        continue;
      bool isWeight = matchPattern(value, m_Constant());
      if (isWeight ? !observeWeights : !observeInputs)
        continue;
      ObserveOp observer = observe(value);
      // Every selected op using the value reads it through the observer.
      value.replaceUsesWithIf(observer.getResult(), [&](OpOperand &use) {
        return use.getOwner() != observer &&
               selected.contains(use.getOwner()->getName().getStringRef());
      });
    }
    if (!observeOutputs)
      continue;
    for (Value result : op->getResults()) {
      if (!isObservable(result))
        continue;
      bool alreadyObserved = llvm::any_of(
          result.getUsers(), [](Operation *u) { return isa<ObserveOp>(u); });
      ObserveOp observer = observe(result);
      if (!alreadyObserved)
        result.replaceAllUsesExcept(observer.getResult(), observer);
    }
  }
}
