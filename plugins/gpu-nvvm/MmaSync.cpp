//===- MmaSync.cpp - int8 matmuls on tensor cores (mma.sync) --------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// After bufferization, the i8 x i8 -> i32 contraction of a qf.matmul or
// qf.batch_matmul is a linalg.generic that accumulates
// sext(a) * sext(b) into an i32 buffer. This pass replaces each one whose
// reduction length K is a multiple of 32 with a gpu.launch of one warp per
// 16 x 8 output tile: the warp walks K in steps of 32 and issues one
// `mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32` (nvgpu.mma.sync) per
// step, each lane holding the fragment elements PTX assigns to it
// (groupID = lane / 4, t = lane % 4):
//
//   A (16 x 32), register r, byte j:  row g + 8 (r odd),  col 4t + j + 16 (r >=
//   2) B (32 x 8),  register r, byte j:  row 4t + j + 16 r,  col g C (16 x 8),
//   row r, element j:    row g + 8 r,        col 2t + j
//
// M and N need not be multiples of 16 and 8: rows and columns past the end
// read zeros (from a clamped, in-bounds address) and are not stored.
// Contractions that do not match keep the generic per-thread path (dp4a).
//
// The result is the same i32 value as the generic loop: each product is
// exact, and mma.sync's .satfinite accumulation equals wrapping addition
// while no partial sum leaves the i32 range, which K <= 131072 guarantees
// (|a b| <= 2^14); longer contractions are left to the generic path.
//
//===----------------------------------------------------------------------===//

#include "plugins/gpu-nvvm/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::gpu_nvvm {
#define GEN_PASS_DEF_GPUNVVMMMASYNCPASS
#include "plugins/gpu-nvvm/Passes.h.inc"
} // namespace mlir::qf::gpu_nvvm

using namespace mlir;
using namespace mlir::qf;

namespace {

constexpr int64_t kTileM = 16, kTileN = 8, kTileK = 32;
constexpr int64_t kMaxK = 131072;

/// A matched contraction: loop positions of the batch (or -1), m, n and k
/// dimensions and their sizes.
struct Contraction {
  linalg::GenericOp op;
  int64_t batchDim = -1, mDim = 0, nDim = 0, kDim = 0;
  SmallVector<int64_t> sizes;
};

bool isExtsiOfI8(Value v, Value arg) {
  auto ext = v.getDefiningOp<arith::ExtSIOp>();
  return ext && ext.getIn() == arg && ext.getIn().getType().isInteger(8);
}

/// Body: yield(out + sext(a) * sext(b)) with a, b : i8 and out : i32.
bool hasInt8MacBody(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 5)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddIOp>();
  if (!add)
    return false;
  Value out = body.getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return false;
  auto mul = product.getDefiningOp<arith::MulIOp>();
  if (!mul || !out.getType().isInteger(32))
    return false;
  Value a = body.getArgument(0), b = body.getArgument(1);
  return (isExtsiOfI8(mul.getLhs(), a) && isExtsiOfI8(mul.getRhs(), b)) ||
         (isExtsiOfI8(mul.getLhs(), b) && isExtsiOfI8(mul.getRhs(), a));
}

/// The dimension positions of a map whose results are all plain dims.
std::optional<SmallVector<int64_t>> dimPositions(AffineMap map) {
  SmallVector<int64_t> dims;
  for (AffineExpr e : map.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    dims.push_back(d.getPosition());
  }
  return dims;
}

