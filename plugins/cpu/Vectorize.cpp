//===- Vectorize.cpp - Tile and vectorize linalg ops for the host ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each linalg op on static tensors is tiled so that one tile is a register
// sized block, and the tile is vectorized: elementwise ops to `lanes`-wide
// vectors along their innermost parallel dimension, contractions to
// 4 x lanes outer-product blocks stepping the reduction by one. Tile sizes
// divide the dimensions, so no masking is needed. Dynamic dimensions
// (batch, sequence) outside the innermost parallel one are tiled by one. An op
// the vectorizer refuses (convolution windows, some gathers) stays a scalar
// loop nest: correct, just slower.
//
//===----------------------------------------------------------------------===//

#include "plugins/cpu/CpuBackend.h"
#include "plugins/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::cpu {
#define GEN_PASS_DEF_CPUVECTORIZEPASS
#include "plugins/cpu/Passes.h.inc"
} // namespace mlir::qf::cpu

using namespace mlir;
using namespace mlir::qf;

namespace {

/// The largest divisor of `size` that is at most `limit`.
int64_t divisorAtMost(int64_t size, int64_t limit) {
  for (int64_t d = std::min(size, limit); d > 1; --d)
    if (size % d == 0)
      return d;
  return 1;
}

/// Register-block tile sizes of `op` (0 leaves a dimension untiled).
SmallVector<int64_t> tileSizes(linalg::LinalgOp op, int64_t lanes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallel;
  bool hasReduction = false;
  for (auto [d, it] : llvm::enumerate(iterators)) {
    if (it == utils::IteratorType::parallel)
      parallel.push_back(d);
    else
      hasReduction = true;
  }
  SmallVector<int64_t> tiles(ranges.size(), 1);
  // Dynamic (outer, parallel) dimensions step by one.
  if (!parallel.empty() && !ShapedType::isDynamic(ranges[parallel.back()])) {
    tiles[parallel.back()] = divisorAtMost(ranges[parallel.back()], lanes);
    if (hasReduction && parallel.size() >= 2 &&
        !ShapedType::isDynamic(ranges[parallel[parallel.size() - 2]]))
      tiles[parallel[parallel.size() - 2]] =
          divisorAtMost(ranges[parallel[parallel.size() - 2]], 4);
  }
  for (auto [tile, range] : llvm::zip(tiles, ranges))
    if (tile == range)
      tile = 0;
  return tiles;
}

/// Whether `op`'s dynamic dimensions (batch, sequence) are all parallel and
/// outside its innermost parallel one: tiled by one, they leave static
/// tiles to vectorize. Others (a reduction over the sequence, attention
/// scores over it) stay scalar loops: masked vectorization of their
/// remainders produced invalid vector.mask ops (MLIR 22).
bool dynamicOnlyOutside(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  std::optional<size_t> innermost;
  for (auto [d, it] : llvm::enumerate(iterators))
    if (it == utils::IteratorType::parallel)
      innermost = d;
  for (auto [d, range] : llvm::enumerate(ranges))
    if (ShapedType::isDynamic(range) &&
        (iterators[d] != utils::IteratorType::parallel || d == innermost))
      return false;
  return true;
}

/// Boolean tensors are stored a byte per element, but a vector<Nxi1> is
/// loaded and stored as N bits: vectorized, an op on them reads its masks
/// wrongly (an ONNX attention mask selects the wrong scores). Such ops stay
/// scalar loops.
bool readsOrWritesBooleans(linalg::LinalgOp op) {
  return llvm::any_of(op->getOperandTypes(), [](Type t) {
    return getElementTypeOrSelf(t).isInteger(1);
  });
}

class CpuVectorizePass final
    : public cpu::impl::CpuVectorizePassBase<CpuVectorizePass> {
public:
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    if (vectorBits != 0 && vectorBits != 128 && vectorBits != 256 &&
        vectorBits != 512)
      return emitError(UnknownLoc::get(ctx))
             << "cpu-vectorize: vector-bits must be 0 (the host's), 128, 256 "
                "or 512, got "
             << unsigned(vectorBits);
    return success();
  }

  void runOnOperation() override {
    unsigned bits = vectorBits ? unsigned(vectorBits) : cpu::hostVectorBits();
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && dynamicOnlyOutside(op) &&
          !readsOrWritesBooleans(op))
        ops.push_back(op);
    });
    int64_t lanes = std::max<int64_t>(bits / 32, 1);
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      Operation *target = op;
      SmallVector<int64_t> tiles = tileSizes(op, lanes);
      rewriter.setInsertionPoint(op);
      if (llvm::any_of(tiles, [](int64_t t) { return t != 0; })) {
        scf::SCFTilingOptions options;
        options.setTileSizes(getAsIndexOpFoldResult(&getContext(), tiles));
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), options);
        if (failed(tiled))
          continue;
        rewriter.replaceOp(op, tiled->replacements);
        target = tiled->tiledOps.front();
      }
      rewriter.setInsertionPoint(target);
      FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
          rewriter, target, /*inputVectorSizes=*/{},
          /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/true,
          /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (succeeded(vectorized))
        rewriter.replaceOp(target, vectorized->replacements);
    }
  }
};

} // namespace
