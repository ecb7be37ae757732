//===- ElementwiseOps.cpp - ONNX elementwise operators --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Arithmetic, activations, comparisons, Where and Cast: one linalg.generic
// each, with NumPy broadcasting. Integer arithmetic on constants (shape
// computations) is folded at import.
//
//===----------------------------------------------------------------------===//

#include "importers/onnx/Context.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::qf;
using namespace mlir::qf::onnx_import;

namespace {

bool isFloat(Type t) { return isa<FloatType>(t); }

/// Folds an integer elementwise op over constant operands (shape
/// computations: small tensors) with NumPy broadcasting; `f` maps one value
/// of each operand to the result. std::nullopt when an operand is not a
/// small integer constant.
std::optional<DenseElementsAttr>
foldIntElementwise(NodeContext &ctx, ArrayRef<unsigned> operands,
                   llvm::function_ref<int64_t(ArrayRef<int64_t>)> f,
                   Type resultElem) {
  SmallVector<SmallVector<int64_t>> values;
  SmallVector<RankedTensorType> types;
  SmallVector<int64_t> shape;
  for (unsigned i : operands) {
    const Tensor &t = ctx.input(i);
    if (!t.constant || !isa<IntegerType>(t.constant.getElementType()) ||
        t.constant.getNumElements() > 4096)
      return std::nullopt;
    auto broadcast = broadcastShapes(shape, t.type().getShape());
    if (failed(broadcast))
      return std::nullopt;
    shape = *broadcast;
    values.push_back(*ctx.constInts(i, ""));
    types.push_back(t.type());
  }
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  auto element = [&](unsigned k, ArrayRef<int64_t> index) {
    RankedTensorType t = types[k];
    int64_t flat = 0, offset = shape.size() - t.getRank();
    for (int64_t i = 0; i < t.getRank(); ++i)
      flat = flat * t.getDimSize(i) +
             (t.getDimSize(i) == 1 ? 0 : index[i + offset]);
    return values[k][flat];
  };
  SmallVector<APInt> out;
  SmallVector<int64_t> index(shape.size(), 0), args(operands.size());
  for (int64_t n = 0; n < count; ++n) {
    for (unsigned k = 0; k < operands.size(); ++k)
      args[k] = element(k, index);
    out.push_back(APInt(resultElem.getIntOrFloatBitWidth(), uint64_t(f(args)),
                        /*isSigned=*/true, /*implicitTrunc=*/true));
    for (int64_t i = shape.size() - 1; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
  return DenseElementsAttr::get(RankedTensorType::get(shape, resultElem), out);
}

/// The elements of an elementwise integer op over shapes known at import
/// (Tensor::symbolic), some of them dimensions the function computes: `f`
/// maps one element of each operand to the result's, or to std::nullopt
/// when that is not known at import. std::nullopt when an operand is not
/// known at import, none is symbolic, or `f` gives up: the op is then
/// computed when the model runs.
std::optional<std::pair<SmallVector<OpFoldResult>, RankedTensorType>>
foldKnownInts(
    NodeContext &ctx, ArrayRef<unsigned> operands,
    llvm::function_ref<std::optional<OpFoldResult>(ArrayRef<OpFoldResult>)> f,
    Type resultElem) {
  bool anySymbolic = false;
  SmallVector<SmallVector<OpFoldResult>> values;
  SmallVector<int64_t> shape;
  for (unsigned i : operands) {
    const Tensor &t = ctx.input(i);
    anySymbolic |= bool(t.symbolicType);
    if (t.type().getRank() > 1 || !isa<IntegerType>(t.type().getElementType()))
      return std::nullopt;
    if (!t.symbolicType && (!t.constant || t.constant.getNumElements() > 64))
      return std::nullopt;
    auto broadcast = broadcastShapes(shape, t.type().getShape());
    if (failed(broadcast))
      return std::nullopt;
    shape = *broadcast;
    values.push_back(*ctx.knownInts(i, ""));
  }
  if (!anySymbolic)
    return std::nullopt;
  int64_t count = shape.empty() ? 1 : shape[0];
  SmallVector<OpFoldResult> out;
  for (int64_t n = 0; n < count; ++n) {
    SmallVector<OpFoldResult> args;
    for (const SmallVector<OpFoldResult> &v : values)
      args.push_back(v[v.size() == 1 ? 0 : n]);
    std::optional<OpFoldResult> r = f(args);
    if (!r)
      return std::nullopt;
    out.push_back(*r);
  }
  return std::make_pair(out, RankedTensorType::get(shape, resultElem));
}

/// True when `v` is a dimension or a sum, product or quotient of them.
bool isNonNegative(OpFoldResult v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c >= 0;
  Operation *op = cast<Value>(v).getDefiningOp();
  if (isa_and_nonnull<tensor::DimOp>(op))
    return true;
  if (isa_and_nonnull<arith::AddIOp, arith::MulIOp, arith::DivUIOp,
                      arith::CeilDivSIOp>(op))
    return llvm::all_of(op->getOperands(),
                        [](Value operand) { return isNonNegative(operand); });
  return false;
}

/// Integer arithmetic on two elements known at import: folded when both
/// are constants, else index arithmetic in the function.
template <typename IOp>
std::optional<OpFoldResult> indexArith(NodeContext &ctx,
                                       int64_t (*fold)(int64_t, int64_t),
                                       ArrayRef<OpFoldResult> v) {
  std::optional<int64_t> a = getConstantIntValue(v[0]),
                         b = getConstantIntValue(v[1]);
  if (a && b)
    return OpFoldResult(ctx.b.getIndexAttr(fold(*a, *b)));
  if (b == 1 && (std::is_same_v<IOp, arith::MulIOp> ||
                 std::is_same_v<IOp, arith::DivSIOp>))
    return v[0];
  if (b == 0 && (std::is_same_v<IOp, arith::AddIOp> ||
                 std::is_same_v<IOp, arith::SubIOp>))
    return v[0];
  return OpFoldResult(IOp::create(ctx.b, ctx.loc,
                                  indexValue(ctx.b, ctx.loc, v[0]),
                                  indexValue(ctx.b, ctx.loc, v[1]))
                          .getResult());
}

/// Folds an integer binary op over constants with broadcasting.
std::optional<DenseElementsAttr>
foldIntBinary(NodeContext &ctx,
              llvm::function_ref<int64_t(int64_t, int64_t)> f) {
  return foldIntElementwise(
      ctx, {0, 1}, [&](ArrayRef<int64_t> v) { return f(v[0], v[1]); },
      ctx.input(0).type().getElementType());
}

/// A binary arithmetic operator: float and integer forms.
template <typename FOp, typename IOp>
Converter binary(int64_t (*fold)(int64_t, int64_t)) {
  return [fold](NodeContext &ctx) -> LogicalResult {
    if (auto c = foldIntBinary(ctx, fold)) {
      ctx.setOutput(0, *c, ctx.input(0).isUnsigned);
      return success();
    }
    if (auto known = foldKnownInts(
            ctx, {0, 1},
            [&](ArrayRef<OpFoldResult> v) {
              return indexArith<IOp>(ctx, fold, v);
            },
            ctx.input(0).type().getElementType())) {
      ctx.setOutput(0, known->first, known->second, ctx.input(0).isUnsigned);
      return success();
    }
    Value a = ctx.value(0), b = ctx.value(1);
    Type elem = ctx.input(0).type().getElementType();
    if (elem != ctx.input(1).type().getElementType())
      return ctx.error() << "operand element types differ";
    auto r = elementwise(
        ctx, {a, b}, elem, [&](OpBuilder &nb, Location loc, ValueRange s) {
          if (isFloat(elem))
            return FOp::create(nb, loc, s[0], s[1]).getResult();
          return IOp::create(nb, loc, s[0], s[1]).getResult();
        });
    if (failed(r))
      return failure();
    ctx.setOutput(0, *r, ctx.input(0).isUnsigned);
    return success();
  };
}

/// A float unary operator computed by `fn`.
Converter
unary(std::function<Value(OpBuilder &, Location, Value, NodeContext &)> fn) {
  return [fn](NodeContext &ctx) -> LogicalResult {
    Type elem = ctx.input(0).type().getElementType();
    if (!isFloat(elem))
      return ctx.error() << "expects a float tensor, got " << elem;
    auto r = elementwise(ctx, {ctx.value(0)}, elem,
                         [&](OpBuilder &b, Location loc, ValueRange s) {
                           return fn(b, loc, s[0], ctx);
                         });
    if (failed(r))
      return failure();
    ctx.setOutput(0, *r);
    return success();
  };
}

Value constLike(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConstant(b, loc, like.getType(), v);
}

/// ONNX Cast semantics on one scalar.
Value castScalar(OpBuilder &b, Location loc, Value v, bool fromUnsigned,
                 Type to, bool toUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (to.isInteger(1)) {
    if (isFloat(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   constLike(b, loc, v, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 constLike(b, loc, v, 0));
  }
  if (isFloat(from) && isFloat(to))
    return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
               ? arith::ExtFOp::create(b, loc, to, v).getResult()
               : arith::TruncFOp::create(b, loc, to, v).getResult();
  if (isFloat(to))
    return fromUnsigned || from.isInteger(1)
               ? arith::UIToFPOp::create(b, loc, to, v).getResult()
               : arith::SIToFPOp::create(b, loc, to, v).getResult();
  if (isFloat(from))
    return toUnsigned ? arith::FPToUIOp::create(b, loc, to, v).getResult()
                      : arith::FPToSIOp::create(b, loc, to, v).getResult();
  unsigned fb = from.getIntOrFloatBitWidth(), tb = to.getIntOrFloatBitWidth();
  if (fb > tb)
    return arith::TruncIOp::create(b, loc, to, v);
  return fromUnsigned || from.isInteger(1)
             ? arith::ExtUIOp::create(b, loc, to, v).getResult()
             : arith::ExtSIOp::create(b, loc, to, v).getResult();
}

LogicalResult convertCast(NodeContext &ctx) {
  bool toUnsigned = false;
  int to = ctx.attrInt("to", 0);
  Type toType = onnxElementType(to, ctx.b.getContext(), toUnsigned);
  if (!toType)
    return ctx.error() << "cannot cast to ONNX type " << to;
  const Tensor &in = ctx.input(0);
  Type from = in.type().getElementType();
  // Integer constants (shapes) cast at import.
  if (in.constant && isa<IntegerType>(from) && isa<IntegerType>(toType) &&
      !toType.isInteger(1)) {
    // Held here: a range-for over *constInts(...) would read the values
    // after the temporary FailureOr is gone (found by ASan).
    FailureOr<SmallVector<int64_t>> values = ctx.constInts(0, "input");
    if (failed(values))
      return failure();
    SmallVector<APInt> out;
    for (int64_t v : *values)
      out.push_back(APInt(toType.getIntOrFloatBitWidth(), uint64_t(v),
                          /*isSigned=*/true, /*implicitTrunc=*/true));
    ctx.setOutput(0,
                  DenseElementsAttr::get(
                      RankedTensorType::get(in.type().getShape(), toType), out),
                  toUnsigned);
    return success();
  }
  if (in.symbolicType && isa<IntegerType>(toType) && !toType.isInteger(1)) {
    ctx.setOutput(0, in.symbolic,
                  RankedTensorType::get(in.type().getShape(), toType),
                  toUnsigned);
    return success();
  }
  auto r = elementwise(ctx, {ctx.value(0)}, toType,
                       [&](OpBuilder &b, Location loc, ValueRange s) {
                         return castScalar(b, loc, s[0], in.isUnsigned, toType,
                                           toUnsigned);
                       });
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r, toUnsigned);
  return success();
}

/// Equal, Less, Greater, ...: an i1 tensor.
Converter compare(arith::CmpFPredicate fp, arith::CmpIPredicate sp,
                  arith::CmpIPredicate up) {
  return [=](NodeContext &ctx) -> LogicalResult {
    Type elem = ctx.input(0).type().getElementType();
    bool isUnsigned = ctx.input(0).isUnsigned;
    // Comparisons of shapes (Equal in a Where computing Expand's shape).
    if (auto c = foldIntElementwise(
            ctx, {0, 1},
            [&](ArrayRef<int64_t> v) -> int64_t {
              arith::CmpIPredicate p = isUnsigned ? up : sp;
              return arith::applyCmpPredicate(p, APInt(64, uint64_t(v[0])),
                                              APInt(64, uint64_t(v[1])));
            },
            ctx.b.getI1Type())) {
      ctx.setOutput(0, *c);
      return success();
    }
    // Equality of dimensions: the same value, or one that can never equal a
    // negative constant.
    if (sp == arith::CmpIPredicate::eq)
      if (auto known = foldKnownInts(
              ctx, {0, 1},
              [&](ArrayRef<OpFoldResult> v) -> std::optional<OpFoldResult> {
                std::optional<int64_t> a = getConstantIntValue(v[0]),
                                       b = getConstantIntValue(v[1]);
                bool equal = isEqualConstantIntOrValue(v[0], v[1]);
                bool never = (a && !b && *a < 0 && isNonNegative(v[1])) ||
                             (b && !a && *b < 0 && isNonNegative(v[0])) ||
                             (a && b && *a != *b);
                if (!equal && !never)
                  return std::nullopt;
                return OpFoldResult(ctx.b.getIndexAttr(equal));
              },
              ctx.b.getI1Type())) {
        ctx.setOutput(0, known->first, known->second);
        return success();
      }
    auto r =
        elementwise(ctx, {ctx.value(0), ctx.value(1)}, ctx.b.getI1Type(),
                    [&](OpBuilder &b, Location loc, ValueRange s) -> Value {
                      if (isFloat(elem))
                        return arith::CmpFOp::create(b, loc, fp, s[0], s[1]);
                      return arith::CmpIOp::create(b, loc, isUnsigned ? up : sp,
                                                   s[0], s[1]);
                    });
    if (failed(r))
      return failure();
    ctx.setOutput(0, *r);
    return success();
  };
}

LogicalResult convertWhere(NodeContext &ctx) {
  Type elem = ctx.input(1).type().getElementType();
  if (isa<IntegerType>(elem))
    if (auto c = foldIntElementwise(
            ctx, {0, 1, 2},
            [](ArrayRef<int64_t> v) { return v[0] ? v[1] : v[2]; }, elem)) {
      ctx.setOutput(0, *c, ctx.input(1).isUnsigned);
      return success();
    }
  // A choice between shapes by a condition known at import.
  if (isa<IntegerType>(elem) && ctx.input(0).constant)
    if (auto known = foldKnownInts(
            ctx, {0, 1, 2},
            [](ArrayRef<OpFoldResult> v) {
              return std::optional<OpFoldResult>(
                  isConstantIntValue(v[0], 0) ? v[2] : v[1]);
            },
            elem)) {
      ctx.setOutput(0, known->first, known->second, ctx.input(1).isUnsigned);
      return success();
    }
  auto r = elementwise(
      ctx, {ctx.value(0), ctx.value(1), ctx.value(2)}, elem,
      [](OpBuilder &b, Location loc, ValueRange s) {
        return arith::SelectOp::create(b, loc, s[0], s[1], s[2]).getResult();
      });
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r, ctx.input(1).isUnsigned);
  return success();
}

LogicalResult convertClip(NodeContext &ctx) {
  Type elem = ctx.input(0).type().getElementType();
  if (!isFloat(elem))
    return ctx.error() << "expects a float tensor, got " << elem;
  double lo = -INFINITY, hi = INFINITY;
  if (ctx.opset < 11) {
    lo = ctx.attrFloat("min", -INFINITY);
    hi = ctx.attrFloat("max", INFINITY);
  } else {
    for (size_t i : {1, 2}) {
      if (!ctx.hasInput(i))
        continue;
      auto v = ctx.constFloats(i, i == 1 ? "min" : "max");
      if (failed(v) || v->size() != 1)
        return failure();
      (i == 1 ? lo : hi) = (*v)[0];
    }
  }
  auto r = elementwise(
      ctx, {ctx.value(0)}, elem, [&](OpBuilder &b, Location loc, ValueRange s) {
        Value x = s[0];
        if (!std::isinf(lo))
          x = arith::MaximumFOp::create(b, loc, x, constLike(b, loc, x, lo));
        if (!std::isinf(hi))
          x = arith::MinimumFOp::create(b, loc, x, constLike(b, loc, x, hi));
        return x;
      });
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r);
  return success();
}

LogicalResult convertPow(NodeContext &ctx) {
  Type elem = ctx.input(0).type().getElementType();
  if (!isFloat(elem) || ctx.input(1).type().getElementType() != elem)
    return ctx.error() << "expects float base and exponent of one type";
  // x^2 and x^0.5, exactly as a product and a square root.
  if (ctx.input(1).constant && ctx.input(1).constant.isSplat()) {
    double e = (*ctx.constFloats(1, "exponent"))[0];
    if (e == 2.0 || e == 0.5 || e == 1.0) {
      auto r = elementwise(
          ctx, {ctx.value(0)}, elem,
          [&](OpBuilder &b, Location loc, ValueRange s) {
            if (e == 1.0)
              return s[0];
            if (e == 0.5)
              return math::SqrtOp::create(b, loc, s[0]).getResult();
            return arith::MulFOp::create(b, loc, s[0], s[0]).getResult();
          });
      if (failed(r))
        return failure();
      ctx.setOutput(0, *r);
      return success();
    }
  }
  auto r =
      elementwise(ctx, {ctx.value(0), ctx.value(1)}, elem,
                  [](OpBuilder &b, Location loc, ValueRange s) {
                    return math::PowFOp::create(b, loc, s[0], s[1]).getResult();
                  });
  if (failed(r))
    return failure();
  ctx.setOutput(0, *r);
  return success();
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = constLike(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// max(0, min(1, alpha x + beta)).
Value hardSigmoid(OpBuilder &b, Location loc, Value x, double alpha,
                  double beta) {
  Value y = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constLike(b, loc, x, alpha)),
      constLike(b, loc, x, beta));
  y = arith::MinimumFOp::create(b, loc, y, constLike(b, loc, x, 1.0));
  return arith::MaximumFOp::create(b, loc, y, constLike(b, loc, x, 0.0));
}

} // namespace

void onnx_import::registerElementwiseOps(ConverterTable &t) {
  t["Add"] = binary<arith::AddFOp, arith::AddIOp>(
      [](int64_t a, int64_t b) { return a + b; });
  t["Sub"] = binary<arith::SubFOp, arith::SubIOp>(
      [](int64_t a, int64_t b) { return a - b; });
  t["Mul"] = binary<arith::MulFOp, arith::MulIOp>(
      [](int64_t a, int64_t b) { return a * b; });
  t["Div"] = binary<arith::DivFOp, arith::DivSIOp>(
      [](int64_t a, int64_t b) { return b == 0 ? 0 : a / b; });
  t["Pow"] = convertPow;
  t["Sqrt"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::SqrtOp::create(b, loc, x).getResult();
  });
  t["Reciprocal"] =
      unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
        return arith::DivFOp::create(b, loc, constLike(b, loc, x, 1.0), x)
            .getResult();
      });
  t["Neg"] = [](NodeContext &ctx) -> LogicalResult {
    Type elem = ctx.input(0).type().getElementType();
    auto r = elementwise(
        ctx, {ctx.value(0)}, elem,
        [&](OpBuilder &b, Location loc, ValueRange s) {
          if (isFloat(elem))
            return arith::NegFOp::create(b, loc, s[0]).getResult();
          return arith::SubIOp::create(b, loc, constLike(b, loc, s[0], 0), s[0])
              .getResult();
        });
    if (failed(r))
      return failure();
    ctx.setOutput(0, *r);
    return success();
  };
  t["Exp"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::ExpOp::create(b, loc, x).getResult();
  });
  t["Log"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::LogOp::create(b, loc, x).getResult();
  });
  t["Erf"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::ErfOp::create(b, loc, x).getResult();
  });
  t["Sin"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::SinOp::create(b, loc, x).getResult();
  });
  t["Cos"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::CosOp::create(b, loc, x).getResult();
  });
  t["Tanh"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return math::TanhOp::create(b, loc, x).getResult();
  });
  t["Relu"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return arith::MaximumFOp::create(b, loc, x, constLike(b, loc, x, 0.0))
        .getResult();
  });
  t["Sigmoid"] = unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
    return sigmoid(b, loc, x);
  });
  t["HardSigmoid"] =
      unary([](OpBuilder &b, Location loc, Value x, NodeContext &ctx) {
        return hardSigmoid(b, loc, x, ctx.attrFloat("alpha", 0.2f),
                           ctx.attrFloat("beta", 0.5f));
      });
  t["HardSwish"] =
      unary([](OpBuilder &b, Location loc, Value x, NodeContext &) {
        return arith::MulFOp::create(b, loc, x,
                                     hardSigmoid(b, loc, x, 1.0 / 6.0, 0.5))
            .getResult();
      });
  t["Clip"] = convertClip;
  t["Cast"] = convertCast;
  t["Where"] = convertWhere;
  t["Equal"] = compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq,
                       arith::CmpIPredicate::eq);
  t["Less"] = compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                      arith::CmpIPredicate::ult);
  t["Greater"] = compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                         arith::CmpIPredicate::ugt);
}