std::optional<Contraction> match(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !hasInt8MacBody(op))
    return std::nullopt;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.hasStaticShape())
      return std::nullopt;
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (llvm::count(iterators, utils::IteratorType::reduction) != 1 ||
      iterators.size() > 4)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto outDims = dimPositions(maps[2]);
  auto aDims = dimPositions(maps[0]);
  auto bDims = dimPositions(maps[1]);
  if (!outDims || !aDims || !bDims || outDims->size() + 1 != iterators.size())
    return std::nullopt;

  Contraction c;
  c.op = op;
  c.kDim =
      llvm::find(iterators, utils::IteratorType::reduction) - iterators.begin();
  c.mDim = (*outDims)[outDims->size() - 2];
  c.nDim = outDims->back();
  if (outDims->size() == 3)
    c.batchDim = outDims->front();
  // A indexes m and k (and maybe the batch), B indexes k and n (and maybe
  // the batch): a matmul, not some other contraction.
  auto uses = [](ArrayRef<int64_t> dims, std::initializer_list<int64_t> want) {
    return llvm::all_of(
               dims, [&](int64_t d) { return llvm::is_contained(want, d); }) &&
           dims.size() >= 2;
  };
  if (!uses(*aDims, {c.batchDim, c.mDim, c.kDim}) ||
      !uses(*bDims, {c.batchDim, c.kDim, c.nDim}) ||
      !llvm::is_contained(*aDims, c.mDim) ||
      !llvm::is_contained(*aDims, c.kDim) ||
      !llvm::is_contained(*bDims, c.kDim) ||
      !llvm::is_contained(*bDims, c.nDim))
    return std::nullopt;
  c.sizes = op.getStaticLoopRanges();
  int64_t k = c.sizes[c.kDim];
  if (k % kTileK != 0 || k > kMaxK)
    return std::nullopt;
  return c;
}

