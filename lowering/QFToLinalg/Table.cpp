//===- Table.cpp - qf.dequantize_table, where it is read ------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Weights in the float-code formats (FP8, MX, NVFP4, NF4) are codes into a
// table of values, times a scale per block: a float32, or a byte that
// indexes a second table (E8M0 or E4M3FN values), then times the tensor's
// float32 scale where there is one. A float `linalg.matmul` whose
// weight is a qf.dequantize_table becomes, for one row (a GEMV), one
// contraction that decodes each weight as it multiplies (the float weights
// are never stored); for more rows, where that would decode each weight once
// per row, and for any other use, the weight is decoded once by an
// elementwise generic (the demo GPT's 128-token pass: 10.9 ms against 94 ms
// decoding in the contraction, f32 8.4 ms). Either way an element is
// table[code] * scale (* tensor scale), f32 products in that order, as the
// numerics core decodes it.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"
#include "lowering/QFToLinalg/Common.h"
#include "lowering/QFToLinalg/QFToLinalg.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// What a generic needs to decode op's elements: the table as a constant
/// tensor, and the inputs (codes when 8-bit, scales) with their maps over
/// the generic's loops, where weight dimension d is loop `loops[d]`.
struct TableReads {
  Value table;
  Value scaleTable;  ///< for byte scales
  Value tensorScale; ///< NVFP4's
  Value packed;      ///< 4-bit codes, read with extractCode
  Value rowBytes;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  bool directCodes = false; ///< inputs[0] is the 8-bit codes
  unsigned codeBits = 0;

  TableReads(OpBuilder &b, Location loc, DequantizeTableOp op,
             unsigned numLoops, ArrayRef<unsigned> loops) {
    MLIRContext *ctx = b.getContext();
    table = arith::ConstantOp::create(b, loc, op.getTable());
    if (DenseElementsAttr attr = op.getScaleTableAttr())
      scaleTable = arith::ConstantOp::create(b, loc, attr);
    if (op.getTensorScaleAttr())
      tensorScale = arith::ConstantOp::create(b, loc, op.getTensorScaleAttr());
    auto output = op.getOutput().getType();
    auto scales = op.getScales().getType();
    SmallVector<AffineExpr> weightExprs, scaleExprs;
    for (auto [d, loop] : llvm::enumerate(loops)) {
      AffineExpr e = getAffineDimExpr(loop, ctx);
      weightExprs.push_back(e);
      int64_t block = output.getDimSize(d) / scales.getDimSize(d);
      scaleExprs.push_back(block == 1 ? e : e.floorDiv(block));
    }
    codeBits = op.getCodeBits();
    if (codeBits == 8) {
      directCodes = true;
      inputs.push_back(op.getCodes());
      maps.push_back(AffineMap::get(numLoops, 0, weightExprs, ctx));
    } else {
      packed = op.getCodes();
      rowBytes = tensor::DimOp::create(b, loc, packed,
                                       op.getCodes().getType().getRank() - 1);
    }
    inputs.push_back(op.getScales());
    maps.push_back(AffineMap::get(numLoops, 0, scaleExprs, ctx));
  }

  /// table[code] * scale for the element at weight indices `at`, inside a
  /// generic whose block arguments start with this->inputs at `first`.
  Value decode(OpBuilder &b, Location loc, ValueRange args, unsigned first,
               ArrayRef<Value> at) const {
    Value code;
    if (directCodes)
      code = arith::ExtUIOp::create(b, loc, b.getI64Type(), args[first]);
    else
      code = extractCode(b, loc, packed, at.drop_back(), at.back(), codeBits,
                         /*isSigned=*/false, rowBytes);
    Value value = lookUp(b, loc, table, code);
    Value scale = args[first + (directCodes ? 1 : 0)];
    if (scaleTable)
      scale = lookUp(b, loc, scaleTable,
                     arith::ExtUIOp::create(b, loc, b.getI64Type(), scale));
    Value result = arith::MulFOp::create(b, loc, value, scale);
    if (tensorScale)
      result = arith::MulFOp::create(b, loc, result, tensorScale);
    return result;
  }

  /// table[code] for an unsigned i64 code.
  static Value lookUp(OpBuilder &b, Location loc, Value table, Value code) {
    Value index = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), code);
    return tensor::ExtractOp::create(b, loc, table, index);
  }
};

/// qf.dequantize_table as one elementwise generic over its output.
struct LowerDequantizeTable : OpRewritePattern<DequantizeTableOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeTableOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getOutput().getType();
    int64_t rank = type.getRank();
    SmallVector<unsigned> loops;
    for (unsigned d = 0; d < rank; ++d)
      loops.push_back(d);
    TableReads reads(rewriter, loc, op, rank, loops);
    SmallVector<AffineMap> maps = reads.maps;
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, reads.inputs, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, reads.decode(b, l, args, 0, at));
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// A float `linalg.matmul` of one row (default maps, [1, K] x [K, N], f32)
/// whose weight is a qf.dequantize_table: one contraction over (m, n, k)
/// that decodes w[k, n] in the body and accumulates x * w into the init in
/// k order.
struct DequantizeTableInMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps())
      return failure();
    auto weight = op.getInputs()[1].getDefiningOp<DequantizeTableOp>();
    if (!weight)
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResultTypes()[0]);
    Value lhs = op.getInputs()[0];
    if (resultType.getDimSize(0) != 1)
      return rewriter.notifyMatchFailure(
          op, "more than one row: the weight is decoded once instead");
    if (!resultType.getElementType().isF32() ||
        !cast<RankedTensorType>(lhs.getType()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not an f32 matmul");
    // Loops (m, n, k); weight dimension 0 is k, 1 is n.
    TableReads reads(rewriter, op.getLoc(), weight, 3, {/*k=*/2, /*n=*/1});
    replaceWithDecodingMatmul(
        rewriter, op, reads.inputs, reads.maps,
        [&](OpBuilder &b, Location l, ValueRange args, Value k, Value n) {
          return reads.decode(b, l, args, 0, {k, n});
        });
    return success();
  }
};

} // namespace

void lowering::populateTablePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDequantizeTable>(patterns.getContext());
}

void lowering::populateTableMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizeTableInMatmul>(patterns.getContext());
}
