//===- Int8DotProduct.cpp - 4-way int8 dot products in GPU kernels --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// After convert-parallel-loops-to-gpu, the i8 x i8 -> i32 contraction of a
// qf.matmul is, per thread, a loop
//
//   scf.for %k = 0 to K step 1 {
//     %a = memref.load %A[.., %k] : i8     %b = memref.load %B[%k, ..] : i8
//     %c = memref.load %C[idx] : i32
//     memref.store (%c + sext(%a) * sext(%b)), %C[idx]
//   }
//
// rewriteInt8DotProducts turns it into K/4 steps of one 4-way dot product (dp4a
// on NVIDIA, OpSDot in SPIR-V) with the accumulator in a register. The sum is
// the same i32 value: each dot of four i8 products is exact, and the
// additions wrap modulo 2^32 as before.
//
//===----------------------------------------------------------------------===//

#include "lowering/GPU/Int8DotProduct.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qf;

namespace {

/// The pieces of a matched loop.
struct Int8Loop {
  memref::LoadOp a, b, c;
  memref::StoreOp store;
  unsigned aDim, bDim; // where the induction variable indexes a and b
};

std::optional<Int8Loop> match(scf::ForOp loop) {
  Block *body = loop.getBody();
  if (!loop.getInitArgs().empty() || body->getOperations().size() != 9)
    return std::nullopt;
  Value k = loop.getInductionVar();
  Int8Loop m;
  auto store = dyn_cast<memref::StoreOp>(body->getTerminator()->getPrevNode());
  if (!store)
    return std::nullopt;
  auto add = store.getValueToStore().getDefiningOp<arith::AddIOp>();
  if (!add)
    return std::nullopt;
  memref::LoadOp c;
  arith::MulIOp mul;
  for (Value operand : add->getOperands()) {
    if (auto l = operand.getDefiningOp<memref::LoadOp>())
      c = l;
    if (auto p = operand.getDefiningOp<arith::MulIOp>())
      mul = p;
  }
  if (!c || !mul || c.getMemRef() != store.getMemRef() ||
      c.getIndices() != store.getIndices() || !c.getType().isInteger(32) ||
      llvm::is_contained(c.getIndices(), k))
    return std::nullopt;
  auto lhs = mul.getLhs().getDefiningOp<arith::ExtSIOp>();
  auto rhs = mul.getRhs().getDefiningOp<arith::ExtSIOp>();
  if (!lhs || !rhs)
    return std::nullopt;
  auto a = lhs.getIn().getDefiningOp<memref::LoadOp>();
  auto b = rhs.getIn().getDefiningOp<memref::LoadOp>();
  if (!a || !b || !a.getType().isInteger(8) || !b.getType().isInteger(8))
    return std::nullopt;
  auto position = [&](memref::LoadOp load) -> std::optional<unsigned> {
    std::optional<unsigned> found;
    for (auto [i, index] : llvm::enumerate(load.getIndices())) {
      if (index == k) {
        if (found)
          return std::nullopt;
        found = i;
      } else if (!index.getParentRegion()->isProperAncestor(
                     &loop.getRegion())) {
        return std::nullopt; // other indices must be loop-invariant
      }
    }
    return found;
  };
  std::optional<unsigned> aDim = position(a), bDim = position(b);
  if (!aDim || !bDim)
    return std::nullopt;
  return Int8Loop{a, b, c, store, *aDim, *bDim};
}

} // namespace

/// Replaces `loop` (matched as `m`) by K/4 steps of `emit`.
static void rewrite(scf::ForOp loop, Int8Loop m, const Dot4Emitter &emit) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value acc0 =
      memref::LoadOp::create(b, loc, m.c.getMemRef(), m.c.getIndices());
  Value four = arith::ConstantIndexOp::create(b, loc, 4);
  auto quad = scf::ForOp::create(
      b, loc, loop.getLowerBound(), loop.getUpperBound(), four,
      ValueRange{acc0},
      [&](OpBuilder &lb, Location l, Value k, ValueRange iter) {
        auto gather = [&](memref::LoadOp load, unsigned dim) -> Value {
          SmallVector<Value> elements;
          for (int64_t t = 0; t < 4; ++t) {
            SmallVector<Value> indices(load.getIndices());
            indices[dim] = arith::AddIOp::create(
                lb, l, k, arith::ConstantIndexOp::create(lb, l, t));
            elements.push_back(
                memref::LoadOp::create(lb, l, load.getMemRef(), indices));
          }
          return vector::FromElementsOp::create(
              lb, l, VectorType::get({4}, lb.getI8Type()), elements);
        };
        Value va = gather(m.a, m.aDim), vb = gather(m.b, m.bDim);
        scf::YieldOp::create(lb, l, emit(lb, l, va, vb, iter[0]));
      });
  memref::StoreOp::create(b, loc, quad.getResult(0), m.store.getMemRef(),
                          m.store.getIndices());
  loop.erase();
}

void qf::rewriteInt8DotProducts(Operation *root, const Dot4Emitter &emit) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](gpu::GPUFuncOp func) {
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
  });
  for (scf::ForOp loop : loops) {
    APInt lower, upper, step;
    if (!matchPattern(loop.getLowerBound(), m_ConstantInt(&lower)) ||
        !matchPattern(loop.getUpperBound(), m_ConstantInt(&upper)) ||
        !matchPattern(loop.getStep(), m_ConstantInt(&step)) ||
        !lower.isZero() || !step.isOne() || upper.getSExtValue() % 4 != 0 ||
        upper.getSExtValue() == 0)
      continue;
    if (std::optional<Int8Loop> m = match(loop))
      rewrite(loop, *m, emit);
  }
}