/// Builds the warp-per-tile kernel that replaces `c.op`.
void buildKernel(const Contraction &c) {
  linalg::GenericOp op = c.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  int64_t m = c.sizes[c.mDim], n = c.sizes[c.nDim], k = c.sizes[c.kDim];
  int64_t batch = c.batchDim >= 0 ? c.sizes[c.batchDim] : 1;
  Value one = index(1);
  auto launch = gpu::LaunchOp::create(b, loc, index((n + kTileN - 1) / kTileN),
                                      index((m + kTileM - 1) / kTileM),
                                      index(batch), index(32), one, one);
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());

  Value lane = launch.getThreadIds().x;
  Value g = arith::DivUIOp::create(b, loc, lane, index(4));
  Value t = arith::RemUIOp::create(b, loc, lane, index(4));
  Value row0 =
      arith::MulIOp::create(b, loc, launch.getBlockIds().y, index(kTileM));
  Value col0 =
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, index(kTileN));
  Value batchIv = launch.getBlockIds().z;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();

  // Whether `row` (and `col`, where given) lie inside the output.
  auto inside = [&](OpBuilder &b, Value row, Value col) -> Value {
    Value rowOk =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, index(m));
    if (!col)
      return rowOk;
    Value colOk =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, col, index(n));
    return arith::AndIOp::create(b, loc, rowOk, colOk);
  };
  // The indices of operand `i` at loop position (row, col, kk) of the m, n
  // and k dimensions.
  auto indicesOf = [&](unsigned i, Value row, Value col, Value kk) {
    SmallVector<Value> ivs(c.sizes.size());
    ivs[c.mDim] = row;
    ivs[c.nDim] = col;
    ivs[c.kDim] = kk;
    if (c.batchDim >= 0)
      ivs[c.batchDim] = batchIv;
    SmallVector<Value> indices;
    for (AffineExpr e : maps[i].getResults())
      indices.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
    return indices;
  };
  // Loads operand `i`, reading zero (from a clamped address) where the
  // operand's own m or n index is past the end: A's rows do not depend on
  // the column, nor B's columns on the row.
  auto load = [&](OpBuilder &b, unsigned i, Value row, Value col,
                  Value kk) -> Value {
    bool usesRow = i != 1, usesCol = i != 0;
    Value ok = usesRow ? inside(b, row, usesCol ? col : Value())
                       : arith::CmpIOp::create(
                             b, loc, arith::CmpIPredicate::ult, col, index(n));
    Value rowC = arith::MinUIOp::create(b, loc, row, index(m - 1));
    Value colC = arith::MinUIOp::create(b, loc, col, index(n - 1));
    Value value = memref::LoadOp::create(b, loc, op->getOperand(i),
                                         indicesOf(i, rowC, colC, kk));
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(value.getType()));
    return arith::SelectOp::create(b, loc, ok, value, zero);
  };
  auto add = [&](OpBuilder &b, Value x, int64_t y) -> Value {
    return y == 0 ? x : arith::AddIOp::create(b, loc, x, index(y));
  };
  // One fragment: `rows` registers of four (A, B) or two (C) elements.
  auto fragment =
      [&](OpBuilder &b, VectorType type,
          llvm::function_ref<Value(OpBuilder &, int64_t, int64_t)> element)
      -> Value {
    Value frag = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
    for (int64_t r = 0; r < type.getDimSize(0); ++r) {
      SmallVector<Value> elements;
      for (int64_t j = 0; j < type.getDimSize(1); ++j)
        elements.push_back(element(b, r, j));
      Value reg = vector::FromElementsOp::create(
          b, loc, VectorType::get({type.getDimSize(1)}, type.getElementType()),
          elements);
      frag = vector::InsertOp::create(b, loc, reg, frag, r);
    }
    return frag;
  };

  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto cRow = [&](OpBuilder &b, int64_t r) {
    return add(b, arith::AddIOp::create(b, loc, row0, g), 8 * r);
  };
  auto cCol = [&](OpBuilder &b, int64_t j) {
    Value t2 = arith::MulIOp::create(b, loc, t, index(2));
    return add(b, arith::AddIOp::create(b, loc, col0, t2), j);
  };
  Value acc0 = fragment(b, VectorType::get({2, 2}, i32),
                        [&](OpBuilder &b, int64_t r, int64_t j) {
                          return load(b, 2, cRow(b, r), cCol(b, j), index(0));
                        });

  auto loop = scf::ForOp::create(b, loc, index(0), index(k), index(kTileK),
                                 ValueRange{acc0});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    Value t4 = arith::MulIOp::create(b, loc, t, index(4));
    Value kBase = arith::AddIOp::create(b, loc, k0, t4);
    Value rowG = arith::AddIOp::create(b, loc, row0, g);
    Value colG = arith::AddIOp::create(b, loc, col0, g);
    Value a = fragment(b, VectorType::get({4, 4}, i8),
                       [&](OpBuilder &b, int64_t r, int64_t j) {
                         return load(b, 0, add(b, rowG, 8 * (r % 2)), colG,
                                     add(b, kBase, j + 16 * (r / 2)));
                       });
    Value bf =
        fragment(b, VectorType::get({2, 4}, i8),
                 [&](OpBuilder &b, int64_t r, int64_t j) {
                   return load(b, 1, rowG, colG, add(b, kBase, j + 16 * r));
                 });
    Value acc =
        nvgpu::MmaSyncOp::create(b, loc, a, bf, loop.getRegionIterArgs()[0],
                                 ArrayRef<int64_t>{kTileM, kTileN, kTileK});
    scf::YieldOp::create(b, loc, acc);
  }

  // Store the accumulators that lie inside the output.
  Value result = loop.getResult(0);
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t j = 0; j < 2; ++j) {
      Value row = cRow(b, r), col = cCol(b, j);
      auto ifOp = scf::IfOp::create(b, loc, inside(b, row, col),
                                    /*withElse=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value v =
          vector::ExtractOp::create(b, loc, result, ArrayRef<int64_t>{r, j});
      memref::StoreOp::create(b, loc, v, op.getDpsInits()[0],
                              indicesOf(2, row, col, Value()));
    }
  op.erase();
}

class MmaSyncPass final
    : public gpu_nvvm::impl::GpuNvvmMmaSyncPassBase<MmaSyncPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    SmallVector<Contraction> matches;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto c = match(op))
        matches.push_back(*c);
    });
    for (const Contraction &c : matches)
      buildKernel(c);
  }
};

} // namespace
