//===- DeallocAfterLastUse.cpp - Free buffers after their last use --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::qf {
#define GEN_PASS_DEF_QFDEALLOCAFTERLASTUSEPASS
#include "lowering/Passes.h.inc"
} // namespace mlir::qf

using namespace mlir;

namespace {

/// The op of `block` that holds `op` (itself, or an ancestor).
Operation *ancestorIn(Block *block, Operation *op) {
  while (op && op->getBlock() != block)
    op = op->getParentOp();
  return op;
}

/// The last op of the buffer's block that uses it or one of its aliases
/// (other than `dealloc`), or null when an alias leaves the function.
Operation *lastUse(memref::AllocOp alloc, memref::DeallocOp dealloc) {
  Block *block = alloc->getBlock();
  llvm::SetVector<Value> aliases;
  aliases.insert(alloc.getResult());
  Operation *last = alloc;
  for (size_t i = 0; i < aliases.size(); ++i) {
    for (OpOperand &use : aliases[i].getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc.getOperation())
        continue;
      // Returned, or reachable through a raw address: its end is unknown.
      if (isa<func::ReturnOp, memref::ExtractAlignedPointerAsIndexOp>(user))
        return nullptr;
      // Whatever memref an op makes from the buffer may view it.
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          aliases.insert(result);
      Operation *here = ancestorIn(block, user);
      if (!here)
        return nullptr; // used outside the block
      if (last->isBeforeInBlock(here))
        last = here;
    }
  }
  return last;
}

class DeallocAfterLastUsePass final
    : public qf::impl::QFDeallocAfterLastUsePassBase<DeallocAfterLastUsePass> {
public:
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation()->walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != dealloc->getBlock())
        continue;
      Operation *last = lastUse(alloc, dealloc);
      if (last && last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
  }
};

} // namespace
