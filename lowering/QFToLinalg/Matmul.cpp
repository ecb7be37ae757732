//===- Matmul.cpp - qf.matmul to an i32 contraction -----------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "lowering/QFToLinalg/Common.h"

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "parameters/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::lowering;

namespace {

/// A constant i32 vector of zero points and the map that reads it: the
/// element of `dim` for per-axis types, element 0 otherwise.
std::pair<Value, AffineMap> zeroPointVector(PatternRewriter &rewriter,
                                            Location loc,
                                            quant::QuantizedType type,
                                            unsigned numDims, unsigned dim) {
  SmallVector<int32_t> zps;
  for (int64_t z : getZeroPoints(type))
    zps.push_back(z);
  auto vectorType =
      RankedTensorType::get({(int64_t)zps.size()}, rewriter.getI32Type());
  Value vector = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(vectorType, ArrayRef(zps)));
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr expr = zps.size() == 1 ? getAffineConstantExpr(0, ctx)
                                    : getAffineDimExpr(dim, ctx);
  return {vector, AffineMap::get(numDims, 0, expr, ctx)};
}

/// Sums over K of a constant weight ([(B,) K, N] storage behind a
/// quant.scast of a constant), computed now as an i32 constant [(B,) N]: the
/// zero-point correction of constant weights costs nothing at run time. The
/// sums wrap like the i32 arithmetic they replace.
std::optional<Value> constantColumnSums(PatternRewriter &rewriter, Location loc,
                                        Value quantizedRhs, bool isSigned) {
  auto storageCast = quantizedRhs.getDefiningOp<quant::StorageCastOp>();
  ConstantData attr;
  if (!storageCast || !matchConstantData(storageCast.getInput(), attr) ||
      !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  ArrayRef<int64_t> shape = attr.getType().getShape();
  int64_t n = shape.back(), k = shape[shape.size() - 2];
  int64_t batch = ShapedType::getNumElements(shape.drop_back(2));
  std::vector<int64_t> sums(batch * n, 0);
  int64_t i = 0;
  for (const APInt &v : attr.apInts()) {
    int64_t b = i / (k * n), col = i % n;
    sums[b * n + col] += isSigned ? v.getSExtValue() : v.getZExtValue();
    ++i;
  }
  SmallVector<int32_t> wrapped;
  for (int64_t sum : sums)
    wrapped.push_back(static_cast<int32_t>(static_cast<uint32_t>(sum)));
  SmallVector<int64_t> sumShape(shape.drop_back(2));
  sumShape.push_back(n);
  auto type = RankedTensorType::get(sumShape, rewriter.getI32Type());
  return arith::ConstantOp::create(
             rewriter, loc, DenseElementsAttr::get(type, ArrayRef(wrapped)))
      .getResult();
}

/// qf.matmul as an i32 contraction of the raw storage integers plus the
/// zero-point decomposition
///   sum_k (a - za)(w - zw) = sum_k a w - zw * rowsum(a) - za * colsum(w)
///                            + K * za * zw,
/// all in wrapping i32 arithmetic (so equal to the direct i32 sum), and the
/// bias.
struct LowerMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupported(op))
      return rewriter.notifyMatchFailure(op, *reason);
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    quant::QuantizedType lq = elementOf(op.getLhs()),
                         rq = elementOf(op.getRhs());
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    Type i32 = rewriter.getI32Type();
    Value lhs = toStorage(rewriter, loc, op.getLhs());
    Value rhs = toStorage(rewriter, loc, op.getRhs());
    bool batched = lhsType.getRank() == 3;
    bool sharedRhs = batched && rhsType.getRank() == 2;

    // Dimensions (b,) m, n, k.
    unsigned numDims = batched ? 4 : 3;
    unsigned b = 0, m = batched ? 1 : 0, n = m + 1, k = m + 2;
    auto dims = [&](std::initializer_list<unsigned> ds) {
      SmallVector<AffineExpr> exprs;
      for (unsigned d : ds)
        exprs.push_back(getAffineDimExpr(d, ctx));
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    AffineMap lhsMap = batched ? dims({b, m, k}) : dims({m, k});
    AffineMap rhsMap = batched && !sharedRhs ? dims({b, k, n}) : dims({k, n});
    AffineMap outMap = batched ? dims({b, m, n}) : dims({m, n});

    // Result sizes: lhs's leading dimensions, then rhs's N.
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < lhsType.getRank() - 1; ++d)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, lhs, d));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, rhs, rhsType.getRank() - 1));
    auto zeroFilled = [&](ArrayRef<OpFoldResult> shape) -> Value {
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, i32);
      Value zero = arith::ConstantIntOp::create(rewriter, loc, 0, 32);
      return linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    };
    using utils::IteratorType;
    SmallVector<IteratorType> contraction(numDims, IteratorType::parallel);
    contraction[k] = IteratorType::reduction;

    bool lSigned = lq.isSigned(), rSigned = rq.isSigned();
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType.clone(i32)},
            ValueRange{lhs, rhs}, ValueRange{zeroFilled(sizes)},
            {lhsMap, rhsMap, outMap}, contraction,
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value product = arith::MulIOp::create(
                  bb, l, widen(bb, l, args[0], i32, lSigned),
                  widen(bb, l, args[1], i32, rSigned));
              linalg::YieldOp::create(
                  bb, l,
                  arith::AddIOp::create(bb, l, args[2], product).getResult());
            })
            .getResult(0);

    // Sums over K of one operand, for the zero-point terms: iterations
    // (outer..., k) with k innermost, `map` reading the operand.
    auto sumOverK = [&](Value operand, AffineMap map, bool isSigned,
                        ArrayRef<OpFoldResult> shape) -> Value {
      unsigned nd = map.getNumDims();
      SmallVector<int64_t> staticShape;
      for (OpFoldResult s : shape)
        staticShape.push_back(
            getConstantIntValue(s).value_or(ShapedType::kDynamic));
      SmallVector<IteratorType> iterators(nd, IteratorType::parallel);
      iterators.back() = IteratorType::reduction;
      AffineMap resultMap =
          AffineMap::getMultiDimIdentityMap(nd, ctx).getMajorSubMap(nd - 1);
      return linalg::GenericOp::create(
                 rewriter, loc,
                 TypeRange{RankedTensorType::get(staticShape, i32)},
                 ValueRange{operand}, ValueRange{zeroFilled(shape)},
                 {map, resultMap}, iterators,
                 [&](OpBuilder &bb, Location l, ValueRange args) {
                   linalg::YieldOp::create(
                       bb, l,
                       arith::AddIOp::create(
                           bb, l, args[1], widen(bb, l, args[0], i32, isSigned))
                           .getResult());
                 })
          .getResult(0);
    };
    auto allZero = [](quant::QuantizedType q) {
      return llvm::all_of(getZeroPoints(q), [](int64_t z) { return z == 0; });
    };
    bool hasBias = bool(op.getBias());
    if (allZero(lq) && allZero(rq) && !hasBias) {
      rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType, acc);
      return success();
    }

    // rowsum over (b,) m and colsum over (b,) n.
    SmallVector<OpFoldResult> rowShape(sizes.begin(), sizes.end() - 1);
    SmallVector<OpFoldResult> colShape;
    if (batched && !sharedRhs)
      colShape.push_back(sizes.front());
    colShape.push_back(sizes.back());
    AffineMap rowMap = batched ? dims({b, m}) : dims({m});
    AffineMap colMap = batched && !sharedRhs ? dims({b, n}) : dims({n});
    // rowsum iterates ((b,) m, k) over lhs as it is; colsum iterates
    // ((b,) n, k) over rhs [(B,) K, N], so its map swaps the last two.
    unsigned lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    Value rowSum =
        sumOverK(lhs, AffineMap::getMultiDimIdentityMap(lhsRank, ctx), lSigned,
                 rowShape);
    SmallVector<unsigned> swapped;
    for (unsigned d = 0; d + 2 < rhsRank; ++d)
      swapped.push_back(d);
    swapped.append({rhsRank - 1, rhsRank - 2});
    std::optional<Value> constantSums =
        constantColumnSums(rewriter, loc, op.getRhs(), rSigned);
    Value colSum =
        constantSums ? *constantSums
                     : sumOverK(rhs, AffineMap::getPermutationMap(swapped, ctx),
                                rSigned, colShape);
    auto [zl, zlMap] = zeroPointVector(rewriter, loc, lq, numDims, m);
    auto [zr, zrMap] = zeroPointVector(rewriter, loc, rq, numDims, n);
    Value kSize = arith::IndexCastOp::create(
        rewriter, loc, i32,
        tensor::DimOp::create(rewriter, loc, lhs, lhsType.getRank() - 1));

    SmallVector<Value> inputs = {acc, rowSum, colSum, zl, zr};
    SmallVector<AffineMap> maps = {outMap, rowMap, colMap, zlMap, zrMap};
    if (hasBias) {
      inputs.push_back(toStorage(rewriter, loc, op.getBias()));
      maps.push_back(dims({n}));
    }
    maps.push_back(outMap);
    // The correction is elementwise over (b,) m, n: k (the last dimension)
    // appears in none of these maps, so they are re-declared without it.
    unsigned outDims = numDims - 1;
    SmallVector<AffineMap> elementwise;
    for (AffineMap map : maps)
      elementwise.push_back(AffineMap::get(outDims, 0, map.getResults(), ctx));
    SmallVector<IteratorType> parallel(outDims, IteratorType::parallel);
    Value corrected =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType.clone(i32)}, inputs,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, sizes, i32)},
            elementwise, parallel,
            [&](OpBuilder &bb, Location l, ValueRange args) {
              Value sum = args[0];
              auto mul = [&](Value x, Value y) -> Value {
                return arith::MulIOp::create(bb, l, x, y);
              };
              sum = arith::SubIOp::create(bb, l, sum, mul(args[4], args[1]));
              sum = arith::SubIOp::create(bb, l, sum, mul(args[3], args[2]));
              sum = arith::AddIOp::create(bb, l, sum,
                                          mul(kSize, mul(args[3], args[4])));
              if (hasBias)
                sum = arith::AddIOp::create(bb, l, sum, args[5]);
              linalg::YieldOp::create(bb, l, sum);
            })
            .getResult(0);
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType,
                                                      corrected);
    return success();
  }
};

} // namespace

void lowering::populateMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerMatmul>(patterns.getContext());
}
