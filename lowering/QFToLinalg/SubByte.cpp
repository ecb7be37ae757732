//===- SubByte.cpp - Packed weights, dequantized where they are read ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Sub-byte tensors never exist in memory: an i4 memref lowers wrongly (see
// MLIR22-NOTES.md), so qf.unpack is never materialized. Its consumers read
// the packed i8 bytes and extract each code inside their own generic:
// `qf.dequantize(qf.unpack(p))` becomes one elementwise generic, and a float
// `linalg.matmul` whose weight is `qf.dequantize(...)` of a packed or 8-bit
// tensor becomes a contraction that dequantizes each weight as it multiplies
// (weight-only schemes), so the float weights are never stored either.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Codes.h"
#include "lowering/QFToLinalg/Common.h"
#include "lowering/QFToLinalg/QFToLinalg.h"

#include "dialects/QF/QFOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// Where a dequantized weight's codes come from: packed bytes read with
/// extractCode, or 8-bit (or wider) storage read directly.
struct WeightSource {
  quant::QuantizedType qtype;
  Value packed;  // set for sub-byte storage
  Value storage; // set otherwise
};

std::optional<WeightSource> weightSource(PatternRewriter &rewriter,
                                         DequantizeOp dequantize) {
  auto qtype = elementOf(dequantize.getInput());
  if (auto unpack = dequantize.getInput().getDefiningOp<UnpackOp>())
    return WeightSource{qtype, unpack.getInput(), {}};
  if (qtype.getStorageTypeIntegralWidth() < 8)
    return std::nullopt;
  return WeightSource{
      qtype,
      {},
      toStorage(rewriter, dequantize.getLoc(), dequantize.getInput())};
}

/// qf.dequantize(qf.unpack(p)) as one generic over the unpacked shape.
struct LowerDequantizeUnpacked : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto unpack = op.getInput().getDefiningOp<UnpackOp>();
    if (!unpack)
      return failure();
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    auto fType = cast<FloatType>(resultType.getElementType());
    quant::QuantizedType qtype = elementOf(op.getInput());
    int64_t rank = resultType.getRank();
    SmallVector<unsigned> loops;
    for (unsigned d = 0; d < rank; ++d)
      loops.push_back(d);
    ParamReads reads = readParams(rewriter, loc, qtype, fType, rank, loops);
    SmallVector<AffineMap> maps = reads.maps;
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    Value packed = unpack.getInput();
    Value rowBytes = tensor::DimOp::create(rewriter, loc, packed, rank - 1);
    unsigned bits = qtype.getStorageTypeIntegralWidth();
    bool isSigned = qtype.isSigned();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, unpack.getResult());
    Value values =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, reads.inputs,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes, fType)},
            maps,
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              SmallVector<Value> idx;
              for (int64_t d = 0; d < rank; ++d)
                idx.push_back(linalg::IndexOp::create(b, l, d));
              Value code = extractCode(b, l, packed, ArrayRef(idx).drop_back(),
                                       idx.back(), bits, isSigned, rowBytes);
              auto [scale, zp] = reads.at(args, 0);
              linalg::YieldOp::create(
                  b, l, dequantizeCode(b, l, code, scale, zp, fType));
            })
            .getResult(0);
    rewriter.replaceOp(op, values);
    return success();
  }
};

/// A float `linalg.matmul` (default maps, [M, K] x [K, N]) whose weight is a
/// qf.dequantize: one contraction over (m, n, k) that dequantizes
/// w[k, n] = (code - zp) * scale in the body, exactly as qf.dequantize does,
/// and accumulates x * w into the matmul's init in k order.
struct DequantizeWeightsInMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps())
      return failure();
    auto dequantize = op.getInputs()[1].getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResultTypes()[0]);
    auto fType = cast<FloatType>(resultType.getElementType());
    Value lhs = op.getInputs()[0];
    if (cast<RankedTensorType>(lhs.getType()).getElementType() != fType ||
        cast<RankedTensorType>(dequantize.getType()).getElementType() != fType)
      return rewriter.notifyMatchFailure(op, "mixed float types");
    Location loc = op.getLoc();
    std::optional<WeightSource> source = weightSource(rewriter, dequantize);
    if (!source)
      return rewriter.notifyMatchFailure(op, "sub-byte weight not unpacked");
    // Loops (m, n, k); weight dimension 0 is k, 1 is n.
    ParamReads reads =
        readParams(rewriter, loc, source->qtype, fType, 3, {/*k=*/2, /*n=*/1});
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    if (source->storage) {
      MLIRContext *ctx = rewriter.getContext();
      inputs.push_back(source->storage);
      maps.push_back(AffineMap::get(
          3, 0, {getAffineDimExpr(2, ctx), getAffineDimExpr(1, ctx)}, ctx));
    }
    unsigned firstParam = inputs.size();
    inputs.append(reads.inputs);
    maps.append(reads.maps);
    Value rowBytes =
        source->packed ? tensor::DimOp::create(rewriter, loc, source->packed, 1)
                       : Value();
    unsigned bits = source->qtype.getStorageTypeIntegralWidth();
    bool isSigned = source->qtype.isSigned();
    replaceWithDecodingMatmul(
        rewriter, op, inputs, maps,
        [&](OpBuilder &b, Location l, ValueRange args, Value k, Value n) {
          Value code = source->packed
                           ? extractCode(b, l, source->packed, ValueRange{k}, n,
                                         bits, isSigned, rowBytes)
                           : widen(b, l, args[0], b.getI64Type(), isSigned);
          auto [scale, zp] = reads.at(args, firstParam);
          return dequantizeCode(b, l, code, scale, zp, fType);
        });
    return success();
  }
};

} // namespace

void lowering::populateSubBytePatterns(RewritePatternSet &patterns) {
  patterns.add<LowerDequantizeUnpacked>(patterns.getContext(),
                                        /*benefit=*/2);
}

void mlir::qf::populateWeightOnlyMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizeWeightsInMatmul>(patterns.getContext());
  lowering::populateTableMatmulPatterns(patterns);
}
