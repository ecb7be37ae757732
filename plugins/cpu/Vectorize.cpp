//===- Vectorize.cpp - Tile and vectorize linalg ops for the host ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Each linalg op is tiled so that one tile is a register sized block, and
// the tile is vectorized: elementwise ops to `lanes`-wide vectors along
// their innermost parallel dimension, contractions to 4 x lanes
// outer-product blocks stepping the reduction by one. Tile sizes divide
// static dimensions, so no masking is needed. A dynamic outer dimension
// (batch, sequence) steps by one; a dynamic innermost one by `lanes`, its
// last, partial tile peeled into a scalar loop. An op the vectorizer
// refuses (convolution windows, some gathers, reductions over a dynamic
// dimension) stays a scalar loop nest: correct, just slower.
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
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
  // Dynamic dimensions step by one, but for the innermost parallel one,
  // which steps by `lanes` (its last, partial tile is peeled off).
  if (!parallel.empty()) {
    int64_t inner = ranges[parallel.back()];
    tiles[parallel.back()] =
        ShapedType::isDynamic(inner) ? lanes : divisorAtMost(inner, lanes);
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

/// Whether `op`'s dynamic dimensions (batch, sequence) are all parallel:
/// tiled, they leave static tiles to vectorize. A reduction over the
/// sequence stays a scalar loop nest.
bool dynamicOnlyParallel(linalg::LinalgOp op) {
  for (auto [range, it] :
       llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
    if (ShapedType::isDynamic(range) && it != utils::IteratorType::parallel)
      return false;
  return true;
}

/// The dimension of `op`'s innermost parallel loop if it is dynamic.
std::optional<unsigned> dynamicInnermost(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::optional<unsigned> innermost;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::parallel)
      innermost = d;
  if (innermost && ShapedType::isDynamic(ranges[*innermost]))
    return innermost;
  return std::nullopt;
}

/// Marks the tiles to vectorize across the canonicalization that makes
/// peeled tiles static.
constexpr llvm::StringLiteral kVectorizeMarker = "qf.cpu_vectorize";

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
      if (op.hasPureTensorSemantics() && dynamicOnlyParallel(op) &&
          !readsOrWritesBooleans(op))
        ops.push_back(op);
    });
    int64_t lanes = std::max<int64_t>(bits / 32, 1);
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    SmallVector<Operation *> targets;
    bool peeled = false;
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> tiles = tileSizes(op, lanes);
      if (llvm::all_of(tiles, [](int64_t t) { return t == 0; })) {
        targets.push_back(op);
        continue;
      }
      std::optional<unsigned> inner = dynamicInnermost(op);
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, tiles));
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
      Operation *target = tiled->tiledOps.front();
      targets.push_back(target);
      if (!inner)
        continue;
      // The loop over the dynamic innermost dimension (loops are in the
      // order of the tiled dimensions): its last, partial tile goes to a
      // loop of its own and stays scalar; the main loop's tiles are static
      // once its bounds fold.
      unsigned loop = llvm::count_if(ArrayRef(tiles).take_front(*inner),
                                     [](int64_t t) { return t != 0; });
      auto forOp = dyn_cast<scf::ForOp>(tiled->loops[loop].getOperation());
      scf::ForOp partial;
      if (forOp && succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, forOp,
                                                               partial))) {
        target->setAttr(kVectorizeMarker, UnitAttr::get(ctx));
        peeled = true;
      }
    }
    if (peeled) {
      // Fold the peeled bounds into static tile shapes; the marked tiles
      // are found again afterwards (folding replaces ops).
      RewritePatternSet patterns(ctx);
      for (Dialect *dialect : ctx->getLoadedDialects())
        dialect->getCanonicalizationPatterns(patterns);
      for (RegisteredOperationName name : ctx->getRegisteredOperations())
        name.getCanonicalizationPatterns(patterns, ctx);
      (void)applyPatternsGreedily(getOperation(), std::move(patterns));
      targets.clear();
      getOperation().walk([&](linalg::LinalgOp op) {
        bool marked = bool(op->removeAttr(kVectorizeMarker));
        if (op.hasPureTensorSemantics() && !readsOrWritesBooleans(op) &&
            (marked ||
             !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic)))
          targets.push_back(op);
      });
    }
    for (Operation *target : targets) {
      auto linalgOp = cast<linalg::LinalgOp>(target);
      if (llvm::any_of(linalgOp.getStaticLoopRanges(), ShapedType::isDynamic))
        continue;
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
